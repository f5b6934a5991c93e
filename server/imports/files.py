"""Reading import files: CSV (UTF-8 with or without BOM, else GB18030, which is what Excel
saves "CSV" as on Chinese Windows) or XLSX (openpyxl in read-only mode, row by row), and the
template files with the header row and one example row."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from server.errors import InvalidInput

# Chinese headers people are likely to write, mapped to our column names.
HEADER_ALIASES = {
    "名称": "name", "企业名称": "name", "統一社會信用代碼": "credit_code", "统一社会信用代码": "credit_code",
    "信用代码": "credit_code", "楼宇": "building", "樓宇": "building", "楼栋": "building", "楼层": "floor",
    "樓層": "floor", "启用": "active", "啟用": "active", "用户名": "username", "用戶名": "username",
    "姓名": "display_name", "手机": "phone", "手機": "phone", "电话": "phone", "電話": "phone",
    "邮箱": "email", "郵箱": "email", "角色": "roles", "企业": "enterprise", "企業": "enterprise",
    "部门": "department", "部門": "department",
}


def decode_csv(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise InvalidInput("This file could not be read.", {"file": "Save the CSV file as UTF-8 or GB18030."}) from exc


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # Excel keeps phone numbers and floor numbers as numbers: 13900000101.0 → "13900000101".
        return str(int(value))
    return str(value).strip()


def read_rows(data: bytes, filename: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) for every row, the header row included (line 1); blank rows are
    skipped but keep their numbers, so the numbers match what the admin sees in Excel."""
    if filename.lower().endswith(".xlsx"):
        yield from _xlsx_rows(data)
    elif filename.lower().endswith((".csv", ".txt")):
        yield from _csv_rows(data)
    else:
        raise InvalidInput("This file could not be read.", {"file": "Upload a .csv or .xlsx file."})


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    text = decode_csv(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if any(c.strip() for c in cells):
                yield line, [c.strip() for c in cells]
    except csv.Error as exc:
        raise InvalidInput("This file could not be read.", {"file": "The CSV file is malformed."}) from exc


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML or openpyxl errors: all mean "not a workbook"
        raise InvalidInput("This file could not be read.", {"file": "This is not an Excel (.xlsx) workbook."}) from exc
    try:
        sheet = workbook.worksheets[0]
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell(v) for v in values]
            if any(cells):
                yield line, cells
    finally:
        workbook.close()


def header_columns(cells: list[str], known: tuple[str, ...]) -> list[str | None]:
    """The column name of each header cell (None for columns we do not know)."""
    columns: list[str | None] = []
    for cell in cells:
        name = cell.strip().lower().replace(" ", "_")
        name = HEADER_ALIASES.get(cell.strip(), name)
        columns.append(name if name in known else None)
    return columns


def template_csv(columns: tuple[str, ...], example: dict[str, str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerow([example.get(c, "") for c in columns])
    # With a BOM, Excel opens the UTF-8 file with its Chinese intact.
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def template_xlsx(columns: tuple[str, ...], example: dict[str, str]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(columns))
    sheet.append([example.get(c, "") for c in columns])
    for cell in sheet[2]:
        cell.number_format = "@"  # text: keeps leading zeros and long digit strings
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
