"""The open data of the register: one dict per lab, shared by the JSON and CSV endpoints."""

from .models import Lab
from .spreadsheet import csv_text

FIELDS = ["id", "name", "region_kind", "prefecture", "bureau", "programme", "round", "selected_on",
          "status", "status_label", "predecessor_id", "url"]


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


def records_to_csv(records) -> str:
    """UTF-8 text with a BOM (for Excel), CRLF line ends, formula-like cells neutralised."""
    return csv_text(FIELDS, ([record[field] for field in FIELDS] for record in records))
