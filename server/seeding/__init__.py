"""Seed data (buildings, departments, the service menu, demo people) and bulk demo requests.

``load_seeds`` reads ``seeds/*.yaml`` and creates what is missing; ``generate_demo_requests``
fills a database with a history of requests for demos and load tests."""

from server.seeding.demo_pioneer import seed_pioneer_records
from server.seeding.demo_programme import seed_programme
from server.seeding.demo_requests import DemoDataError, generate_demo_requests
from server.seeding.loader import KINDS, SEEDS_DIR, load_seeds
from server.seeding.schema import SeedError, read_seeds

__all__ = [
    "KINDS",
    "SEEDS_DIR",
    "DemoDataError",
    "SeedError",
    "generate_demo_requests",
    "load_seeds",
    "read_seeds",
    "seed_pioneer_records",
    "seed_programme",
]
