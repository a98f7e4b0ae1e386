"""The staff's exports of applications: one row per application, as CSV (UTF-8 with BOM, for
Excel) and as .xlsx (openpyxl). Both read the same rows, in a fixed number of queries."""

import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from labportal.spreadsheet import csv_text, xlsx_cell

from .selectors import application_with_sections, participant_kind_coverage, section_fields
from .models import SECTION_MODELS

SUMMARY_COLUMNS = ["受付番号", "状態", "公募回", "申請主体", "申請主体の種別", "申請主体の確認", "ラボの名称",
                   "対象地域", "都道府県", "経済産業局", "該当する取組", "象限", "実施する取組", "KPI数",
                   "参加機関数", "参加機関の種別数", "初回提出日時", "最終提出日時", "担当者 氏名",
                   "担当者 メールアドレス", "担当者 電話番号"]


def _answer_columns():
    """Every answer of every section, labelled 「section：field」, in the form's order."""
    columns = []
    for model in SECTION_MODELS:
        for f in sorted(section_fields(model), key=lambda f: f.creation_counter):
            if not f.many_to_many:
                columns.append((model.key, f.name, f"{model.title}：{f.verbose_name}"))
    return columns


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def rows(queryset):
    """(header, rows) for the applications of `queryset` (any filtered changelist queryset)."""
    from labportal.models import Prefecture

    answers = _answer_columns()
    header = SUMMARY_COLUMNS + [label for _k, _n, label in answers]
    # One query for every prefecture's bureau, whatever the selector prefetches for regions.
    bureau_of = {p.pk: p.bureau.name for p in Prefecture.objects.select_related("bureau")}
    applications = application_with_sections().filter(pk__in=queryset.values("pk")).order_by(
        "selection_round_id", "receipt_seq", "pk")
    result = []
    for a in applications:
        regions = list(a.basic.regions.all())
        prefectures = sorted({r.prefecture.name for r in regions})
        bureaus = sorted({bureau_of[r.prefecture_id] for r in regions})
        participants = list(a.participants.all())
        row = [
            a.receipt_number or "", a.get_state_display(), str(a.selection_round), a.organisation.name,
            a.organisation.get_kind_display(), a.organisation.get_status_display(), a.basic.lab_name,
            "、".join(r.name for r in regions), "、".join(prefectures), "、".join(bureaus),
            "、".join(i.numeral for i in a.innovation.initiatives.all()),
            "、".join(q.numeral for q in a.innovation.quadrants.all()),
            "、".join([x.name for x in a.innovation.activities.all()]
                     + ([a.innovation.activities_other] if a.innovation.activities_other else [])),
            len(a.kpis.all()), len(participants), participant_kind_coverage(participants)[0],
            _local(a.first_submitted_at), _local(a.submitted_at), a.basic.contact_name,
            a.basic.contact_email, a.basic.contact_phone,
        ]
        for key, name, _label in answers:
            value = getattr(getattr(a, key), name)
            row.append("" if value is None else value)
        result.append(row)
    return header, result


def as_csv(queryset) -> str:
    return csv_text(*rows(queryset))


def as_xlsx(queryset) -> bytes:
    header, data = rows(queryset)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "申請一覧"
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in data:
        sheet.append(["" if v is None else xlsx_cell(v if isinstance(v, int) else str(v)) for v in row])
    for index, name in enumerate(header, start=1):
        width = 14 if index <= len(SUMMARY_COLUMNS) else 40
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "B2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
