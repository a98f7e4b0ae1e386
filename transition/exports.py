"""Every lab's transition state as CSV (UTF-8 with BOM, for Excel) and as Excel (openpyxl)."""

import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from labportal.spreadsheet import csv_text, xlsx_cell
from labportal.templatetags.jp_dates import fiscal_year, jp_datetime

COLUMNS = [
    "ラボID", "ラボ名", "都道府県", "経済産業局", "地域の種別", "IoTラボ選定回", "IoTラボ選定年月",
    "移行の状態", "IoTラボの状態", "申請主体", "手続き", "作成開始", "提出日時", "決定日時", "決定年度",
    "移行先DXラボID", "事務局からのメッセージ",
]


def _row(transition_request) -> list:
    lab = transition_request.lab
    successor = getattr(lab, "successor", None)
    return [
        lab.pk, lab.name, lab.region.prefecture.name, lab.region.prefecture.bureau.name,
        lab.region.get_kind_display(), lab.selection_round.label,
        f"{lab.selected_on.year}年{lab.selected_on.month}月" if lab.selected_on else "",
        transition_request.get_state_display(), lab.get_status_display(),
        transition_request.organisation.name if transition_request.organisation_id else "",
        transition_request.get_procedure_display() if transition_request.procedure else "",
        jp_datetime(transition_request.started_at), jp_datetime(transition_request.submitted_at),
        jp_datetime(transition_request.decided_at),
        fiscal_year(transition_request.decided_at) if transition_request.decided_at else "",
        successor.pk if successor else "", transition_request.decision_message,
    ]


def as_csv(requests) -> str:
    return csv_text(COLUMNS, (_row(transition_request) for transition_request in requests))


def as_xlsx(requests) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "移行状況"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for transition_request in requests:
        sheet.append([xlsx_cell(v) for v in _row(transition_request)])
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for index, title in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(title) * 2 + 4))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filename(extension: str) -> str:
    return f"transition-{timezone.localdate():%Y%m%d}.{extension}"

