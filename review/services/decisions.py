"""Hearings, decisions, the announcement (公表) that applies a round's decisions at once and
registers its labs, and closing a round early."""

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from labportal.models import Lab, Region, SelectionRound

from .. import selectors
from ..models import Decision, Hearing
from .errors import ReviewError, ReviewLocked
from .mail import _absolute, _mail_decisions, _mail_hearing
from .transitions import AppState, RoundState

logger = logging.getLogger(__name__)

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
    from labportal.services import selection_round_set_state

    now = now or timezone.now()
    announced_on = announced_on or timezone.localdate(now)
    with transaction.atomic():
        selection_round, pending = _lock_round_and_pending(selection_round)
        result = AnnouncementResult(selection_round)
        if selection_round.state == RoundState.ANNOUNCED and not pending:
            result.already_announced = True
            return result
        _ensure_round_announceable(selection_round)
        _ensure_every_application_decided(selection_round, pending)
        labs = _labs_to_register(selection_round, pending, announced_on) if create_labs else {}
        _apply_outcomes(selection_round, pending, by)
        _announce_decisions(selection_round, pending, labs, by=by, now=now, result=result)
        selection_round.announced_on = announced_on
        selection_round.save(update_fields=["announced_on"])
        selection_round_set_state(selection_round=selection_round, state=RoundState.ANNOUNCED, actor="staff",
                                  user=by)
        _mail_decisions(pending)
    logger.info("round %s announced: %s decisions, %s labs", selection_round.pk, len(result.announced),
                len(result.labs))
    return result


def _lock_round_and_pending(selection_round: SelectionRound) -> tuple[SelectionRound, list[Decision]]:
    """The round and its decisions not yet announced, locked, in receipt order."""
    selection_round = SelectionRound.objects.select_for_update(of=("self",)).select_related("programme").get(
        pk=selection_round.pk)
    pending = list(Decision.objects.select_for_update(of=("self",)).filter(
        application__selection_round=selection_round, announced_at__isnull=True)
        .select_related("application__organisation", "application__basic",
                        "application__selection_round__programme").order_by("application__receipt_seq", "pk"))
    return selection_round, pending


def _ensure_round_announceable(selection_round: SelectionRound) -> None:
    """Refuse a round that is still open, not under review, or the round of transition plans."""
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


def _ensure_every_application_decided(selection_round: SelectionRound, pending: list[Decision]) -> None:
    """Refuse while an application in review has no decision, or one decided is 差し戻し."""
    undecided = list(selectors.reviewable_applications(selection_round).filter(decision__isnull=True))
    if undecided:
        raise ReviewError("決定が記録されていない申請があります: "
                          + "、".join(str(a) for a in undecided[:20]) + ("ほか" if len(undecided) > 20 else ""))
    returned = [d.application for d in pending if d.application.state == AppState.RETURNED]
    if returned:
        raise ReviewError("差し戻し中の申請があります: " + "、".join(str(a) for a in returned))


def _labs_to_register(selection_round: SelectionRound, pending: list[Decision], announced_on: date) -> dict[int, Lab]:
    """The (unsaved) lab of each selected decision, by the decision's pk, checked to be registrable."""
    labs = {d.pk: _lab_for(d.application, selection_round, announced_on)
            for d in pending if d.outcome == Decision.Outcome.SELECTED}
    _check_labs(labs, pending)
    return labs


def _apply_outcomes(selection_round: SelectionRound, pending: list[Decision], by) -> None:
    """Each decided application becomes 選定 / 不選定 (a submitted one passes 審査中 first)."""
    from applications.services import applications_transition_bulk

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


def _announce_decisions(selection_round: SelectionRound, pending: list[Decision], labs: dict[int, Lab], *, by,
                        now: datetime, result: AnnouncementResult) -> None:
    """Register each decision's lab (if any) and stamp the decision announced, in receipt order."""
    from labportal.services import lab_create

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
