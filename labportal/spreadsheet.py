"""Cells for spreadsheets: one place that keeps exported text from running as a formula.

A cell whose text starts with = + - @ (or a tab or carriage return) would be run by Excel or
LibreOffice as a formula (OWASP "CSV injection"): such text gets a leading apostrophe, which
spreadsheets show as plain text. Numbers, dates and None pass unchanged, so .xlsx cells keep
their types; every CSV and .xlsx export of the portal should write its text through here.
"""

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """`value` unchanged unless it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_cell(value) -> str:
    """The text of a CSV cell: "" for None, neutralised text otherwise."""
    if value is None:
        return ""
    return neutralise(str(value))


def csv_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """UTF-8 text with a BOM (Excel reads it as UTF-8), CRLF line ends, every cell neutralised."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(name) for name in header])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue()
