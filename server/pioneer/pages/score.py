"""The pioneer index's pages 先锋指数: ``/pioneer`` (your own score, or the way to the
ranking for the centre), ``/pioneer/people/{id}`` (a member's score: its parts, every record
with a link to it, the trend over the last quarters and the formula), ``/pioneer/ranking``
(per period, by branch and enterprise) and ``/pioneer/shortlist`` (创新先锋, also as XLSX).
Who sees what is server/pioneer/access.py: a member only their own score, the centre all."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from server.exports import xlsx_response
from server.pioneer import access
from server.pioneer import repository as repo
from server.pioneer import service as pioneer
from server.pioneer.index import PART_ORDER
from server.pioneer.labels import GRADE_LABELS, KIND_LABELS, PART_LABELS
from server.pioneer.pages.common import period_choices
from server.pioneer.presenters import line_view, points_text
from server.web.deps import DatabaseDep, PagePerson
from server.web.formdata import whole_number
from server.web.i18n import gettext_for, locale_for
from server.web.render import render

router = APIRouter()
PeriodText = Annotated[str | None, Query(max_length=10)]


def _labels() -> dict:
    return {"part_labels": PART_LABELS, "grade_labels": GRADE_LABELS, "kind_labels": KIND_LABELS,
            "parts_order": PART_ORDER, "weights": pioneer.weights(), "points_text": points_text}


@router.get("/pioneer")
def home(request: Request, person: PagePerson, database: DatabaseDep, period: PeriodText = None) -> Response:
    if person.is_party_member:
        return _member_page(request, person, database, person.id, period)
    if access.is_centre(person):
        return RedirectResponse("/pioneer/ranking", status_code=303)
    return render(request, "pioneer/not_member.html", _labels())


@router.get("/pioneer/people/{person_id:id}")
def member_page(request: Request, person: PagePerson, database: DatabaseDep, person_id: int,
                period: PeriodText = None) -> Response:
    return _member_page(request, person, database, person_id, period)


def _member_page(request: Request, viewer, database, person_id: int, period_text: str | None) -> Response:
    chosen = pioneer.check_period(period_text)
    today = pioneer.today()
    with database.read() as session:
        subject = pioneer.member(session, viewer, person_id)
        score = pioneer.score_of(session, subject.id, chosen)
        trend = pioneer.trend_of(session, subject.id, today)
        enterprise = repo.enterprise_names(session, [subject.enterprise_id]).get(subject.enterprise_id, "")
        context = {
            **_labels(), "subject": subject, "enterprise": enterprise, "score": score, "period": chosen,
            "periods": period_choices(today, chosen), "trend": trend, "own": subject.id == viewer.id,
            "lines": {p.part: [line_view(line) for line in p.lines] for p in score.parts},
            "is_centre": access.is_centre(viewer), "can_award": access.can_award(viewer),
            "action": "/pioneer" if subject.id == viewer.id and request.url.path == "/pioneer"
            else f"/pioneer/people/{subject.id}",
        }
    return render(request, "pioneer/member.html", context)


@router.get("/pioneer/ranking")
def ranking_page(request: Request, person: PagePerson, database: DatabaseDep, period: PeriodText = None,
                 branch: Annotated[str, Query(max_length=100)] = "",
                 enterprise: Annotated[str, Query(max_length=12)] = "") -> Response:
    pioneer.require_centre(person)
    chosen = pioneer.check_period(period)
    enterprise_id = whole_number(enterprise)
    where = repo.MemberFilter(branch=branch.strip() or None, enterprise_id=enterprise_id)
    with database.read() as session:
        rows = pioneer.ranking(session, person, chosen, where)
        context = {
            **_labels(), "rows": rows, "period": chosen, "periods": period_choices(pioneer.today(), chosen),
            "branches": repo.branches(session), "enterprises": repo.enterprises_of_members(session),
            "branch": where.branch or "", "enterprise_id": enterprise_id or "",
            "can_award": access.can_award(person),
        }
    return render(request, "pioneer/ranking.html", context)


@router.get("/pioneer/shortlist")
def shortlist_page(request: Request, person: PagePerson, database: DatabaseDep, period: PeriodText = None) -> Response:
    pioneer.require_centre(person)
    chosen = pioneer.check_period(period or str(pioneer.today().year))
    with database.read() as session:
        rows = pioneer.shortlist(session, person, chosen)
    context = {**_labels(), "rows": rows, "period": chosen, "periods": period_choices(pioneer.today(), chosen)}
    return render(request, "pioneer/shortlist.html", context)


@router.get("/pioneer/shortlist.xlsx")
def shortlist_export(request: Request, person: PagePerson, database: DatabaseDep, period: PeriodText = None) -> Response:
    """The shortlist as the page shows it, one row per member, for the selection meeting."""
    pioneer.require_centre(person)
    chosen = pioneer.check_period(period or str(pioneer.today().year))
    gettext = gettext_for(locale_for(request))
    with database.read() as session:
        rows = pioneer.shortlist(session, person, chosen)
        body = [
            [row.ranked.rank, row.person.display_name, row.person.username, row.enterprise, row.person.party_branch,
             *[round(row.ranked.score.part(p).points, 2) for p in PART_ORDER], row.ranked.score.total,
             gettext(GRADE_LABELS[row.ranked.score.grade])]
            for row in rows
        ]
    header = [gettext("Rank"), gettext("Party member"), gettext("Username"), gettext("Enterprise"), gettext("Party branch"),
              *[gettext(PART_LABELS[p]) for p in PART_ORDER], gettext("Total"), gettext("Grade")]
    return xlsx_response(f"pioneer-shortlist-{chosen.code}.xlsx", header, body, sheet_title=chosen.code)
