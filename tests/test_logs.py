"""Logging is configured for `lianxin serve` and the command line: lines reach standard error,
human-readable or as one JSON object per line, at the configured level; a line written while a
request runs carries its id."""

from __future__ import annotations

import io
import json
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from server import logs
from server.app import create_app
from server.cli import main
from server.config import Settings, get_settings

_TOUCHED = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "alembic.runtime.plugins")


@pytest.fixture
def configure(monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """configure(**settings): logging as `lianxin serve` sets it up, put back afterwards so
    that no other test writes its log to standard error."""
    saved = {name: (lg.handlers[:], lg.level, lg.propagate, lg.filters[:])
             for name in _TOUCHED for lg in [logging.getLogger(name)]}
    monkeypatch.setattr(logs, "_configured", False)

    def _configure(**values) -> Settings:
        settings = Settings(**values)
        assert logs.configure(settings, force=True)
        return settings

    yield _configure
    for name, (handlers, level, propagate, filters) in saved.items():
        lg = logging.getLogger(name)
        lg.handlers[:], lg.filters[:] = handlers, filters
        lg.setLevel(level)
        lg.propagate = propagate


def test_the_sweepers_info_lines_reach_standard_error(configure, capsys):
    configure()
    logging.getLogger("lianxin.sweeper").info("closed %d unrated requests", 3)
    logging.getLogger("lianxin.sweeper").debug("not at the default level")
    err = capsys.readouterr().err
    assert " INFO lianxin.sweeper [-] closed 3 unrated requests\n" in err
    assert "not at the default level" not in err


def test_the_level_comes_from_the_settings(configure, capsys, monkeypatch):
    monkeypatch.setenv("LIANXIN_LOG_LEVEL", "warning")
    assert Settings().log_level == "WARNING"
    configure(log_level="warning")
    logging.getLogger("lianxin").info("quiet")
    logging.getLogger("lianxin").warning("loud")
    err = capsys.readouterr().err
    assert "quiet" not in err and "loud" in err


def test_bad_settings_are_refused():
    with pytest.raises(ValueError):
        Settings(log_format="xml")
    with pytest.raises(ValueError):
        Settings(log_level="chatty")


def test_a_bad_setting_is_one_clear_line_on_the_command_line(monkeypatch):
    monkeypatch.setenv("LIANXIN_LOG_FORMAT", "xml")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, ["sweep"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "A setting is not valid: LIANXIN_LOG_FORMAT: Input should be 'text' or 'json'." in result.output
    assert "Traceback" not in result.output


def test_json_lines_for_a_request(configure, capsys, settings, database):
    configure(log_format="json")
    with TestClient(create_app(settings, database)) as client:
        client.get("/healthz", headers={"X-Request-ID": "probe-7"})
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    (entry,) = [line for line in lines if line["logger"] == "lianxin.http"]
    assert entry["message"].startswith("GET /healthz 200 ")
    assert entry["level"] == "INFO"
    assert entry["time"].endswith("+00:00")
    assert {k: entry[k] for k in ("request_id", "method", "path", "status", "user")} == {
        "request_id": "probe-7", "method": "GET", "path": "/healthz", "status": 200, "user": "-",
    }
    assert isinstance(entry["duration_ms"], float) and entry["duration_ms"] >= 0


def test_a_failed_request_logs_its_traceback_under_its_id(configure, capsys, settings, database):
    configure(log_format="json")
    app = create_app(settings, database)

    @app.get("/_test/boom")
    def boom():
        raise RuntimeError("the view broke")

    with TestClient(app) as client:
        response = client.get("/_test/boom")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    (error,) = [line for line in lines if line["level"] == "ERROR"]
    assert error["request_id"] == response.headers["x-request-id"]
    assert "RuntimeError: the view broke" in error["exc_info"]
    (access,) = [line for line in lines if line["logger"] == "lianxin.http"]
    assert (access["request_id"], access["status"]) == (error["request_id"], 500)


def test_json_lines_carry_the_traceback(configure, capsys):
    configure(log_format="json")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("lianxin").exception("it failed")
    entry = json.loads(capsys.readouterr().err)
    assert entry["message"] == "it failed" and entry["request_id"] == "-"
    assert "RuntimeError: boom" in entry["exc_info"]


def test_a_swapped_stderr_is_followed(configure):
    # The CLI's test runner swaps sys.stderr for a stream of its own and closes it afterwards:
    # each line must go to the stderr of its time, never to a stream closed since.
    configure()
    for attempt in range(2):
        stream = io.StringIO()
        real, sys.stderr = sys.stderr, stream
        try:
            logging.getLogger("lianxin").warning("attempt %d", attempt)
        finally:
            sys.stderr = real
        assert f"attempt {attempt}" in stream.getvalue()
        stream.close()


def test_the_command_line_configures_logging(tmp_path: Path):
    # A process of its own: in this one, pytest's capture already owns the root logger.
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANXIN_LOG")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}", LIANXIN_LOG_FORMAT="json")
    result = subprocess.run([sys.executable, "-m", "server.cli", "migrate"], capture_output=True,
                            text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert any(line["logger"] == "alembic.runtime.migration" and line["message"].startswith("Running upgrade")
               for line in lines)
    # Alembic's plugin list at every start is noise.
    assert not any(line["logger"] == "alembic.runtime.plugins" for line in lines)


def test_serve_hands_the_configuration_to_uvicorn(monkeypatch):
    import uvicorn

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.update(kwargs))
    monkeypatch.setenv("LIANXIN_LOG_FORMAT", "json")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, ["serve"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert seen["access_log"] is False  # server.request_log writes the access lines
    config = seen["log_config"]
    assert config["formatters"]["lianxin"] == {"()": "server.logs.JsonFormatter"}
    assert config["root"]["handlers"] == ["stderr"]
