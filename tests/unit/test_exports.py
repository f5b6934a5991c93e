"""server/exports.py: the rules every CSV/XLSX download keeps."""

from __future__ import annotations

import csv
import io
import tracemalloc
from datetime import UTC, date, datetime

from openpyxl import load_workbook

from server import exports

HEADER = ["编号", "服务", "备注"]
ROWS = [
    ["LX-1", "维修 报修", "=HYPERLINK(\"http://x\",\"点我\")"],
    ["LX-2", "+86 138", "@SUM(A1)"],
    ["LX-3", "-1+2", "\tcmd"],
    ["LX-4", None, "plain 中文"],
]


def _csv(rows, header=HEADER) -> bytes:
    return b"".join(exports.csv_lines(header, rows))


def _xlsx(rows, header=HEADER):
    data = b"".join(exports.xlsx_chunks(header, rows))
    return load_workbook(io.BytesIO(data)).active


def test_csv_starts_with_a_bom_and_keeps_chinese():
    data = _csv(ROWS)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0] == HEADER
    assert parsed[1][1] == "维修 报修"
    assert parsed[4] == ["LX-4", "", "plain 中文"]


def test_csv_neutralises_every_formula_start():
    parsed = list(csv.reader(io.StringIO(_csv(ROWS).decode("utf-8-sig"))))
    cells = [cell for row in parsed[1:] for cell in row]
    for risky in ("=HYPERLINK", "+86", "@SUM", "-1+2", "\tcmd"):
        assert not any(c.startswith(risky) for c in cells), risky
        assert any(c.startswith("'" + risky) for c in cells), risky


def test_numbers_and_dates_are_not_mistaken_for_formulas():
    parsed = list(csv.reader(io.StringIO(_csv([[-3, 2.5, date(2026, 12, 1)]]).decode("utf-8-sig"))))
    assert parsed[1] == ["-3", "2.5", "2026-12-01"]


def test_xlsx_writes_formula_text_as_plain_strings():
    sheet = _xlsx(ROWS)
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == HEADER
    assert values[1][2] == "=HYPERLINK(\"http://x\",\"点我\")"
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if cell.value is not None:
                assert cell.data_type == "s", cell.value  # never "f" (formula)


def test_xlsx_takes_aware_datetimes_as_wall_time():
    sheet = _xlsx([["LX-9", datetime(2026, 12, 2, 9, 30, tzinfo=UTC), 4]], header=["a", "b", "c"])
    row = [c.value for c in next(sheet.iter_rows(min_row=2))]
    assert row == ["LX-9", datetime(2026, 12, 2, 9, 30), 4]


def test_chinese_file_name_has_an_ascii_fallback():
    value = exports.content_disposition("attachment", "部门统计 2026-12.csv")
    assert value.startswith('attachment; filename="')
    assert value.encode("ascii")  # a header value must be ASCII
    assert "filename*=UTF-8''%E9%83%A8" in value


def test_response_headers():
    response = exports.export_response("xlsx", "工单", HEADER, iter(ROWS))
    assert response.media_type == exports.XLSX_MEDIA
    assert response.headers["cache-control"] == "no-store"
    assert "filename*=UTF-8''%E5%B7%A5%E5%8D%95.xlsx" in response.headers["content-disposition"]
    assert exports.export_response("csv", "x", HEADER, iter(ROWS)).media_type == exports.CSV_MEDIA


def _rows(n):
    for i in range(n):
        yield [f"LX-{i:07d}", "家政服务 保洁", "朝阳区某某大厦 12 层 1203 室", i, "备注" * 10]


def _peak(fmt: str, n: int) -> int:
    tracemalloc.start()
    try:
        chunks = exports.csv_lines(HEADER + ["n", "x"], _rows(n)) if fmt == "csv" else exports.xlsx_chunks(HEADER + ["n", "x"], _rows(n))
        for _ in chunks:
            pass  # sent and dropped, as a response does
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_number_of_rows():
    # Flat memory: ten times the rows must not take anything like ten times the peak.
    for fmt in exports.FORMATS:
        small, large = _peak(fmt, 2_000), _peak(fmt, 20_000)
        assert large < small * 2 + 1_000_000, (fmt, small, large)
