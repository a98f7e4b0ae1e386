"""A reviewer's scores: validated, saved as a draft, submitted (which freezes the criteria and
settings), reopened by staff, or the review recused."""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from .. import selectors
from ..models import CriteriaSet, Criterion, Review, RoundReviewSettings, Score
from .errors import ReviewError, ReviewLocked, ScoresInvalid
from .mail import _mail_staff_recused, review_mail_context
from .transitions import Actor, AppState, State, _round_open_for_review, review_transition

# --- Scoring ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ScoreInput:
    value: int | None
    comment: str = ""


def scores_validate(*, criteria: list[Criterion], scores: Mapping[int, ScoreInput], submit: bool,
                    recommendation: str) -> dict[str, list[str]]:
    """Errors by form field: a score outside its criterion's scale, always; on submission also a
    missing score (bonus criteria are optional), a missing comment when a score is at either end
    of the scale, and a missing recommendation."""
    errors: dict[str, list[str]] = defaultdict(list)
    known = {c.pk for c in criteria}
    for criterion_id in scores:
        if criterion_id not in known:
            errors["__all__"].append("この公募回の審査の視点ではない評点が含まれています。")
    for criterion in criteria:
        entry = scores.get(criterion.pk, ScoreInput(None))
        value = entry.value
        if value is not None and not (criterion.scale_min <= value <= criterion.scale_max):
            errors[f"score_{criterion.pk}"].append(
                f"「{criterion.name}」の評点は{criterion.scale_min}から{criterion.scale_max}の範囲で入力してください"
                f"（入力された値: {value}）。")
            continue
        if not submit:
            continue
        if value is None and not criterion.is_bonus:
            errors[f"score_{criterion.pk}"].append(f"「{criterion.name}」の評点を入力してください。")
        if value in (criterion.scale_min, criterion.scale_max) and not entry.comment.strip():
            end = "最高点" if value == criterion.scale_max else "最低点"
            errors[f"comment_{criterion.pk}"].append(
                f"「{criterion.name}」を{end}（{criterion.label_for(value)}）とする場合は、理由をコメントに記入してください。")
    if submit and recommendation not in Review.Recommendation.values:
        errors["recommendation"].append("推薦（選定を推奨 / 条件付き / 推奨しない）を選んでください。")
    elif recommendation and recommendation not in Review.Recommendation.values:
        errors["recommendation"].append("推薦の選択肢から選んでください。")
    return dict(errors)


RETURNED_REFUSAL = ("この申請は差し戻し中（申請者が修正しています）のため、採点できません。"
                    "申請者が再提出すると採点できるようになります。変更点はこのページに表示されます。")


def review_save(*, review: Review, by, scores: Mapping[int, ScoreInput], overall_comment: str = "",
                recommendation: str = "", submit: bool = False, now: datetime | None = None) -> Review:
    """Save the reviewer's scores, comments, overall comment and recommendation, as a draft or
    submitted (which locks the review).

    Guarantees: only the assigned reviewer, only while the review is 未着手 or 下書き, the
    round not announced and the application not 差し戻し (it is with the applicant); a score
    outside the scale is refused on every save, and submission
    also needs every non-bonus score, a comment for a score at either end of the scale and a
    recommendation (ScoresInvalid, nothing saved). Every changed score is recorded in its
    history, with the application's submitted version it was given for (application_version).
    The first score saved in a round freezes its criteria set and the round's choice."""
    now = now or timezone.now()
    with transaction.atomic():
        review = Review.objects.select_for_update(of=("self",)).select_related(
            "application__selection_round").get(pk=review.pk)
        if review.reviewer_id != by.pk:
            raise ReviewError("ご自身に割り当てられた審査だけを保存できます。")
        if review.state == State.SUBMITTED:
            raise ReviewLocked("提出済みの審査は変更できません。変更が必要な場合は事務局にご連絡ください。")
        if review.state not in Review.OPEN_STATES:
            raise ReviewLocked("この審査は辞退済みのため変更できません。")
        _round_open_for_review(review.application.selection_round)
        if review.application.state == AppState.RETURNED:
            raise ReviewLocked(RETURNED_REFUSAL)
        if review.application.state not in selectors.REVIEWABLE_STATES:
            raise ReviewLocked(f"この申請は審査の対象ではなくなりました（状態: {review.application.get_state_display()}）。")
        version = selectors.current_version_number(review.application_id)
        round_settings = RoundReviewSettings.objects.select_related("criteria_set").get(
            selection_round_id=review.application.selection_round_id)
        criteria = selectors.criteria_of(round_settings.criteria_set)
        errors = scores_validate(criteria=criteria, scores=scores, submit=submit, recommendation=recommendation)
        if errors:
            raise ScoresInvalid(errors)
        existing = {s.criterion_id: s for s in review.scores.all()}
        scored = False
        for criterion in criteria:
            entry = scores.get(criterion.pk, ScoreInput(None))
            comment = entry.comment.strip()
            score = existing.get(criterion.pk)
            scored = scored or entry.value is not None
            if score is None:
                if entry.value is None and not comment:
                    continue
                score = Score(review=review, criterion=criterion)
            elif (score.value, score.comment, score.application_version) == (entry.value, comment, version):
                continue
            score.value, score.comment, score.application_version = entry.value, comment, version
            score._history_user = by
            score.save()
        if scored:
            _freeze(round_settings, now)
        review.overall_comment = overall_comment.strip()
        review.recommendation = recommendation
        to_state = State.SUBMITTED if submit else State.DRAFT
        if review.state == to_state:
            review._history_user = by
            review._change_reason = "下書き保存"
            review.save()
        else:
            review_transition(review=review, to_state=to_state, actor=Actor.REVIEWER, by=by, now=now,
                              reason="提出" if submit else "下書き保存")
    return review


def review_submit(*, review: Review, by, seen_updated_at: datetime | None = None,
                  now: datetime | None = None) -> Review:
    """Submit the saved draft exactly as the reviewer confirmed it on the confirmation page.

    Guarantees: the same checks as review_save(submit=True) on the stored scores, comments,
    overall comment and recommendation; when the draft changed after the confirmation page was
    shown (`seen_updated_at`, e.g. saved again in another tab) nothing is submitted and
    ReviewError says to confirm again."""
    with transaction.atomic():
        current = Review.objects.select_for_update(of=("self",)).get(pk=review.pk)
        if current.reviewer_id != by.pk:
            raise ReviewError("ご自身に割り当てられた審査だけを提出できます。")
        if seen_updated_at is not None and current.state in Review.OPEN_STATES \
                and current.updated_at != seen_updated_at:
            raise ReviewError("確認画面を表示した後に下書きが変更されました。内容をもう一度確認してから提出してください。")
        scores = {s.criterion_id: ScoreInput(s.value, s.comment) for s in current.scores.all()}
        return review_save(review=current, by=by, scores=scores, overall_comment=current.overall_comment,
                           recommendation=current.recommendation, submit=True, now=now)


def _freeze(round_settings: RoundReviewSettings, now: datetime) -> None:
    RoundReviewSettings.objects.filter(pk=round_settings.pk, scoring_started_at__isnull=True) \
        .update(scoring_started_at=now)
    CriteriaSet.objects.filter(pk=round_settings.criteria_set_id, frozen_at__isnull=True).update(frozen_at=now)


def review_reopen(*, review: Review, by, reason: str) -> Review:
    """Staff send a submitted review back to its reviewer as a draft (before the announcement)."""
    if not reason.strip():
        raise ReviewError("再提出を依頼する理由を入力してください。")
    with transaction.atomic():
        review = Review.objects.select_for_update(of=("self",)).select_related(
            "application__selection_round__programme", "application__basic", "reviewer").get(pk=review.pk)
        _round_open_for_review(review.application.selection_round)
        review_transition(review=review, to_state=State.DRAFT, actor=Actor.STAFF, by=by, reason=reason.strip())
        from labportal.services import notify

        notify(event="review_reopened", to=review.reviewer, dedup_key=f"review:{review.pk}:reopened:"
               f"{review.history.count()}", context={**review_mail_context(review), "reason": reason.strip()})
    return review


def review_recuse(*, review: Review, by, reason: str, actor: str = Actor.REVIEWER) -> Review:
    """The reviewer declares a conflict on an assigned application: the review leaves their list
    (辞退, kept for the record), the application is flagged for reassignment, staff are mailed.
    A reviewer may recuse only from their own open review."""
    if not reason.strip():
        raise ReviewError("辞退の理由（利害関係の内容）を入力してください。")
    with transaction.atomic():
        review = Review.objects.select_for_update(of=("self",)).select_related(
            "application__selection_round__programme", "application__basic", "reviewer").get(pk=review.pk)
        if actor == Actor.REVIEWER and review.reviewer_id != by.pk:
            raise ReviewError("ご自身の審査以外は辞退できません。")
        _round_open_for_review(review.application.selection_round)
        review_transition(review=review, to_state=State.RECUSED, actor=actor, by=by, reason=reason.strip())
        _mail_staff_recused([review])
    return review


