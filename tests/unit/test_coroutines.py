"""tests.coroutines.run: the tests' way to run a coroutine must work after a browser test."""

import asyncio

from tests.coroutines import run


def test_runs_a_coroutine_while_an_event_loop_runs_in_this_thread():
    # As after a browser test, whose Playwright (sync API) leaves a loop running here:
    # asyncio.run() itself refuses ("cannot be called from a running event loop").
    async def inside_a_running_loop():
        return run(asyncio.sleep(0, result="ran"))

    assert asyncio.run(inside_a_running_loop()) == "ran"
