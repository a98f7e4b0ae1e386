"""`{% ranking_rows ranking %}`: the rows of the staff's ranking table, rendered in Python.

The ranking shows every application of a round (1,788 when every municipality applies) with 6
criteria each: as a template loop that was some 40,000 `floatformat` calls and 100,000 variable
lookups, seconds per page (`make bench`). Here each row is one f-string: the same HTML, a few
hundred milliseconds less for the whole table. A criterion's cell is formatted once per distinct
(mean, median, spread): 10,728 cells of a national round hold a few hundred distinct ones."""

from html import escape  # what django.utils.html.escape calls, without its lazy-string wrapper

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe

register = template.Library()

EMPTY = "—"
DISAGREEMENT = '<span title="審査員の評価が大きく割れています">⚠ 割れ</span>'


def _fixed(value, places: int = 2) -> str:
    """floatformat:2 — always two decimals; "" for None."""
    return "" if value is None else f"{value:.{places}f}"


def _trimmed(value) -> str:
    """floatformat:"-2" — two decimals unless the number is whole; "" for None."""
    if value is None:
        return ""
    rounded = round(value, 2)
    return f"{value:.0f}" if rounded == int(rounded) else f"{value:.2f}"


def _cell(cell) -> str:
    if cell.mean is None:
        return f'<td class="review-num">{EMPTY}</td>'
    return (f'<td class="review-num">{_fixed(cell.mean)}<br><small>中{_trimmed(cell.median)} '
            f'σ{_fixed(cell.spread)}</small></td>')


@register.simple_tag
def ranking_rows(ranking) -> str:
    if not ranking.rows:
        return mark_safe(f'<tr><td colspan="{len(ranking.criteria) + 11}">審査の対象となる申請はまだありません。</td></tr>')
    change_url = reverse("admin:applications_application_change", args=[0]).replace("/0/", "/{}/")
    html = []
    cell_html: dict[tuple, str] = {}
    for index, row in enumerate(ranking.rows):
        application = row.application
        css = ("row1" if index % 2 == 0 else "row2") + (" review-disagreement" if row.disagreement else "")
        receipt = escape(application.receipt_number or application.pk)
        select = (f'<input type="checkbox" name="applications" value="{application.pk}" '
                  f'aria-label="{escape(application.receipt_number or "")}を選択">' if row.decidable else "")
        cell_strings = []
        for cell in row.cells:
            key = (cell.mean, cell.median, cell.spread)
            text = cell_html.get(key)
            if text is None:
                text = cell_html[key] = _cell(cell)
            cell_strings.append(text)
        cells = "".join(cell_strings)
        z = (f"{_fixed(row.z_score)}<br><small>（{row.z_rank}位）</small>" if row.z_score is not None else EMPTY)
        decision = row.decision
        decided = (f"{escape(decision.get_outcome_display())}<br><small>{escape(decision.status_label)}</small>"
                   if decision else "未決定")
        outdated = (f'<br><small class="review-outdated">旧版への評価{row.outdated}件</small>'
                    if row.outdated else "")
        html.append(
            f'<tr class="{css}"><th scope="row" class="review-sticky">{select}'
            f'<span class="review-lab-name">{escape(application.basic.lab_name or "（名称未入力）")}</span>'
            f'<small>{escape(application.organisation.name)}</small></th><td>{row.rank or EMPTY}</td>'
            f'<td><a href="{change_url.format(application.pk)}">{receipt}</a></td>'
            f'<td class="review-num">{row.submitted}/{row.assigned}{outdated}</td>{cells}'
            f'<td class="review-num">{_fixed(row.weighted_total) or EMPTY}</td>'
            f'<td class="review-num">{_fixed(row.bonus) or EMPTY}</td>'
            f'<td class="review-num"><strong>{_fixed(row.total) or EMPTY}</strong></td>'
            f'<td class="review-num">{z}</td>'
            f'<td>{DISAGREEMENT if row.disagreement else ""}</td>'
            f'<td>{decided}</td></tr>')
    return mark_safe("\n".join(html))
