"""The open data of the register: one dict per lab, shared by the JSON and CSV endpoints."""

import csv
import io

from .models import Lab

FIELDS = ["id", "name", "region_kind", "prefecture", "bureau", "programme", "round", "selected_on",
          "status", "status_label", "predecessor_id", "url"]

# Cells a spreadsheet would run as a formula (OWASP CSV injection).
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def lab_record(lab: Lab, base_url: str) -> dict:
    return {
        "id": lab.pk,
        "name": lab.name,
        "region_kind": lab.region.kind,
        "prefecture": lab.region.prefecture.name,
        "bureau": lab.region.prefecture.bureau.name,
        "programme": lab.programme.code,
        "round": lab.selection_round.number,
        "selected_on": lab.selected_on.isoformat() if lab.selected_on else None,
        "status": lab.status,
        "status_label": lab.get_status_display(),
        "predecessor_id": lab.predecessor_id,
        "url": base_url + lab.get_absolute_url(),
    }


def _cell(value) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_PREFIXES) else text


def records_to_csv(records) -> str:
    """UTF-8 text with a BOM (for Excel), CRLF line ends, formula-like cells neutralised."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(FIELDS)
    for record in records:
        writer.writerow([_cell(record[field]) for field in FIELDS])
    return buffer.getvalue()
