from datetime import UTC, datetime, timedelta

from server.enums import RequestStatus as S
from server.requests.flags import Flag, flag_for

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
DUE = T0 + timedelta(days=5)


def flag(status, now, claim_due=T0 + timedelta(hours=4)):
    return flag_for(status, now, submitted_at=T0, claim_due_at=claim_due, complete_due_at=DUE)


def test_fresh_request_has_no_flag():
    assert flag(S.dispatched, T0 + timedelta(hours=1)) is None


def test_unclaimed_past_its_claim_time_is_red():
    assert flag(S.dispatched, T0 + timedelta(hours=5)) == Flag.red


def test_unclaimed_after_half_its_time_is_yellow():
    assert flag(S.submitted, T0 + timedelta(days=3), claim_due=None) == Flag.yellow


def test_claimed_close_to_due_is_blue_and_past_due_is_red():
    assert flag(S.claimed, DUE - timedelta(hours=3)) == Flag.blue
    assert flag(S.claimed, T0 + timedelta(days=3)) is None
    assert flag(S.claimed, DUE + timedelta(minutes=1)) == Flag.red


def test_suspended_and_finished_requests_carry_no_flag():
    for status in (S.suspended, S.completed, S.closed, S.cancelled, S.rejected):
        assert flag(status, DUE + timedelta(days=30)) is None
