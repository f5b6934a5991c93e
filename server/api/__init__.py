"""The JSON API under /api/v1: one router per domain, mounted together."""

from fastapi import APIRouter

from server.accounts.endpoints import router as auth_router
from server.activities.endpoints import router as activities_router
from server.catalog.endpoints import router as catalog_router
from server.clubs.endpoints import router as clubs_router
from server.metrics.endpoints import router as metrics_router
from server.requests.endpoints import router as requests_router
from server.requests.endpoints import supervision_router

API_PREFIX = "/api/v1"

api_router = APIRouter(prefix=API_PREFIX)
api_router.include_router(auth_router)
api_router.include_router(catalog_router)
api_router.include_router(requests_router)
api_router.include_router(metrics_router)
api_router.include_router(supervision_router)
api_router.include_router(activities_router)
api_router.include_router(clubs_router)
