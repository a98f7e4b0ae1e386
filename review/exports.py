"""A round's review results for staff: Excel (.xlsx, openpyxl) and CSV (UTF-8 with BOM).

The summary has one row per application: rank, each criterion's mean, the totals, the z-score
and its rank, the disagreement flag and the decision. The workbook adds one sheet per reviewer
(their scores, recommendation and comment) and a sheet of reviewers' tendencies. Text cells go
through labportal.spreadsheet, so nothing an applicant or reviewer typed runs as a formula."""

import io
import re

from django.db.models import Prefetch
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from labportal.models import SelectionRound
from labportal.spreadsheet import csv_text, xlsx_cell

from . import selectors
from .models import Review, Score


def _round(value, places=2):
    return None if value is None else round(value, places)


def summary_header(ranking: selectors.Ranking) -> list[str]:
    return ["順位", "受付番号", "ラボの名称", "申請主体", "状態", "提出済の審査", "割当", *[
        f"{c.name}（平均）" for c in ranking.criteria], "加重合計点", "加点", "総合点", "標準化得点（z）",
        "標準化得点の順位", "評価の割れ", "決定", "公表"]


def summary_rows(ranking: selectors.Ranking) -> list[list]:
    rows = []
    for row in ranking.rows:
        application = row.application
        decision = row.decision
        rows.append([
            row.rank, application.receipt_number or "", application.basic.lab_name, application.organisation.name,
            application.get_state_display(), row.submitted, row.assigned,
            *[_round(cell.mean) for cell in row.cells],
            _round(row.weighted_total), _round(row.bonus), _round(row.total), _round(row.z_score, 3), row.z_rank,
            "あり" if row.disagreement else "", decision.get_outcome_display() if decision else "未決定",
            (decision.status_label if decision else ""),
        ])
    return rows


def round_results_csv(selection_round: SelectionRound) -> str:
    ranking = selectors.round_ranking(selection_round)
    return csv_text(summary_header(ranking), summary_rows(ranking))


def _sheet(workbook, title, header, rows, widths=None):
    sheet = workbook.create_sheet(title=title)
    sheet.append([xlsx_cell(name) for name in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append([xlsx_cell(value) for value in row])
    sheet.freeze_panes = "C2"
    for index, name in enumerate(header, start=1):
        width = (widths or {}).get(name) or min(40, max(8, len(str(name)) * 2 + 2))
        sheet.column_dimensions[get_column_letter(index)].width = width
    return sheet


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(index: int, name: str, taken: set[str]) -> str:
    title = _SHEET_FORBIDDEN.sub("_", f"{index:02d} {name}")[:31]
    while title in taken:
        title = title[:28] + f"_{index}"
    taken.add(title)
    return title


def round_results_xlsx(selection_round: SelectionRound) -> bytes:
    ranking = selectors.round_ranking(selection_round)
    workbook = Workbook()
    workbook.remove(workbook.active)
    _sheet(workbook, "審査結果", summary_header(ranking), summary_rows(ranking),
           widths={"ラボの名称": 32, "申請主体": 24, "受付番号": 18})
    _sheet(workbook, "審査員の傾向", ["審査員", "メールアドレス", "提出済の審査", "合計点の平均", "合計点の標準偏差",
                                   "全体平均との差"],
           [[s.name, s.email, s.n, _round(s.mean), _round(s.spread), _round(s.offset)] for s in ranking.reviewers],
           widths={"審査員": 20, "メールアドレス": 30})
    reviews = (Review.objects.filter(application__selection_round=selection_round,
                                     application__state__in=selectors.RANKED_STATES,
                                     state__in=Review.ACTIVE_STATES)
               .select_related("reviewer", "application__basic")
               .prefetch_related(Prefetch("scores", queryset=Score.objects.select_related("criterion")))
               .order_by("reviewer_id", "application__receipt_seq", "pk"))
    by_reviewer: dict = {}
    for review in reviews:
        by_reviewer.setdefault(review.reviewer, []).append(review)
    header = ["受付番号", "ラボの名称", "状態", *[c.name for c in ranking.criteria], "合計点（加点を除く）",
              "推薦", "総評", "提出日時"]
    taken = {"審査結果", "審査員の傾向"}
    for index, (reviewer, assigned) in enumerate(by_reviewer.items(), start=1):
        rows = []
        for review in assigned:
            scores = {s.criterion_id: s.value for s in review.scores.all()}
            total = sum(float(c.weight) * scores[c.pk] for c in ranking.criteria
                        if not c.is_bonus and scores.get(c.pk) is not None)
            rows.append([review.application.receipt_number or "", review.application.basic.lab_name,
                         review.get_state_display(), *[scores.get(c.pk) for c in ranking.criteria],
                         _round(total) if scores else None, review.get_recommendation_display(),
                         review.overall_comment,
                         timezone.localtime(review.submitted_at).strftime("%Y-%m-%d %H:%M") if review.submitted_at else ""])
        _sheet(workbook, _sheet_title(index, reviewer.display_name, taken), header, rows,
               widths={"ラボの名称": 32, "総評": 60, "受付番号": 18})
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filename(selection_round: SelectionRound, extension: str) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"review-{selection_round.programme.code}-{selection_round.number:02d}-{stamp}.{extension}"
