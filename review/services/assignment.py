"""Assigning reviewers (one by one, in bulk, automatically), their due dates, and conflicts of
interest: declaring one withdraws the open reviews it covers and takes submitted ones out of the
ranking with a record (ReviewExclusion), which only review_exclusion_lift puts back."""

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from applications.models import Application
from labportal.models import Region, SelectionRound

from .. import selectors
from ..models import ConflictOfInterest, Review, ReviewExclusion
from .criteria import round_settings_ensure
from .errors import ConflictOfInterestError, ReviewError, ReviewLocked
from .mail import _mail_assignments, _mail_staff_recused
from .transitions import Actor, AppState, RoundState, State, _round_open_for_review, review_transition

logger = logging.getLogger(__name__)

# --- Assignments ------------------------------------------------------------------------------

@dataclass
class AssignmentResult:
    created: list[Review] = field(default_factory=list)
    refused: list[tuple[Application, object, str]] = field(default_factory=list)  # (application, reviewer, reason)
    shortfalls: list[tuple[Application, int]] = field(default_factory=list)  # (application, missing reviewers)

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
