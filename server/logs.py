"""Logging for ``lianxin serve`` and the command line: one handler on the root logger writing
human-readable lines to standard error, or one JSON object per line with
``LIANXIN_LOG_FORMAT=json``, at ``LIANXIN_LOG_LEVEL``. A line written while a request is being
served carries its id (set by :mod:`server.request_log`); other lines carry ``-``."""

from __future__ import annotations

import json
import logging
import logging.config
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from server.config import Settings

# Set per request by server.request_log; threads of the request's threadpool inherit it.
request_id_var: ContextVar[str] = ContextVar("lianxin_request_id", default="-")

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"

# What every record has (and uvicorn's ANSI-coloured copy of its messages); anything else on a
# record (``extra=``) becomes a JSON field.
_NOT_FIELDS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName", "color_message"}

_configured = False


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


def _escape_controls(text: str) -> str:
    """Newlines and other control characters as visible escapes: one record, one line, whatever
    a user typed into a username or a path."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


class TextFormatter(logging.Formatter):
    """The text line, with the message's control characters escaped (a traceback below it
    keeps its own lines)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = _escape_controls(record.message)
        return super().formatMessage(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, the record's extra
    fields (request_id, and method, path, status, duration_ms, user for a request), and the
    traceback as ``exc_info``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _NOT_FIELDS:
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a line is written (as logging's last resort
    does): a test runner that swaps and closes the stream never leaves it writing to a dead one."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def dict_config(settings: Settings) -> dict[str, Any]:
    """The configuration for :func:`logging.config.dictConfig`; ``lianxin serve`` hands it to
    uvicorn, which applies it in every worker process."""
    formatter = (
        {"()": "server.logs.JsonFormatter"} if settings.log_format == "json"
        else {"()": "server.logs.TextFormatter", "fmt": TEXT_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "server.logs.RequestIdFilter"}},
        "formatters": {"lianxin": formatter},
        "handlers": {"stderr": {"()": "server.logs.StderrHandler", "formatter": "lianxin", "filters": ["request_id"]}},
        "root": {"level": settings.log_level, "handlers": ["stderr"]},
        "loggers": {
            # uvicorn's own lines go through ours; requests are logged by server.request_log.
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False},
            # Alembic lists its plugins at INFO on every start; its upgrades stay visible.
            "alembic.runtime.plugins": {"level": "WARNING"},
        },
    }


def configure(settings: Settings, *, force: bool = False) -> bool:
    """Configure logging once per process. Like :func:`logging.basicConfig`, leaves a root
    logger that already has handlers (a test runner's, an embedding program's) alone unless
    ``force``. Returns whether it configured."""
    global _configured
    if not force and (_configured or logging.getLogger().handlers):
        return False
    logging.config.dictConfig(dict_config(settings))
    _configured = True
    return True
