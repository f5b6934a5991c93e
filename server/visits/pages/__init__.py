"""The visit pages 走访: the plan, an enterprise's visits, the log and its export, logging a visit,
a visit's page and filing its needs, the plan's import. One router for ``server/web/site.py``."""

from fastapi import APIRouter

from server.visits.pages import log, plan, plan_import, visit

router = APIRouter()
for _module in (plan_import, plan, log, visit):
    router.include_router(_module.router)
