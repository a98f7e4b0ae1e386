"""Cells for spreadsheets: one place that keeps exported text from running as a formula.

A cell whose text starts with = + - @ (or a tab or carriage return) would be run by Excel or
LibreOffice as a formula (OWASP "CSV injection"), and Japanese Excel takes the full-width ＝ ＋ －
＠ an IME types for the same: such text gets a leading apostrophe, which spreadsheets show as
plain text. Numbers, dates and None pass unchanged, so .xlsx cells keep their types. Every CSV
and .xlsx export of the portal writes its cells through csv_cell / xlsx_cell, nowhere else.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def neutralise(value):
    """`value` unchanged unless it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_cell(value) -> str:
    """The text of a CSV cell: "" for None, a number as written (-0.5 is no formula), any other
    value's text neutralised."""
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return str(value)
    return neutralise(str(value))


def xlsx_cell(value):
    """The value of an .xlsx cell: numbers, dates and None unchanged; text without the control
    characters .xlsx does not allow (nobody types them on purpose), neutralised."""
    if isinstance(value, str):
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """UTF-8 text with a BOM (Excel reads it as UTF-8), CRLF line ends, every cell neutralised."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(name) for name in header])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue()
