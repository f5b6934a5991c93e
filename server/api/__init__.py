"""The JSON API under /api/v1: one router per domain, mounted together."""

from fastapi import APIRouter

from server.accounts.endpoints import router as auth_router
from server.activities.endpoints import router as activities_router
from server.api.openapi import operation_id
from server.catalog.endpoints import router as catalog_router
from server.clubs.endpoints import router as clubs_router
from server.metrics.endpoints import router as metrics_router
from server.notifications.endpoints import router as notifications_router
from server.pioneer.endpoints import router as pioneer_router
from server.requests.endpoints import router as requests_router
from server.requests.endpoints import supervision_router
from server.rooms.endpoints import router as rooms_router
from server.visits.endpoints import router as visits_router

API_PREFIX = "/api/v1"

# Operation ids are the view functions' names (server/api/openapi.py).
api_router = APIRouter(prefix=API_PREFIX, generate_unique_id_function=operation_id)
api_router.include_router(auth_router)
api_router.include_router(catalog_router)
api_router.include_router(requests_router)
api_router.include_router(metrics_router)
api_router.include_router(supervision_router)
api_router.include_router(visits_router)
api_router.include_router(rooms_router)
api_router.include_router(pioneer_router)
api_router.include_router(activities_router)
api_router.include_router(clubs_router)
api_router.include_router(notifications_router)
