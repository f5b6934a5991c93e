"""A small week worked out by hand (2026-11-02 … 08, Shanghai; working hours 09–12, 13–18):

R1 union.join  Mon 09:00, claimed Mon 10:00 (due 13:00: on time), completed Tue 09:00, rated satisfied
R2 union.join  Mon 09:30, claimed Tue 15:00 (due Mon 14:30: late), completed Tue 16:00, rated basically
R3 union.join  Mon 10:00, never claimed (due Mon 15:00, long past): decided and not on time; overdue now
R4 misc.other  Mon 11:00, rejected by the dispatcher (never dispatched)
R5 misc.other  Tue 09:00, cancelled by its requester (never dispatched: no claim due time)
R6 union.join  Tue 10:00, claimed 10:30 by staff2 (on time), completed 11:00, sent back for rework 12:00;
               its fresh limit (5 working days) has long passed: overdue now

counts: submitted 6, dispatched 4, claimed 3, completed 3, closed 2, cancelled 1, rejected 1,
        rated satisfied 1 + basically 1, returns 0, reworks 1, overdue 3 (R2 late; R3, R6 now)
response 2 / (3 + 1) = 0.5; resolution 3 / 4 = 0.75; satisfaction (1 + 0.9) / 2 = 0.95,
share 1.0, unrated share 0 / 2 = 0.0; on time 3 / 3 = 1.0;
composite 100 × (0.1 × 0.5 + 0.5 × 0.75 + 0.4 × 0.95) = 80.5; average rating (3 + 2) / 2 = 2.5.
union: load 2 (R3, R6). staff1 holds R1, R2: completed 2, response 0.5; staff2 holds R6: load 1.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from server.enums import Action, Rating
from tests.requests.helpers import act, submit

WEEK = (date(2026, 11, 2), date(2026, 11, 8))


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """2026-11-``day`` ``hour``:``minute`` in Shanghai, as UTC."""
    return datetime(2026, 11, day, hour - 8, minute, tzinfo=UTC)


def build(database) -> dict[str, str]:
    union = {"answers": {"people": 2}}
    r1 = submit(database, "member1", "union.join", now=local(2, 9), **union).number
    r2 = submit(database, "member1", "union.join", now=local(2, 9, 30), **union).number
    r3 = submit(database, "member2", "union.join", now=local(2, 10), **union).number
    r4 = submit(database, "member2", "misc.other", now=local(2, 11)).number
    r5 = submit(database, "member1", "misc.other", now=local(3, 9)).number
    r6 = submit(database, "member1", "union.join", now=local(3, 10), **union).number
    act(database, "staff1", r1, Action.claim, now=local(2, 10))
    act(database, "staff1", r1, Action.complete, note="done", now=local(3, 9))
    act(database, "member1", r1, Action.rate, rating=Rating.satisfied, now=local(3, 12))
    act(database, "staff1", r2, Action.claim, now=local(3, 15))
    act(database, "staff1", r2, Action.complete, note="done", now=local(3, 16))
    act(database, "member1", r2, Action.rate, rating=Rating.basically_satisfied, now=local(3, 17))
    act(database, "dispatcher1", r4, Action.reject, note="not ours", now=local(2, 11, 30))
    act(database, "member1", r5, Action.cancel, now=local(3, 9, 30))
    act(database, "staff2", r6, Action.claim, now=local(3, 10, 30))
    act(database, "staff2", r6, Action.complete, note="done", now=local(3, 11))
    act(database, "member1", r6, Action.rework, note="again", now=local(3, 12))
    return {"R1": r1, "R2": r2, "R3": r3, "R4": r4, "R5": r5, "R6": r6}
