"""Every write of the review app. A review's state changes only in `review_transition`, by its
table of allowed moves per actor; decisions become visible only through `round_announce`.

Services take keyword arguments, check what they must, and raise a ReviewError subclass whose
str() is a Japanese sentence the admin can show as it is (ScoresInvalid also says which field).
Mail goes through the portal's outbox (labportal.services.notify) with a dedup key, so a
retried request never mails twice.
"""

import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from labportal import state_machine
from labportal.models import Lab, Region, SelectionRound

from .. import selectors
from ..models import (
    ConflictOfInterest,
    CriteriaSet,
    Criterion,
    Decision,
    Hearing,
    Review,
    ReviewExclusion,
    RoundReviewSettings,
    RoundReviewSettingsVersion,
    Score,
)
from ..models.criteria import SETTINGS_VERSION_FIELDS

logger = logging.getLogger(__name__)

State = Review.State
AppState = Application.State
RoundState = SelectionRound.State


class ReviewError(Exception):
    """A refused action; str(error) is a Japanese sentence for the user."""


class TransitionNotAllowed(state_machine.TransitionNotAllowed, ReviewError):
    """labportal.state_machine's one refusal of a move, also a ReviewError for the admin pages."""


class ReviewLocked(ReviewError):
    pass


class CriteriaFrozen(ReviewError):
    pass


class ConflictOfInterestError(ReviewError):
    pass


class ScoresInvalid(ReviewError):
    """The scores or comments of a save were refused: `errors` maps a form field name
    (score_<criterion id>, comment_<criterion id>, recommendation, __all__) to messages."""

    def __init__(self, errors: Mapping[str, list[str]]):
        self.errors = dict(errors)
        super().__init__(" ".join(message for messages in self.errors.values() for message in messages))


Actor = state_machine.Actor  # REVIEWER: the assigned reviewer; STAFF: 事務局; SYSTEM: the clock


# --- The one door for a review's state -------------------------------------------------------

# Who may move a review from which state to which (labportal.state_machine's shape).
REVIEW_TRANSITIONS = {
    Actor.REVIEWER: {
        State.NOT_STARTED: {State.DRAFT: "下書きを保存する", State.SUBMITTED: "提出する", State.RECUSED: "辞退する"},
        State.DRAFT: {State.SUBMITTED: "提出する", State.RECUSED: "辞退する"},
    },
    Actor.STAFF: {
        State.NOT_STARTED: {State.RECUSED: "辞退にする"},
        State.DRAFT: {State.RECUSED: "辞退にする"},
        State.SUBMITTED: {State.DRAFT: "再提出を依頼する"},
    },
}
REVIEW_MACHINE = state_machine.Machine(name="review", label="審査", states=State, table=REVIEW_TRANSITIONS,
                                       error=TransitionNotAllowed)


def review_transition(*, review: Review, to_state: str, actor: str, by=None, reason: str = "",
                      now: datetime | None = None) -> Review:
    """Move `review` to `to_state` if REVIEW_MACHINE allows it for `actor`, stamp the time
    the state implies, save it (history records who and when) and log the move once.

    The caller holds the row locked inside a transaction. Raises TransitionNotAllowed for any
    move not in the table, before anything changes."""
    from_state = review.state
    REVIEW_MACHINE.check(actor, from_state, to_state)
    now = now or timezone.now()
    review.state = to_state
    if to_state == State.SUBMITTED:
        review.submitted_at = now
    elif to_state == State.DRAFT:
        review.submitted_at = None
    elif to_state == State.RECUSED:
        review.recused_at = now
        review.recusal_reason = reason
    review._history_user = by
    review._change_reason = reason[:100] if reason else f"{State(from_state).label} → {State(to_state).label}"
    review.save()
    logger.info("review %s: %s -> %s by %s %s", review.pk, from_state, to_state, actor, getattr(by, "pk", None))
    return review


# --- Criteria sets and round settings --------------------------------------------------------

def criteria_set_ensure_editable(criteria_set_id: int) -> None:
    frozen_at = CriteriaSet.objects.filter(pk=criteria_set_id).values_list("frozen_at", flat=True).first()
    if frozen_at is not None:
        raise CriteriaFrozen(
            "この基準セットは採点が始まったため確定しています。審査の視点を変更するには、"
            "「新しい版として複製」で新しい版を作成してください。")


def criterion_save(*, criterion: Criterion, by) -> Criterion:
    """Create or change a criterion; refused once its set is frozen (the first score saved)."""
    criteria_set_ensure_editable(criterion.criteria_set_id)
    if criterion.pk:
        current = Criterion.objects.filter(pk=criterion.pk).values_list("criteria_set_id", flat=True).first()
        if current is not None and current != criterion.criteria_set_id:
            criteria_set_ensure_editable(current)
    criterion.full_clean()
    criterion._history_user = by
    criterion.save()
    return criterion


def criterion_delete(*, criterion: Criterion, by) -> None:
    criteria_set_ensure_editable(criterion.criteria_set_id)
    criterion._history_user = by
    criterion.delete()


def criteria_set_save(*, criteria_set: CriteriaSet, by) -> CriteriaSet:
    """Name, notes and publication may change at any time; the programme only before freezing."""
    if criteria_set.pk:
        current = CriteriaSet.objects.get(pk=criteria_set.pk)
        if current.frozen_at and current.programme_id != criteria_set.programme_id:
            raise CriteriaFrozen("確定した基準セットの制度は変更できません。")
    criteria_set._history_user = by
    criteria_set.save()
    return criteria_set


def criteria_set_copy(*, criteria_set: CriteriaSet, by, name: str = "") -> CriteriaSet:
    """A new, unfrozen version of `criteria_set` with the same criteria (the next version number)."""
    with transaction.atomic():
        latest = (CriteriaSet.objects.select_for_update().filter(programme_id=criteria_set.programme_id)
                  .order_by("-version").first())
        copy = CriteriaSet(name=name or criteria_set.name, programme_id=criteria_set.programme_id,
                           version=latest.version + 1, notes=f"第{criteria_set.version}版を複製して作成。")
        copy._history_user = by
        copy.save()
        for criterion in criteria_set.criteria.order_by("order"):
            Criterion.objects.create(
                criteria_set=copy, order=criterion.order, name=criterion.name,
                description=criterion.description, points=list(criterion.points), weight=criterion.weight,
                scale_min=criterion.scale_min, scale_max=criterion.scale_max,
                scale_labels=dict(criterion.scale_labels or {}), is_bonus=criterion.is_bonus)
    return copy


def round_settings_ensure(*, selection_round: SelectionRound, by=None) -> RoundReviewSettings:
    """The round's review settings, created with the programme's current criteria set if none."""
    existing = selectors.round_settings(selection_round)
    if existing:
        return existing
    criteria_set = selectors.default_criteria_set(selection_round.programme)
    if criteria_set is None:
        raise ReviewError(f"{selection_round.programme}の基準セットがありません。先に基準セットを作成してください。")
    round_settings = RoundReviewSettings(selection_round=selection_round, criteria_set=criteria_set)
    round_settings._history_user = by
    with transaction.atomic():
        round_settings.save()
        _settings_version(round_settings, by=by, reason="作成（制度の基準セットで自動作成）")
    return round_settings


def round_settings_save(*, round_settings: RoundReviewSettings, by, reason: str = "") -> RoundReviewSettings:
    """Create a round's settings (version 1), or change them as a new version (`reason`
    required): each version is kept as it was made (RoundReviewSettingsVersion: the values, who,
    when, why and from when) and never changed or deleted; the settings row holds the latest
    version's values, which apply from the moment the version is made. The criteria set cannot
    change once the first score is saved, nor the round ever."""
    if round_settings.pk:
        current = RoundReviewSettings.objects.get(pk=round_settings.pk)
        if current.scoring_started_at and current.criteria_set_id != round_settings.criteria_set_id:
            raise CriteriaFrozen("この公募回は採点が始まっているため、基準セットを変更できません。")
        if current.selection_round_id != round_settings.selection_round_id:
            raise ReviewError("審査設定の公募回は変更できません。")
        if not reason.strip():
            raise ReviewError("審査設定を変更する理由を入力してください（新しい版の記録に残ります）。")
    try:
        round_settings.full_clean(validate_unique=not round_settings.pk)
    except ValidationError as error:
        raise ReviewError(" ".join(error.messages)) from error
    with transaction.atomic():
        if round_settings.pk:
            RoundReviewSettings.objects.select_for_update().get(pk=round_settings.pk)
            if not round_settings.versions.exists():
                # Settings made before versions were kept: their values until now are version 1.
                _settings_version(current, by=None, reason="版の記録を始める前の設定", at=current_time_of(current))
        round_settings._history_user = by
        round_settings._change_reason = (reason.strip() or "作成")[:100]
        round_settings.save()
        _settings_version(round_settings, by=by, reason=reason.strip() or "作成")
    return round_settings


def current_time_of(round_settings: RoundReviewSettings) -> datetime:
    """When settings without versions took their values: their last history row, else now."""
    last = round_settings.history.order_by("-history_date").values_list("history_date", flat=True).first()
    return last or timezone.now()


def _settings_version(round_settings: RoundReviewSettings, *, by, reason: str,
                      at: datetime | None = None) -> RoundReviewSettingsVersion:
    number = (round_settings.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    return RoundReviewSettingsVersion.objects.create(
        round_settings=round_settings, number=number, effective_from=at or timezone.now(), reason=reason,
        created_by=by, **{name: getattr(round_settings, name) for name in SETTINGS_VERSION_FIELDS})


# --- Assignments ------------------------------------------------------------------------------

@dataclass
class AssignmentResult:
    created: list[Review] = field(default_factory=list)
    refused: list[tuple[Application, object, str]] = field(default_factory=list)  # (application, reviewer, reason)
    shortfalls: list[tuple[Application, int]] = field(default_factory=list)  # (application, missing reviewers)


def _round_open_for_review(selection_round: SelectionRound) -> None:
    if selection_round.state == RoundState.ANNOUNCED:
        raise ReviewLocked(f"{selection_round}は公表済みのため、審査を変更できません。")


def reviews_assign(*, selection_round: SelectionRound, pairs: Iterable[tuple[Application, object]], by,
                   due_at: datetime | None = None) -> AssignmentResult:
    """Assign each (application, reviewer) pair of one round, in bulk: the staff's one-by-one,
    bulk and automatic assignment all end here.

    Guarantees: a pair is refused, with its reason, when the reviewer is not an active reviewer,
    the application is not in review, the reviewer is already on it, or they conflict (a
    declared region or organisation, or an earlier withdrawal). Submitted applications move to
    審査中. Each reviewer gets one mail listing their new assignments. A fixed number of queries
    besides one INSERT per created review (its history row)."""
    _round_open_for_review(selection_round)
    pairs = list(pairs)
    round_settings = round_settings_ensure(selection_round=selection_round, by=by)
    due_at = due_at or round_settings.review_due_at
    result = AssignmentResult()
    if not pairs:
        return result
    if due_at is None:
        raise ReviewError("審査期限を指定してください（公募回の審査設定で既定の審査期限を設定できます）。")
    reviewer_ids = {reviewer.pk for _, reviewer in pairs}
    application_ids = {application.pk for application, _ in pairs}
    active_reviewers = set(selectors.reviewers().filter(pk__in=reviewer_ids).values_list("pk", flat=True))
    existing = set(Review.objects.filter(application_id__in=application_ids, reviewer_id__in=reviewer_ids)
                   .exclude(state=State.RECUSED).values_list("application_id", "reviewer_id"))
    conflicts = selectors.conflicts_between(reviewer_ids, application_ids)
    current = {pk: (state, round_id) for pk, state, round_id in Application.objects.filter(
        pk__in=application_ids).values_list("pk", "state", "selection_round_id")}
    seen = set()
    with transaction.atomic():
        for application, reviewer in pairs:
            key = (application.pk, reviewer.pk)
            state, round_id = current[application.pk]
            reason = None
            if round_id != selection_round.pk:
                reason = "この公募回の申請ではありません。"
            elif state not in selectors.REVIEWABLE_STATES:
                reason = f"審査の対象ではない申請です（状態: {AppState(state).label}）。"
            elif reviewer.pk not in active_reviewers:
                reason = f"{reviewer}は審査員として登録されていません。"
            elif key in existing or key in seen:
                reason = f"{reviewer}は既にこの申請に割り当てられています。"
            elif (reviewer.pk, application.pk) in conflicts:
                reason = f"{reviewer}はこの申請を審査できません（{conflicts[(reviewer.pk, application.pk)]}）。"
            if reason:
                result.refused.append((application, reviewer, reason))
                continue
            seen.add(key)
            application.state = state
            review = Review(application=application, reviewer=reviewer, due_at=due_at, assigned_by=by)
            review._history_user = by
            review._change_reason = "割当"
            review.save()
            result.created.append(review)
        if result.created:
            _start_review([r.application for r in result.created], by)
            _mail_assignments(result.created)
    return result


def review_assign(*, application: Application, reviewer, by, due_at: datetime | None = None) -> Review:
    """Assign one reviewer to one application; raises ConflictOfInterestError or ReviewError
    with the reason when refused (see reviews_assign)."""
    result = reviews_assign(selection_round=application.selection_round, pairs=[(application, reviewer)],
                            by=by, due_at=due_at)
    if result.refused:
        reason = result.refused[0][2]
        raise (ConflictOfInterestError if "利害関係" in reason else ReviewError)(reason)
    return result.created[0]


def reviews_auto_assign(*, selection_round: SelectionRound, by, reviewer_pool=None,
                        per_application: int | None = None, due_at: datetime | None = None) -> AssignmentResult:
    """Give every application in review of the round N active reviewers (N: the round's setting
    unless given), choosing from `reviewer_pool` (default: every active reviewer).

    Guarantees: never a conflicted reviewer; reviewers already on an application are kept and
    counted; loads stay balanced — every pick goes to the least-loaded eligible reviewer, the
    most constrained applications first, and a repair pass moves new picks from the most to the
    least loaded reviewer while that is allowed — so max − min load ≤ 1 whenever conflicts do
    not make it impossible. Applications left short (not enough reviewers without a conflict)
    are reported in `shortfalls`."""
    _round_open_for_review(selection_round)
    round_settings = round_settings_ensure(selection_round=selection_round, by=by)
    wanted = per_application or round_settings.reviewers_per_application
    pool = list(reviewer_pool if reviewer_pool is not None else selectors.reviewers())
    pool_ids = {r.pk for r in pool}
    pool = [r for r in selectors.reviewers().filter(pk__in=pool_ids)]
    by_id = {r.pk: r for r in pool}
    applications = list(selectors.reviewable_applications(selection_round))
    application_ids = [a.pk for a in applications]
    on_application = defaultdict(set)
    for application_id, reviewer_id in Review.objects.filter(
            application_id__in=application_ids, state__in=Review.ACTIVE_STATES).values_list(
            "application_id", "reviewer_id"):
        on_application[application_id].add(reviewer_id)
    conflicts = selectors.conflicts_between(by_id, application_ids)
    loads = selectors.reviewer_loads(selection_round, by_id)

    def eligible(application_id):
        return [pk for pk in by_id if (pk, application_id) not in conflicts
                and pk not in on_application[application_id]]

    needs = {a.pk: max(0, wanted - len(on_application[a.pk])) for a in applications}
    picks: list[tuple[int, int]] = []
    shortfalls = []
    order = sorted((a for a in applications if needs[a.pk]),
                   key=lambda a: (len(eligible(a.pk)), a.receipt_seq or 0, a.pk))
    for application in order:
        for _ in range(needs[application.pk]):
            candidates = eligible(application.pk)
            if not candidates:
                break
            chosen = min(candidates, key=lambda pk: (loads[pk], pk))
            picks.append((application.pk, chosen))
            on_application[application.pk].add(chosen)
            loads[chosen] += 1
        missing = wanted - len(on_application[application.pk])
        if missing > 0:
            shortfalls.append((application, missing))
    _rebalance(picks, loads, on_application, conflicts)
    applications_by_id = {a.pk: a for a in applications}
    result = reviews_assign(selection_round=selection_round, by=by, due_at=due_at,
                            pairs=[(applications_by_id[a], by_id[r]) for a, r in picks])
    result.shortfalls = shortfalls
    return result


def _rebalance(picks, loads, on_application, conflicts) -> None:
    """Move new picks from the most loaded reviewers to the least loaded while allowed."""
    for _ in range(len(picks) * max(1, len(loads))):
        if not loads or max(loads.values()) - min(loads.values()) <= 1:
            return
        moved = False
        low_first = sorted(loads, key=lambda pk: (loads[pk], pk))
        for index, (application_id, heavy) in enumerate(picks):
            if loads[heavy] != max(loads.values()):
                continue
            for light in low_first:
                if loads[light] + 1 >= loads[heavy]:
                    break
                if (light, application_id) in conflicts or light in on_application[application_id]:
                    continue
                picks[index] = (application_id, light)
                on_application[application_id].discard(heavy)
                on_application[application_id].add(light)
                loads[heavy] -= 1
                loads[light] += 1
                moved = True
                break
            if moved:
                break
        if not moved:
            return


def _start_review(applications: list[Application], by) -> None:
    """Submitted applications become 審査中 when their first reviewer is assigned."""
    from applications.services import applications_transition_bulk

    submitted = {a.pk: a for a in applications if a.state == AppState.SUBMITTED}
    if submitted:
        applications_transition_bulk(applications=list(submitted.values()), to_state=AppState.UNDER_REVIEW,
                                     actor="staff", user=by, message="審査員を割り当てました")


def review_unassign(*, review: Review, by) -> None:
    """Staff take back an assignment nobody has started; a started one can only be withdrawn."""
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review.pk)
        if review.state != State.NOT_STARTED or review.scores.exists():
            raise ReviewLocked("採点が始まっている審査は割当を取り消せません。利害関係による辞退として扱ってください。")
        review._history_user = by
        review.delete()


def reviews_set_due(*, reviews: Iterable[Review], due_at: datetime, by) -> int:
    """A new due date for open reviews (reminders start again for the new date)."""
    count = 0
    with transaction.atomic():
        for review in Review.objects.select_for_update().filter(
                pk__in=[r.pk for r in reviews], state__in=Review.OPEN_STATES):
            review.due_at = due_at
            review._history_user = by
            review._change_reason = "審査期限の変更"
            review.save()
            count += 1
    return count


# --- Conflicts of interest --------------------------------------------------------------------

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


def conflict_declare(*, reviewer, by, region: Region | None = None, organisation=None,
                     reason: str = "") -> tuple[ConflictOfInterest, list[Review]]:
    """Record that `reviewer` must not review `region` (a prefecture covers its regions) or
    `organisation`. Their open reviews that now conflict are withdrawn (辞退) and flagged for
    reassignment; their submitted ones in rounds not yet announced are taken out of the ranking
    with a record (ReviewExclusion: who, when, why), their scores kept. Returns (conflict,
    withdrawn)."""
    if (region is None) == (organisation is None):
        raise ReviewError("地域か申請主体のどちらか一方を指定してください。")
    with transaction.atomic():
        conflict, _ = ConflictOfInterest.objects.get_or_create(
            reviewer=reviewer, region=region, organisation=organisation,
            defaults={"reason": reason, "declared_by": by})
        open_reviews = list(Review.objects.select_for_update(of=("self",)).filter(reviewer=reviewer, state__in=Review.OPEN_STATES)
                            .select_related("application__selection_round__programme", "application__basic",
                                            "reviewer"))
        hits = selectors.conflicts_between([reviewer.pk], [r.application_id for r in open_reviews])
        withdrawn = []
        actor = Actor.REVIEWER if by is not None and by.pk == reviewer.pk else Actor.STAFF
        for review in open_reviews:
            why = hits.get((reviewer.pk, review.application_id))
            if why and review.application.selection_round.state != RoundState.ANNOUNCED:
                withdrawn.append(review_transition(review=review, to_state=State.RECUSED, actor=actor, by=by,
                                                   reason=f"利害関係の申告（{why}）"))
        _exclude_scored_reviews(conflict=conflict, reviewer=reviewer, by=by)
        _mail_staff_recused(withdrawn)
    return conflict, withdrawn


def _exclude_scored_reviews(*, conflict: ConflictOfInterest, reviewer, by) -> list[ReviewExclusion]:
    """The reviewer's submitted reviews that `conflict` now covers, in rounds not yet announced,
    leave the ranking with a record; an announced round's decisions were taken on its scores and
    stay as they are."""
    submitted = list(Review.objects.filter(reviewer=reviewer, state=State.SUBMITTED)
                     .exclude(application__selection_round__state=RoundState.ANNOUNCED)
                     .exclude(pk__in=ReviewExclusion.objects.filter(lifted_at__isnull=True).values("review_id")))
    hits = selectors.conflicts_between([reviewer.pk], [r.application_id for r in submitted])
    excluded = []
    for review in submitted:
        why = hits.get((reviewer.pk, review.application_id))
        if why:
            excluded.append(ReviewExclusion.objects.create(
                review=review, conflict=conflict, excluded_by=by,
                reason=f"採点後に申告された利害関係（{why}）"))
    if excluded:
        logger.info("reviews %s excluded from the ranking for conflict %s by %s",
                    [e.review_id for e in excluded], conflict.pk, getattr(by, "pk", None))
    return excluded


def review_exclusion_lift(*, exclusion: ReviewExclusion, by, reason: str) -> ReviewExclusion:
    """Put an excluded review back into the ranking (e.g. the conflict was declared by mistake),
    with who, when and why on the same record; refused after the round's announcement."""
    if not reason.strip():
        raise ReviewError("集計に戻す理由を入力してください。")
    with transaction.atomic():
        exclusion = ReviewExclusion.objects.select_for_update(of=("self",)).select_related(
            "review__application__selection_round").get(pk=exclusion.pk)
        if exclusion.lifted_at is not None:
            raise ReviewError("この審査は既に集計に戻しています。")
        _round_open_for_review(exclusion.review.application.selection_round)
        exclusion.lifted_at, exclusion.lifted_by, exclusion.lift_reason = timezone.now(), by, reason.strip()
        exclusion.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    return exclusion


def conflict_delete(*, conflict: ConflictOfInterest, by) -> None:
    """Delete a conflict declared by mistake. Refused once it took scores out of a ranking: the
    record stays, and the scores come back only by review_exclusion_lift, with a reason."""
    with transaction.atomic():
        if conflict.exclusions.exists():
            raise ReviewError("この利害関係により集計から除外した審査があるため削除できません。"
                              "評点を集計に戻す場合は「集計から除外した審査」で理由を記録して戻してください。")
        conflict._history_user = by
        conflict.delete()


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


# --- Hearings ---------------------------------------------------------------------------------

HEARING_MAILED_FIELDS = ("scheduled_at", "duration_minutes", "format", "place", "message")


def hearing_schedule(*, application: Application, scheduled_at: datetime, place: str, by,
                     format: str = Hearing.Format.ONLINE, duration_minutes: int = 60, message: str = "",
                     notes: str = "") -> Hearing:
    """Schedule a hearing (ヒアリング) with the applicant before the decision; its members are mailed."""
    if application.state not in selectors.REVIEWABLE_STATES:
        raise ReviewError("審査中の申請だけにヒアリングを設定できます。")
    if not place.strip():
        raise ReviewError("場所またはオンライン会議のURLを入力してください。")
    with transaction.atomic():
        hearing = Hearing(application=application, scheduled_at=scheduled_at, place=place.strip(), format=format,
                          duration_minutes=duration_minutes, message=message, notes=notes, created_by=by)
        hearing._history_user = by
        hearing.save()
        _mail_hearing(hearing, "review_hearing_scheduled")
    return hearing


def hearing_update(*, hearing: Hearing, by, **changes) -> Hearing:
    """Change a hearing; if the date, format, place or message changed the applicant is mailed
    the new details (notes alone mail nobody)."""
    with transaction.atomic():
        hearing = Hearing.objects.select_for_update().get(pk=hearing.pk)
        if hearing.is_cancelled:
            raise ReviewError("中止したヒアリングは変更できません。")
        mailed = any(name in HEARING_MAILED_FIELDS and getattr(hearing, name) != value
                     for name, value in changes.items())
        for name, value in changes.items():
            setattr(hearing, name, value)
        if mailed:
            hearing.revision += 1
        hearing._history_user = by
        hearing.save()
        if mailed:
            _mail_hearing(hearing, "review_hearing_changed")
    return hearing


def hearing_cancel(*, hearing: Hearing, by) -> Hearing:
    with transaction.atomic():
        hearing = Hearing.objects.select_for_update().get(pk=hearing.pk)
        if hearing.is_cancelled:
            return hearing
        hearing.cancelled_at = timezone.now()
        hearing._history_user = by
        hearing.save()
        _mail_hearing(hearing, "review_hearing_cancelled")
    return hearing


# --- Decisions and the announcement ------------------------------------------------------------

def decision_record(*, application: Application, outcome: str, reason: str, by,
                    message_to_applicant: str = "") -> Decision:
    """Record (or change) the pending decision 選定 / 不選定 of an application in review.

    Guarantees: nothing reaches the applicant — the application's state, its pages and mail
    stay as they are until `round_announce`; an announced decision is never changed."""
    if outcome not in Decision.Outcome.values:
        raise ReviewError("決定は「選定」か「不選定」を選んでください。")
    if not reason.strip():
        raise ReviewError("決定の理由を入力してください。")
    with transaction.atomic():
        application = Application.objects.select_for_update(of=("self",)).select_related("selection_round").get(
            pk=application.pk)
        refusal = decision_refusal(application)
        if refusal:
            raise ReviewLocked(refusal)
        decision = Decision.objects.filter(application=application).first()
        decision = decision or Decision(application=application)
        decision.outcome, decision.reason = outcome, reason.strip()
        decision.message_to_applicant = message_to_applicant.strip()
        decision.decided_by, decision.decided_at = by, timezone.now()
        decision._history_user = by
        decision.save()
    return decision


def decision_refusal(application: Application) -> str | None:
    """Why no decision can be recorded (or changed) for `application` now, or None."""
    if application.selection_round.state == RoundState.ANNOUNCED:
        return f"{application.selection_round}は公表済みのため、決定を変更できません。"
    if application.state == AppState.RETURNED:
        return "差し戻し中の申請には決定を記録できません。再提出を待ってください。"
    if application.state not in selectors.REVIEWABLE_STATES:
        return f"この申請には決定を記録できません（状態: {application.get_state_display()}）。"
    if Decision.objects.filter(application=application, announced_at__isnull=False).exists():
        return "公表済みの決定は変更できません。"
    return None


def decisions_record(*, applications: Iterable[Application], outcome: str, reason: str, by,
                     message_to_applicant: str = "") -> list[Decision]:
    """`decision_record` for several applications at once (all or none)."""
    with transaction.atomic():
        return [decision_record(application=application, outcome=outcome, reason=reason, by=by,
                                message_to_applicant=message_to_applicant) for application in applications]


def decision_cancel(*, decision: Decision, by) -> None:
    """Remove a pending decision (the application goes back to undecided)."""
    with transaction.atomic():
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        if decision.is_announced:
            raise ReviewLocked("公表済みの決定は取り消せません。")
        decision._history_user = by
        decision.delete()


def decision_mark_announced(*, application: Application, by, lab: Lab | None = None,
                            now: datetime | None = None) -> Decision | None:
    """Announce one application's pending decision on its own, for rounds that are never
    announced as a whole (the transition's plan round decides plans one by one): stamps it
    announced, links the lab its caller registered, records who did it in the history. The
    caller moves the application and mails the applicant. Idempotent: an announced decision is
    returned unchanged; None when there is no decision."""
    with transaction.atomic():
        decision = Decision.objects.select_for_update().filter(application=application).first()
        if decision is None or decision.is_announced:
            return decision
        decision.announced_at = now or timezone.now()
        if lab is not None:
            decision.lab = lab
        decision._history_user = by
        decision._change_reason = "公表（個別）"
        decision.save()
    return decision


@dataclass
class AnnouncementResult:
    selection_round: SelectionRound
    announced: list[Decision] = field(default_factory=list)
    labs: list[Lab] = field(default_factory=list)
    already_announced: bool = False


def primary_region(application: Application) -> Region | None:
    """The region a selected application's lab is registered under: its only region; among
    several, a collaboration (地域連携) if one is listed, else the single prefecture listed,
    else the first by prefecture code and name. 基本情報's regions first, then the organisation's."""
    regions = list(application.basic.regions.select_related("prefecture")) if hasattr(application, "basic") else []
    regions = regions or list(application.organisation.regions.select_related("prefecture"))
    if len(regions) <= 1:
        return regions[0] if regions else None
    for kind in (Region.Kind.COLLABORATION, Region.Kind.PREFECTURE):
        of_kind = [r for r in regions if r.kind == kind]
        if len(of_kind) == 1:
            return of_kind[0]
    return sorted(regions, key=lambda r: (r.prefecture.code, r.name))[0]


def _lab_for(application: Application, selection_round: SelectionRound, announced_on: date) -> Lab:
    basic = getattr(application, "basic", None)
    return Lab(programme=selection_round.programme, selection_round=selection_round,
               region=primary_region(application),
               name=(basic.lab_name if basic else "") or application.organisation.name,
               selected_on=announced_on,
               implementing_body=(basic.implementing_body if basic else "") or application.organisation.name)


def round_announce(*, selection_round: SelectionRound, by, announced_on: date | None = None,
                   create_labs: bool = True, now: datetime | None = None) -> AnnouncementResult:
    """公表: apply every pending decision of the round at once.

    Guarantees, all in one transaction: refused (nothing changes) while an application in review
    has no decision, or is 差し戻し, or a lab to register lacks a region or clashes with an
    existing one. Then each application becomes 選定 / 不選定 (through applications.services);
    each selected one becomes a lab of the round's programme in the register (unless
    `create_labs` is False, e.g. for a re-review whose caller links the lab itself); each
    decision is stamped announced; the round records its announcement date and moves to 公表済;
    each applicant organisation's members get one result mail (outbox, dedup key per decision).
    Idempotent: on an announced round it does nothing and says so."""
    from applications.services import applications_transition_bulk
    from labportal.services import lab_create, selection_round_set_state

    now = now or timezone.now()
    announced_on = announced_on or timezone.localdate(now)
    with transaction.atomic():
        selection_round = SelectionRound.objects.select_for_update(of=("self",)).select_related("programme").get(
            pk=selection_round.pk)
        pending = list(Decision.objects.select_for_update(of=("self",)).filter(
            application__selection_round=selection_round, announced_at__isnull=True)
            .select_related("application__organisation", "application__basic",
                            "application__selection_round__programme").order_by("application__receipt_seq", "pk"))
        result = AnnouncementResult(selection_round)
        if selection_round.state == RoundState.ANNOUNCED and not pending:
            result.already_announced = True
            return result
        if selection_round.state == RoundState.OPEN:
            raise ReviewError(
                f"{selection_round}はまだ公募中のため公表できません。公表するには先に公募を締め切ってください："
                "管理画面の「公募回」でこの公募回を選び、操作「選択した公募回を今すぐ締め切る」を実行します"
                "（締切日時になれば自動で締め切られます）。「審査中」になった後、決定を記録してから公表してください。")
        if selection_round.state != RoundState.REVIEWING:
            raise ReviewError(f"公表できるのは「審査中」の公募回だけです（現在: {selection_round.get_state_display()}）。")
        if Application.objects.filter(selection_round=selection_round, transition_request__isnull=False).exists():
            # The round of transition plans: each plan is decided and announced on its own, with
            # its lab's lineage, on the transition pages (transition.plan.review_decision_announce).
            raise ReviewError("この公募回は地方版IoT推進ラボからの移行（計画変更）のためのものです。"
                              "決定と公表は「移行状況」の画面で1件ずつ行ってください。")
        undecided = list(selectors.reviewable_applications(selection_round).filter(decision__isnull=True))
        if undecided:
            raise ReviewError("決定が記録されていない申請があります: "
                              + "、".join(str(a) for a in undecided[:20]) + ("ほか" if len(undecided) > 20 else ""))
        returned = [d.application for d in pending if d.application.state == AppState.RETURNED]
        if returned:
            raise ReviewError("差し戻し中の申請があります: " + "、".join(str(a) for a in returned))
        selected = [d for d in pending if d.outcome == Decision.Outcome.SELECTED]
        labs = {}
        if create_labs:
            labs = {d.pk: _lab_for(d.application, selection_round, announced_on) for d in selected}
            _check_labs(labs, pending)
        submitted = [d.application for d in pending if d.application.state == AppState.SUBMITTED]
        if submitted:
            applications_transition_bulk(applications=submitted, to_state=AppState.UNDER_REVIEW, actor="staff",
                                         user=by, message="公表")
        for outcome, to_state in ((Decision.Outcome.SELECTED, AppState.SELECTED),
                                  (Decision.Outcome.NOT_SELECTED, AppState.NOT_SELECTED)):
            group = [d.application for d in pending if d.outcome == outcome]
            if group:
                applications_transition_bulk(applications=group, to_state=to_state, actor="staff", user=by,
                                             message=f"{selection_round.label}の公表")
        for decision in pending:
            lab = labs.get(decision.pk)
            if lab is not None:
                # The register's one door: a DX lab of a region with an IoT lab records it as its
                # predecessor and ends its transition, in this transaction (issue 16).
                lab = lab_create(programme=lab.programme, region=lab.region, selection_round=lab.selection_round,
                                 name=lab.name, implementing_body=lab.implementing_body,
                                 selected_on=lab.selected_on, user=by, reason=f"{selection_round.label}の公表")
                decision.lab = lab
                result.labs.append(lab)
            decision.announced_at = now
            decision._history_user = by
            decision._change_reason = "公表"
            decision.save()
            result.announced.append(decision)
        selection_round.announced_on = announced_on
        selection_round.save(update_fields=["announced_on"])
        selection_round_set_state(selection_round=selection_round, state=RoundState.ANNOUNCED, actor="staff",
                                  user=by)
        _mail_decisions(pending)
    logger.info("round %s announced: %s decisions, %s labs", selection_round.pk, len(result.announced),
                len(result.labs))
    return result


def _check_labs(labs: dict[int, Lab], pending: list[Decision]) -> None:
    problems = []
    names = defaultdict(list)
    by_pk = {d.pk: d for d in pending}
    for pk, lab in labs.items():
        application = by_pk[pk].application
        if lab.region is None:
            problems.append(f"{application}: 対象地域が登録されていません")
            continue
        names[(lab.region_id, lab.name)].append(application)
    taken = set(Lab.objects.filter(programme=next(iter(labs.values())).programme,
                                   region_id__in=[region for region, _ in names])
                .values_list("region_id", "name")) if names else set()
    for (region_id, name), applications in names.items():
        if len(applications) > 1 or (region_id, name) in taken:
            problems.append(f"{'、'.join(map(str, applications))}: 同じ地域に同じ名称のラボ「{name}」があります")
    if problems:
        raise ReviewError("ラボを登録できない申請があります。基本情報のラボの名称・対象地域を確認してください。"
                          + " / ".join(problems))


# --- Closing a round early ---------------------------------------------------------------------

@dataclass
class EarlyClosing:
    selection_round: SelectionRound
    closed: bool
    drafts: int = 0
    mailed: int = 0


def round_draft_holders(selection_round: SelectionRound) -> tuple[int, list]:
    """(drafts, members to mail): the round's applications still 作成中 and the active members
    of their organisations, one each (what closing early will tell them). Three queries."""
    from applications.deadlines import draft_holders_by_round

    drafts = Application.objects.filter(selection_round=selection_round, state=AppState.DRAFT).count()
    if not drafts:
        return 0, []
    return drafts, list(draft_holders_by_round([selection_round]).get(selection_round.pk, []))


def round_close_early(*, selection_round: SelectionRound, by, now: datetime | None = None) -> EarlyClosing:
    """事務局 close an open round before its closing date (公募中 → 審査中), after confirming.

    Guarantees: through the round's one door (labportal.services.selection_round_set_state);
    a round that is not 公募中 is left alone (closed=False). The members of every organisation
    that still has a draft (作成中) in the round are mailed once (outbox, dedup key per round
    and person) that it can no longer be submitted. The planned closing date is kept as it was."""
    from labportal.services import MailRequest, Recipient, notify_many, selection_round_set_state

    now = now or timezone.now()
    with transaction.atomic():
        selection_round = SelectionRound.objects.select_for_update().select_related("programme").get(
            pk=selection_round.pk)
        if selection_round.state != RoundState.OPEN:
            return EarlyClosing(selection_round, closed=False)
        selection_round_set_state(selection_round=selection_round, state=RoundState.REVIEWING, actor="staff")
        logger.info("round %s closed early by %s", selection_round.pk, getattr(by, "pk", None))
        drafts, members = round_draft_holders(selection_round)
        context = {"round_name": str(selection_round), "round_label": selection_round.label,
                   "programme_name": selection_round.programme.name, "closed_at": now,
                   "closes_at": selection_round.closes_at, "url": _absolute(reverse("applications:dashboard"))}
        notify_many(MailRequest(event="round_closed_early", to=Recipient.of(member), context=context,
                                dedup_key=f"round:{selection_round.pk}:closed_early:{member.pk}")
                    for member in members)
    return EarlyClosing(selection_round, closed=True, drafts=drafts, mailed=len(members))


# --- Mail -------------------------------------------------------------------------------------

def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def review_mail_context(review: Review) -> dict:
    """What every reviewer's mail about `review` says: round, receipt number, lab, due date, link."""
    application = review.application
    basic = getattr(application, "basic", None)
    return {
        "programme_name": application.selection_round.programme.name,
        "round_name": str(application.selection_round),
        "receipt_number": application.receipt_number or "",
        "lab_name": (basic.lab_name if basic else "") or "（名称未入力）",
        "due_at": review.due_at,
        "url": _absolute(reverse("admin:review_assignedreview_change", args=[review.pk])),
    }


def _batch_key(ids: Iterable[int]) -> str:
    return hashlib.sha256(",".join(str(pk) for pk in sorted(ids)).encode()).hexdigest()[:24]


def _mail_assignments(reviews: list[Review]) -> None:
    from labportal.services import MailRequest, Recipient, notify_many

    by_reviewer = defaultdict(list)
    for review in reviews:
        by_reviewer[review.reviewer].append(review)
    requests = []
    for reviewer, assigned in by_reviewer.items():
        first = assigned[0].application.selection_round
        requests.append(MailRequest(
            event="review_assigned", to=Recipient.of(reviewer),
            dedup_key=f"review:assigned:{_batch_key(r.pk for r in assigned)}",
            context={"programme_name": first.programme.name, "round_name": str(first),
                     "count": len(assigned), "due_at": min(r.due_at for r in assigned),
                     "reviews": [review_mail_context(r) for r in assigned],
                     "url": _absolute(reverse("admin:review_assignedreview_changelist"))}))
    notify_many(requests)


def _mail_staff_recused(reviews: list[Review]) -> None:
    if not reviews:
        return
    from labportal.deadlines import staff_recipients
    from labportal.services import MailRequest, notify_many

    notify_many(
        MailRequest(event="review_recused", to=recipient, dedup_key=f"review:{review.pk}:recused",
                    context={**review_mail_context(review), "reviewer_name": review.reviewer.display_name,
                             "reason": review.recusal_reason,
                             "url": _absolute(reverse("admin:review_review_changelist")
                                              + f"?application__id__exact={review.application_id}")})
        for review in reviews for recipient in staff_recipients())


def _applicant_context(application: Application) -> dict:
    from applications.mail import application_context

    return {**application_context(application), "programme_name": application.selection_round.programme.name}


def _mail_hearing(hearing: Hearing, event: str) -> None:
    from applications.selectors import members_to_notify
    from labportal.services import notify

    application = Application.objects.select_related("organisation", "basic", "selection_round__programme").get(
        pk=hearing.application_id)
    notify(event=event, to=list(members_to_notify(application.organisation)),
           dedup_key=f"hearing:{hearing.pk}:{event}:{hearing.revision}",
           context={**_applicant_context(application), "scheduled_at": hearing.scheduled_at,
                    "duration_minutes": hearing.duration_minutes, "format": hearing.get_format_display(),
                    "place": hearing.place, "message": hearing.message})


def _mail_decisions(decisions: list[Decision]) -> None:
    from applications.selectors import members_to_notify
    from labportal.services import MailRequest, Recipient, notify_many

    requests = []
    for decision in decisions:
        application = decision.application
        event = ("review_decision_selected" if decision.outcome == Decision.Outcome.SELECTED
                 else "review_decision_not_selected")
        context = {**_applicant_context(application), "message": decision.message_to_applicant,
                   "announced_at": decision.announced_at}
        if decision.lab_id:
            context["lab_url"] = _absolute(decision.lab.get_absolute_url())
        for member in members_to_notify(application.organisation):
            requests.append(MailRequest(event=event, to=Recipient.of(member),
                                        dedup_key=f"decision:{decision.pk}:announced", context=context))
    notify_many(requests)
