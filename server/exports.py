"""CSV and XLSX downloads of any list (request lists, the department table …), streamed.

One place for the rules every export keeps:
- CSV is UTF-8 with a BOM, so Excel opens Chinese text intact;
- a text cell starting with ``= + - @`` (or a tab or carriage return) could run as a formula
  when the file is opened ("CSV injection"): in CSV it gets a leading apostrophe, in XLSX it is
  written as a plain string cell, never a formula;
- memory stays flat however many rows: CSV is written row by row as the response goes out; XLSX
  (a zip, so it cannot be sent before it is finished) is written by openpyxl's write-only mode to
  a temporary file, which is then sent in chunks and removed.

``rows`` may be any iterable, typically a generator that reads the database in batches. Starlette
iterates a synchronous body in a worker thread, so the rows are produced off the event loop — and
*after* the endpoint returned: a generator that reads the database must open its own session
(``database.read_stream()`` inside the generator, since it ends in another thread than it began),
not borrow the endpoint's. :class:`ClosingStream` closes that generator however the response
ends, so its session never outlives the download.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote

import anyio
import anyio.to_thread
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

CSV_MEDIA = "text/csv; charset=utf-8"
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")
# Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CHUNK = 64 * 1024
_ROWS_PER_FLUSH = 500


def content_disposition(kind: str, name: str) -> str:
    """RFC 6266 / 5987: an ASCII fallback for old clients, the UTF-8 name for the rest."""
    fallback = "".join(c if 0x20 <= ord(c) < 0x7F and c not in '"\\%;' else "_" for c in name) or "file"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def risky(text: str) -> bool:
    """Would a spreadsheet take this text for a formula?"""
    return text.startswith(_FORMULA_START)


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, (date, int, float, Decimal)):
        return str(value)
    text = str(value)
    return "'" + text if risky(text) else text


def csv_lines(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[bytes]:
    """The file as chunks of bytes: the BOM and header first, then rows a few hundred at a time."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in header])
    yield "\ufeff".encode() + out.getvalue().encode("utf-8")
    out.seek(0)
    out.truncate()
    pending = 0
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
        pending += 1
        if pending >= _ROWS_PER_FLUSH:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
            pending = 0
    if pending:
        yield out.getvalue().encode("utf-8")


def _xlsx_cell(sheet, value):
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, datetime) and value.tzinfo is not None:
        # Excel has no time zones: write the wall time the caller localised it to.
        value = value.replace(tzinfo=None)
    if isinstance(value, Decimal):
        value = float(value)
    if value is not None and not isinstance(value, (str, int, float, bool, date, datetime)):
        value = str(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        # openpyxl would store "=…" as a formula; a string cell is only ever text.
        cell.data_type = "s"
    elif isinstance(value, datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    return cell


def xlsx_chunks(header: Sequence[str], rows: Iterable[Sequence], *, sheet_title: str = "Lianxin") -> Iterator[bytes]:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31] or "Sheet1")
    sheet.freeze_panes = "A2"
    sheet.append([_xlsx_cell(sheet, h) for h in header])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, v) for v in row])
    with tempfile.TemporaryFile() as spool:
        workbook.save(spool)
        spool.seek(0)
        while chunk := spool.read(_CHUNK):
            yield chunk


def _headers(filename: str) -> dict[str, str]:
    # A list of people's requests: never kept by a shared cache or the browser's history.
    return {"Content-Disposition": content_disposition("attachment", filename), "Cache-Control": "no-store"}


class ClosingStream(StreamingResponse):
    """A streamed body whose resources are let go however the response ends: sent whole, or the
    browser gone before the first chunk or midway. Then Starlette neither runs a synchronous
    body to its end nor runs a background task, and a generator holding a database session (an
    export) or the object store's connection (an attachment) kept it until the garbage
    collector came. After the response: the body is closed (a generator's ``finally`` and
    ``with`` blocks run), then each of ``release`` (each may be called more than once)."""

    def __init__(self, content: Iterator, *, release: Iterable[Callable[[], None] | None] = (), **kwargs):
        super().__init__(content, **kwargs)
        self._release = [r for r in (getattr(content, "close", None), *release) if r is not None]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            # Shielded: a cancelled request (a disconnect, a server at its shutdown timeout)
            # still lets go; in a thread, as the body ran: closing may end a transaction.
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(self._let_go)

    def _let_go(self) -> None:
        for release in self._release:
            release()


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> StreamingResponse:
    return ClosingStream(csv_lines(header, rows), release=[getattr(rows, "close", None)], media_type=CSV_MEDIA,
                         headers=_headers(filename))


def xlsx_response(filename: str, header: Sequence[str], rows: Iterable[Sequence], *, sheet_title: str = "Lianxin") -> StreamingResponse:
    return ClosingStream(xlsx_chunks(header, rows, sheet_title=sheet_title), release=[getattr(rows, "close", None)],
                         media_type=XLSX_MEDIA, headers=_headers(filename))


def export_response(fmt: str, filename_stem: str, header: Sequence[str], rows: Iterable[Sequence], *, sheet_title: str = "Lianxin") -> StreamingResponse:
    """``fmt`` is one of FORMATS (the caller has checked it and answers 4xx for anything else)."""
    if fmt == "xlsx":
        return xlsx_response(f"{filename_stem}.xlsx", header, rows, sheet_title=sheet_title)
    return csv_response(f"{filename_stem}.csv", header, rows)
