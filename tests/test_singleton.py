"""server/singleton.py: background work run by exactly one process at a time. On PostgreSQL
an advisory lock, tried by each worker; shown with two engines and with a second real
process (which, killed, gives the lock up with its connection)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from server.db import Database
from server.singleton import exclusive, lock_key
from server.sweeper import Sweeper

HOLDER = textwrap.dedent("""
    import sys
    from server.config import get_settings
    from server.db import Database
    from server.singleton import exclusive

    database = Database(sys.argv[1], get_settings())
    with exclusive("sweeper", database) as mine:
        print("mine" if mine else "theirs", flush=True)
        sys.stdin.readline()  # hold it until told (or killed)
""")


def test_lock_keys_are_stable_and_distinct():
    assert lock_key("sweeper") == lock_key("sweeper")
    assert lock_key("sweeper") != lock_key("notifications")
    assert -(2**63) <= lock_key("sweeper") < 2**63


def test_on_sqlite_the_one_process_always_holds_it(database):
    if not database.is_sqlite:
        pytest.skip("SQLite's rule")
    with exclusive("sweeper", database) as first, exclusive("sweeper", database) as second:
        assert first and second


@pytest.mark.postgres_only
def test_two_workers_never_hold_it_together(database, db_url, settings):
    other = Database(db_url, settings)  # another worker: its own connections
    try:
        with exclusive("sweeper", database) as mine:
            assert mine
            with exclusive("sweeper", other) as theirs:
                assert not theirs
            assert Sweeper(other, 60).tick() is None  # the other worker's sweeper skips its tick
            with exclusive("notifications", other) as unrelated:
                assert unrelated  # one lock per job
        with exclusive("sweeper", other) as theirs:
            assert theirs  # released after the block
        assert Sweeper(other, 60).tick() is not None
    finally:
        other.dispose()


@pytest.mark.postgres_only
def test_a_second_process_holding_it_keeps_us_out_until_it_dies(database, db_url):
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, db_url], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert holder.stdout.readline().strip() == "mine"
        with exclusive("sweeper", database) as mine:
            assert not mine
        holder.send_signal(signal.SIGKILL)  # no unlock: PostgreSQL drops it with the connection
        holder.wait(timeout=10)
        for _ in range(100):  # the server notices the closed socket at once; allow a moment
            with exclusive("sweeper", database) as mine:
                if mine:
                    break
        assert mine
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
