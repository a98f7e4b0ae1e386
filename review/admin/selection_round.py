"""The selection round's 今すぐ締め切る action. Closing a round early is review's move
(review.services.round_close_early mails the organisations with drafts), so the action lives
here and review/apps.py sets it on labportal.admin.SelectionRoundAdmin, which lists it among its
actions by name: labportal names none of the apps (tests/labportal/test_import_direction.py)."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse

from labportal.models import SelectionRound

from ..services import round_close_early, round_draft_holders


@admin.action(description="選択した公募回を今すぐ締め切る（公募中 → 審査中）")
def close_now(self, request, queryset):  # self: labportal.admin.SelectionRoundAdmin
    """Asks first (a page listing each round, its drafts and who will be mailed), then closes
    through review.services.round_close_early, which mails the organisations with drafts."""
    rounds = list(queryset.select_related("programme").order_by("pk"))
    if request.POST.get("confirm") == "yes":
        closed = [round_close_early(selection_round=r, by=request.user) for r in rounds]
        done = [c for c in closed if c.closed]
        skipped = len(closed) - len(done)
        self.message_user(
            request,
            f"{len(done)}件の公募回を締め切り、「審査中」にしました。作成中の申請書がある団体の"
            f"{sum(c.mailed for c in done)}人に、提出できなくなったことをメールでお知らせします。"
            + (f"（{skipped}件は「公募中」でないため変更していません）" if skipped else ""),
            messages.SUCCESS if done else messages.WARNING)
        return None
    rows = []
    for selection_round in rounds:
        is_open = selection_round.state == SelectionRound.State.OPEN
        drafts, members = round_draft_holders(selection_round) if is_open else (0, [])
        rows.append({"round": selection_round, "open": is_open, "drafts": drafts, "members": members,
                     "organisations": sorted({getattr(m, "organisation_name", "") for m in members})})
    return TemplateResponse(request, "admin/labportal/selectionround/close_confirm.html", {
        **self.admin_site.each_context(request), "opts": self.model._meta, "title": "公募を今すぐ締め切る（確認）",
        "rows": rows, "queryset": queryset, "any_open": any(r["open"] for r in rows),
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME})
