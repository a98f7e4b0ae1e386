"""Every write of the transition app. A request's state changes through one door,
`requests_transition`, and its explicit table of allowed moves per actor; everything else here
(starting, submitting, deciding, the sweep's expiry) goes through it.

Services take keyword arguments and raise TransitionError (a Japanese sentence a page can show
as it is) when they refuse.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from labportal import state_machine
from labportal.models import Lab
from labportal.services import MailRequest, lab_create_dx_from_iot, lab_set_status, notify_many

from . import plan
from .models import TransitionClaim, TransitionEvent, TransitionPolicy, TransitionRequest
from .selectors import member_recipients_by_organisation, staff_recipients

logger = logging.getLogger(__name__)

State = TransitionRequest.State
Actor = state_machine.Actor  # the values TransitionEvent.Actor stores
Procedure = TransitionPolicy.Procedure


class TransitionError(Exception):
    """A refused action; str(error) is a Japanese sentence for the user."""


class TransitionNotAllowed(state_machine.TransitionNotAllowed, TransitionError):
    """labportal.state_machine's one refusal of a move, also a TransitionError for the pages."""


# --- The one door -------------------------------------------------------------------------------

# Who may move a request from which state to which (labportal.state_machine's shape). Anything
# else raises TransitionNotAllowed.
_SUCCEEDED = "同じ地域の地域DX推進ラボの選定で移行済とする"
ALLOWED_TRANSITIONS: dict[str, dict[str, dict[str, str]]] = {
    Actor.ORGANISATION: {
        State.NOT_STARTED: {State.DRAFT: "移行の計画を作成する", State.DECLINED: "移行しないと届け出る"},
        State.DRAFT: {State.SUBMITTED: "提出する", State.DECLINED: "移行しないと届け出る"},
        State.RETURNED: {State.SUBMITTED: "再提出する", State.DECLINED: "移行しないと届け出る"},
        State.DECLINED: {State.DRAFT: "作成を再開する"},  # the lab changed its mind within the period
    },
    Actor.STAFF: {
        # on the lab's word (by phone, by letter): it will not move
        State.NOT_STARTED: {State.DECLINED: "移行しない届出を受け付ける"},
        State.DRAFT: {State.DECLINED: "移行しない届出を受け付ける"},
        State.RETURNED: {State.DECLINED: "移行しない届出を受け付ける"},
        State.SUBMITTED: {State.UNDER_REVIEW: "再審査を始める", State.APPROVED: "移行を承認する",
                          State.RETURNED: "差し戻す", State.REJECTED: "不承認にする"},
        State.UNDER_REVIEW: {State.APPROVED: "移行を承認する", State.RETURNED: "差し戻す",
                             State.REJECTED: "不承認にする"},
    },
    Actor.SYSTEM: {
        # the end of the period, for labs that had submitted nothing; or the region selected as a
        # DX lab in an ordinary round (labportal.services.lab_create): the move is done
        State.NOT_STARTED: {State.EXPIRED: "移行期間の終了とする", State.APPROVED: _SUCCEEDED},
        State.DRAFT: {State.EXPIRED: "移行期間の終了とする", State.APPROVED: _SUCCEEDED},
        State.RETURNED: {State.EXPIRED: "移行期間の終了とする", State.APPROVED: _SUCCEEDED},
        State.SUBMITTED: {State.APPROVED: _SUCCEEDED},
        State.UNDER_REVIEW: {State.APPROVED: _SUCCEEDED},
        State.DECLINED: {State.APPROVED: _SUCCEEDED},
        State.EXPIRED: {State.APPROVED: _SUCCEEDED},
    },
}
REQUEST_MACHINE = state_machine.Machine(
    name="transition_request", label="移行申請", states=State, table=ALLOWED_TRANSITIONS,
    error=TransitionNotAllowed,
    notes="事務局の「移行を承認する」「再審査を始める」「不承認にする」（提出済から）は、提出時の手続き"
          "（`PROCEDURE_ONLY`）で絞られます。")

# The procedure a request was submitted under narrows the staff's moves: a plan change is
# accepted as it is; a re-selection is decided only after the review (再審査中).
PROCEDURE_ONLY: dict[tuple[str, str], str] = {
    (State.SUBMITTED, State.APPROVED): Procedure.PLAN_CHANGE,
    (State.SUBMITTED, State.UNDER_REVIEW): Procedure.RESELECTION,
    # 計画変更手続きの提出のみ has no review, so nothing to refuse (issue 16): staff receive it.
    (State.SUBMITTED, State.REJECTED): Procedure.RESELECTION,
}

# Besides the tables, _refusal checks the rest: the organisation moves only while the policy in
# force accepts requests; a return or a refusal says why.
DECISIONS = (State.APPROVED, State.REJECTED)
MESSAGE_REQUIRED = (State.RETURNED, State.REJECTED)


def is_allowed(*, actor: str, from_state: str, to_state: str, procedure: str = "") -> bool:
    if not REQUEST_MACHINE.allows(actor, from_state, to_state):
        return False
    required = PROCEDURE_ONLY.get((from_state, to_state))
    return required is None or procedure == required or actor == Actor.SYSTEM


def allowed_moves(transition_request: TransitionRequest, actor: str) -> list[str]:
    """The states `actor` may move `request` to now (for the buttons a page shows)."""
    return [to_state for to_state in REQUEST_MACHINE.moves(actor, transition_request.state)
            if is_allowed(actor=actor, from_state=transition_request.state, to_state=to_state,
                          procedure=transition_request.procedure)]


@dataclass
class Move:
    """What requests_transition did to one request (the request as it is now)."""

    transition_request: TransitionRequest
    from_state: str
    event: TransitionEvent


def requests_transition(*, request_ids: Iterable[int], to_state: str, actor: str, user=None,
                        message: str = "", now: datetime | None = None,
                        strict: bool = True) -> list[Move]:
    """Move each request to `to_state`: the one door for a request's state.

    Guarantees: the rows are locked (select_for_update) and re-read inside the caller's
    transaction (one is opened if there is none), so of two racing callers only one moves a
    request. A request already in `to_state` is left alone and yields no move: a double click,
    a resent form or a second sweep does nothing twice. A move not allowed for `actor` by
    ALLOWED_TRANSITIONS (and PROCEDURE_ONLY) raises TransitionNotAllowed before anything changes
    when `strict`; otherwise that request is skipped (the sweep: a lab that moved meanwhile).
    Every move is logged once, as a TransitionEvent; its effects (the plan's application, the
    register's lab, the mails) happen in the same transaction. A fixed number of queries for the
    bulk moves of the clock, however many requests.
    """
    now = now or timezone.now()
    ids = list(request_ids)
    if not ids:
        return []
    with transaction.atomic():
        locked = list(TransitionRequest.objects.select_for_update(of=("self",))
                      .select_related("lab__region__prefecture__bureau", "lab__selection_round",
                                      "lab__programme", "organisation", "application")
                      .filter(pk__in=ids).order_by("pk"))
        policy = TransitionPolicy.objects.in_force(now)
        moving = []
        for transition_request in locked:
            if transition_request.state == to_state:
                continue
            refusal = _refusal(transition_request, to_state=to_state, actor=actor, policy=policy, now=now,
                               message=message)
            if refusal:
                if strict:
                    raise TransitionNotAllowed(refusal)
                continue
            moving.append(transition_request)
        if not moving:
            return []
        moves = _apply(moving, to_state=to_state, actor=actor, user=user, message=message,
                       policy=policy, now=now)
    for move in moves:
        logger.info("移行申請 %s（%s）: %s → %s（%s）", move.transition_request.pk, move.transition_request.lab.name,
                    State(move.from_state).label, State(to_state).label, actor)
    return moves


def request_transition(*, transition_request: TransitionRequest, to_state: str, actor: str, user=None,
                       message: str = "", now: datetime | None = None) -> TransitionRequest:
    """requests_transition for one request, strict; returns the request as it is now."""
    moves = requests_transition(request_ids=[transition_request.pk], to_state=to_state, actor=actor, user=user,
                                message=message, now=now)
    if moves:
        return moves[0].transition_request
    transition_request.refresh_from_db()
    return transition_request


def _refusal(transition_request, *, to_state, actor, policy, now, message) -> str:
    from_label, to_label = State(transition_request.state).label, State(to_state).label
    if not is_allowed(actor=actor, from_state=transition_request.state, to_state=to_state,
                      procedure=transition_request.procedure):
        if (transition_request.state, to_state) in PROCEDURE_ONLY and REQUEST_MACHINE.allows(
                actor, transition_request.state, to_state):
            procedure = Procedure(transition_request.procedure).label if transition_request.procedure else "未設定"
            return (f"提出時の手続き（{procedure}）では、「{from_label}」から「{to_label}」へは変更できません。")
        return f"移行申請の状態を「{from_label}」から「{to_label}」へ変更することはできません。"
    if actor == Actor.ORGANISATION:
        if policy is None or not policy.accepts_requests(now):
            return "現在は移行期間ではないため、移行の手続きはできません。"
        if transition_request.organisation_id is None:
            return "このラボの申請主体が登録されていません。事務局にお問い合わせください。"
    if (transition_request.application_id and transition_request.application.state == plan.AppState.WITHDRAWN
            and to_state not in (State.DECLINED, State.EXPIRED)):
        # Only the applications app's own pages can withdraw a plan; the request cannot follow.
        return "変更計画書が申請のページで取り下げられています。事務局にお問い合わせください。"
    if to_state in MESSAGE_REQUIRED and not message.strip():
        return f"「{to_label}」にする理由（申請主体へのメッセージ）を入力してください。"
    if to_state == State.DRAFT and policy is not None and policy.plan_round_id is None:
        return "移行方針に計画変更を受け付ける公募回が設定されていません。事務局にお問い合わせください。"
    if to_state == State.SUBMITTED and not transition_request.changes_statement.strip():
        return "「IoTラボの計画からの変更点」を入力してから提出してください。"
    return ""


def _apply(moving, *, to_state, actor, user, message, policy, now) -> list[Move]:
    from_states = {transition_request.pk: transition_request.state for transition_request in moving}
    fields = {"state": to_state, "updated_at": now}
    if to_state == State.DRAFT:
        for transition_request in moving:
            if transition_request.started_at is None:
                transition_request.started_at = now
            if transition_request.application_id is None:
                transition_request.application = plan.plan_create(transition_request=transition_request,
                                                                   policy=policy, user=user)
            transition_request.state = to_state
            transition_request.save(update_fields=["state", "started_at", "application", "updated_at"])
    else:
        if to_state == State.SUBMITTED:
            fields.update(submitted_at=now, procedure=policy.procedure, policy=policy)
        if to_state in (*DECISIONS, State.EXPIRED):
            fields.update(decided_at=now, decided_by=user)
        if to_state in (*DECISIONS, State.RETURNED, State.DECLINED, State.EXPIRED):
            fields.update(decision_message=message)
        TransitionRequest.objects.filter(pk__in=[r.pk for r in moving]).update(**fields)
        for transition_request in moving:
            for name, value in fields.items():
                setattr(transition_request, name, value)
    events = TransitionEvent.objects.bulk_create(
        TransitionEvent(request=transition_request, from_state=from_states[transition_request.pk], to_state=to_state,
                        actor=actor, user=user, message=message, created_at=now)
        for transition_request in moving)
    _EFFECTS[to_state](moving, from_states=from_states, actor=actor, user=user, policy=policy, now=now)
    _mail(moving, to_state=to_state, from_states=from_states, events=events, policy=policy, now=now)
    return [Move(transition_request, from_states[transition_request.pk], event)
            for transition_request, event in zip(moving, events)]


# --- What each state brings with it -----------------------------------------------------------

def _effect_none(moving, **_):
    pass


def _effect_submitted(moving, *, actor, user, now, **_):
    for transition_request in moving:
        plan.plan_submitted(transition_request=transition_request, user=user, now=now)
    lab_set_status(labs=[r.lab for r in moving], status=Lab.Status.TRANSITIONING,
                   from_statuses=[Lab.Status.ACTIVE, Lab.Status.UNREGISTERED], actor=actor, user=user, reason="移行申請の提出")


def _effect_under_review(moving, *, user, **_):
    for transition_request in moving:
        plan.plan_under_review(transition_request=transition_request, user=user)
        plan.review_settings_ensure(transition_request=transition_request, by=user)


def _effect_returned(moving, *, user, **_):
    for transition_request in moving:
        plan.plan_returned(transition_request=transition_request, user=user,
                           message=transition_request.decision_message)


def _effect_approved(moving, *, user, policy, now, **_):
    for transition_request in moving:
        if Lab.objects.filter(predecessor_id=transition_request.lab_id).exists():
            # Selected as a DX lab in an ordinary round (labportal.services.lab_create linked it):
            # nothing of the plan to decide, nothing to create.
            continue
        reviewed = transition_request.procedure == Procedure.RESELECTION and transition_request.application_id
        if reviewed:
            plan.review_decision_record(transition_request=transition_request, selected=True, by=user,
                                        message=transition_request.decision_message)
        plan.plan_selected(transition_request=transition_request, user=user)
        round_ = (transition_request.application.selection_round if transition_request.application_id
                  else policy.plan_round)
        try:
            dx_lab = lab_create_dx_from_iot(iot_lab=transition_request.lab, selection_round=round_,
                                            implementing_body=plan.implementing_body(transition_request),
                                            selected_on=timezone.localdate(now), user=user)
        except ValueError as error:
            raise TransitionNotAllowed(str(error)) from error
        if reviewed:
            plan.review_decision_announce(transition_request=transition_request, lab=dx_lab, by=user, now=now)


def _effect_rejected(moving, *, actor, user, policy, now, **_):
    for transition_request in moving:
        # A plan refused after its re-review: the review app records the same decision. One
        # refused before any review (from 提出済) has nothing to record there.
        reviewed = (transition_request.procedure == Procedure.RESELECTION and transition_request.application_id
                    and transition_request.application.state == plan.AppState.UNDER_REVIEW)
        if reviewed:
            plan.review_decision_record(transition_request=transition_request, selected=False, by=user,
                                        message=transition_request.decision_message)
        plan.plan_not_selected(transition_request=transition_request, user=user)
        if reviewed:
            plan.review_decision_announce(transition_request=transition_request, lab=None, by=user, now=now)
    # Decided after the end of the period: the IoT lab takes the end state now; before it, the
    # IoT lab carries on as it was.
    if policy is not None and policy.has_ended(now):
        lab_set_status(labs=[r.lab for r in moving], status=policy.end_state,
                       from_statuses=[Lab.Status.ACTIVE, Lab.Status.UNREGISTERED, Lab.Status.TRANSITIONING], actor=actor, user=user,
                       reason="移行の不承認（移行期間の終了後）")
    else:
        lab_set_status(labs=[r.lab for r in moving], status=Lab.Status.ACTIVE,
                       from_statuses=[Lab.Status.TRANSITIONING], actor=actor, user=user, reason="移行の不承認")


def _effect_declined(moving, *, actor, user, **_):
    lab_set_status(labs=[r.lab for r in moving], status=Lab.Status.ACTIVE,
                   from_statuses=[Lab.Status.TRANSITIONING], actor=actor, user=user, reason="移行しない")


def _effect_expired(moving, *, actor, policy, **_):
    lab_set_status(labs=[r.lab for r in moving], status=policy.end_state,
                   from_statuses=[Lab.Status.ACTIVE, Lab.Status.UNREGISTERED, Lab.Status.TRANSITIONING], actor=actor,
                   reason="移行期間の終了")


_EFFECTS = {
    State.NOT_STARTED: _effect_none,
    State.DRAFT: _effect_none,
    State.SUBMITTED: _effect_submitted,
    State.UNDER_REVIEW: _effect_under_review,
    State.RETURNED: _effect_returned,
    State.APPROVED: _effect_approved,
    State.REJECTED: _effect_rejected,
    State.DECLINED: _effect_declined,
    State.EXPIRED: _effect_expired,
}


# --- Mail at each step --------------------------------------------------------------------------

# to_state: (event to the organisation, event to staff); None where nobody is mailed.
_MAIL_EVENTS = {
    State.DRAFT: (None, None),
    State.SUBMITTED: ("transition_submitted", "transition_submitted_staff"),
    State.UNDER_REVIEW: ("transition_under_review", None),
    State.RETURNED: ("transition_returned", None),
    State.APPROVED: ("transition_approved", None),
    State.REJECTED: ("transition_rejected", None),
    State.DECLINED: ("transition_declined", "transition_declined_staff"),
    State.EXPIRED: ("transition_expired", None),  # staff get one summary from the sweep
}


def request_context(transition_request: TransitionRequest, policy: TransitionPolicy | None) -> dict:
    """What every transition mail may say about a request (JSON values only)."""
    lab = transition_request.lab
    return {
        "programme_name": "地域DX推進ラボ",
        "request_id": transition_request.pk,
        "lab_name": lab.name,
        "lab_round": lab.selection_round.label,
        "lab_selected_on": lab.selected_on.isoformat() if lab.selected_on else "",
        "prefecture": lab.region.prefecture.name,
        "state": transition_request.get_state_display(),
        "message": transition_request.decision_message,
        "procedure": Procedure(transition_request.procedure).label if transition_request.procedure else (
            policy.get_procedure_display() if policy else ""),
        "period_ends_on": policy.period_ends_on.isoformat() if policy and policy.period_ends_on else "",
        "end_state": policy.get_end_state_display() if policy else "",
        "url": settings.SITE_URL + reverse("transition:request_detail", args=[transition_request.pk]),
        "staff_url": settings.SITE_URL + reverse("transition:staff_request", args=[transition_request.pk]),
    }


def _mail(moving, *, to_state, from_states, events, policy, now):
    org_event, staff_event = _MAIL_EVENTS.get(to_state, (None, None))
    if to_state == State.APPROVED and all(event.actor == Actor.SYSTEM for event in events):
        return  # ended by a DX selection in an ordinary round: that round's result mail says it
    if not (org_event or staff_event):
        return
    members = member_recipients_by_organisation({r.organisation_id for r in moving if r.organisation_id}) \
        if org_event else {}
    staff = staff_recipients() if staff_event else []
    mails = []
    for transition_request, event in zip(moving, events):
        context = {**request_context(transition_request, policy),
                   "previous_state": State(from_states[transition_request.pk]).label,
                   "moved_at": now.isoformat()}
        if to_state == State.APPROVED:
            successor = Lab.objects.filter(predecessor_id=transition_request.lab_id).only("pk").first()
            if successor:
                context["dx_lab_url"] = settings.SITE_URL + successor.get_absolute_url()
        # A request may pass the same state twice (差し戻し → 提出済 again): the key is the move's
        # own event, so each real move mails once and a retried call (no move) mails nothing.
        key = f"transition:{transition_request.pk}:{to_state}:event-{event.pk}"
        for recipient in members.get(transition_request.organisation_id, ()) if org_event else ():
            mails.append(MailRequest(event=org_event, to=recipient, dedup_key=key, context=context))
        for recipient in staff:
            mails.append(MailRequest(event=staff_event, to=recipient, dedup_key=key, context=context))
    notify_many(mails)


# --- What organisations do ----------------------------------------------------------------------

def request_start(*, transition_request: TransitionRequest, user, now: datetime | None = None) -> TransitionRequest:
    """未着手 (or 移行しない) → 作成中: the changed plan is created, pre-filled from the register."""
    return request_transition(transition_request=transition_request, to_state=State.DRAFT, actor=Actor.ORGANISATION,
                              user=user, now=now)


def request_save_statement(*, transition_request: TransitionRequest, text: str, expected_version: int, user,
                           now: datetime | None = None) -> TransitionRequest:
    """Save the statement of what changes from the IoT lab's plan, if nobody saved it meanwhile.

    Raises TransitionError when the request is not editable now or the version is stale (the
    text typed stays with the caller, who shows it again)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = TransitionRequest.objects.select_for_update().get(pk=transition_request.pk)
        reason = edit_block_reason(locked, now)
        if reason:
            raise TransitionError(reason)
        if locked.statement_version != expected_version:
            raise TransitionError(
                "この項目は、別の画面（タブ）または別の担当者が先に保存したため、今回の内容は保存していません。"
                "入力した内容はこの画面に残っています。最新の保存内容と見比べてから、もう一度保存してください。")
        locked.changes_statement = text
        locked.statement_version += 1
        locked.save(update_fields=["changes_statement", "statement_version", "updated_at"])
    return locked


def request_submit(*, transition_request: TransitionRequest, user, now: datetime | None = None) -> TransitionRequest:
    """作成中 / 差し戻し → 提出済, once (a double click submits once), while the period is open and
    the plan's checklist is complete. The plan is submitted as the applications app submits a DX
    application (受付番号, a kept version, the receipt mail)."""
    missing = plan.plan_missing_items(transition_request)
    if missing:
        raise TransitionError(f"変更計画書に未入力の必須項目が{len(missing)}件あります。チェックリストをご確認ください。")
    return request_transition(transition_request=transition_request, to_state=State.SUBMITTED, actor=Actor.ORGANISATION,
                              user=user, now=now)


def request_decline(*, transition_request: TransitionRequest, user, actor: str = Actor.ORGANISATION,
                    message: str = "", now: datetime | None = None) -> TransitionRequest:
    """The lab declares it will not move (移行しない); the organisation may reconsider in the period."""
    return request_transition(transition_request=transition_request, to_state=State.DECLINED, actor=actor, user=user,
                              message=message, now=now)


def edit_block_reason(transition_request: TransitionRequest, now: datetime | None = None) -> str:
    """Why the organisation cannot edit the plan now, in Japanese; "" when it can."""
    now = now or timezone.now()
    policy = TransitionPolicy.objects.in_force(now)
    if transition_request.state not in TransitionRequest.EDITABLE_STATES:
        if transition_request.state in TransitionRequest.PENDING_STATES:
            return "提出済みのため編集できません。修正が必要な場合は事務局にご連絡ください（差し戻しがあると再び編集できます）。"
        if transition_request.state == State.NOT_STARTED:
            return "移行の手続きを始めると、変更計画書を作成できます。"
        return f"移行申請が「{transition_request.get_state_display()}」のため、閲覧のみできます。"
    if policy is None or not policy.accepts_requests(now):
        return "移行期間ではないため、編集できません。"
    return ""


# --- What staff do ------------------------------------------------------------------------------

def request_decide(*, transition_request: TransitionRequest, to_state: str, by, message: str = "",
                   now: datetime | None = None) -> TransitionRequest:
    """Staff's move: 再審査中 / 移行承認 / 差し戻し / 不承認 (or 移行しない on the lab's word).

    Approval creates the DX lab in the register, linked to the IoT lab, and sets the IoT lab to
    DXラボへ移行済 in the same transaction; approving twice creates nothing twice."""
    return request_transition(transition_request=transition_request, to_state=to_state, actor=Actor.STAFF, user=by,
                              message=message, now=now)


ClaimState = TransitionClaim.State

# An organisation's claim to run a lab: staff confirm it (by linking the lab) or refuse it.
CLAIM_MACHINE = state_machine.Machine(name="transition_claim", label="ラボの申し出", states=ClaimState, table={
    Actor.STAFF: {ClaimState.PENDING: {ClaimState.CONFIRMED: "確認してラボに紐づける",
                                       ClaimState.REFUSED: "確認できないとする"}},
}, error=TransitionNotAllowed)


def request_link_organisation(*, transition_request: TransitionRequest, organisation, by) -> TransitionRequest:
    """Staff link the lab to the organisation that runs it; its members are told by mail."""
    with transaction.atomic():
        locked = TransitionRequest.objects.select_for_update(of=("self",)).select_related(
            "lab__region__prefecture", "lab__selection_round", "application").get(pk=transition_request.pk)
        if locked.organisation_id == organisation.pk:
            return locked
        if locked.application_id and locked.state not in (State.NOT_STARTED, State.DRAFT, State.DECLINED):
            raise TransitionError("提出後の移行申請の申請主体は変更できません。")
        locked.organisation = organisation
        locked.save(update_fields=["organisation", "updated_at"])
        if locked.application_id:
            plan.plan_set_organisation(transition_request=locked, organisation=organisation)
        claims = list(TransitionClaim.objects.select_for_update().filter(
            request=locked, organisation=organisation, state=ClaimState.PENDING).only("pk"))
        if claims:
            CLAIM_MACHINE.check(Actor.STAFF, ClaimState.PENDING, ClaimState.CONFIRMED)
            TransitionClaim.objects.filter(pk__in=[claim.pk for claim in claims]).update(
                state=ClaimState.CONFIRMED, decided_by=by, decided_at=timezone.now())
            state_machine.record(machine=CLAIM_MACHINE, targets=claims, from_states=ClaimState.PENDING,
                                 to_state=ClaimState.CONFIRMED, agent=state_machine.Agent.staff(by))
        policy = TransitionPolicy.objects.in_force()
        members = member_recipients_by_organisation({organisation.pk})
        notify_many(MailRequest(event="transition_linked", to=recipient,
                                dedup_key=f"transition:{locked.pk}:linked:{organisation.pk}",
                                context={**request_context(locked, policy),
                                         "organisation_name": organisation.name})
                    for recipient in members.get(organisation.pk, ()))
    return locked


def claim_create(*, transition_request: TransitionRequest, organisation, user, message: str = "") -> TransitionClaim:
    """An organisation says it runs the lab; staff are mailed to confirm. Once per organisation."""
    with transaction.atomic():
        claim, created = TransitionClaim.objects.get_or_create(
            request=transition_request, organisation=organisation,
            defaults={"claimed_by": user, "message": message})
        if created:
            policy = TransitionPolicy.objects.in_force()
            notify_many(MailRequest(
                event="transition_claim_received", to=recipient, dedup_key=f"transition-claim:{claim.pk}",
                context={**request_context(transition_request, policy), "organisation_name": organisation.name,
                         "claim_message": message, "claimed_by": user.display_name,
                         "admin_url": settings.SITE_URL + reverse(
                             "admin:transition_transitionclaim_change", args=[claim.pk])})
                for recipient in staff_recipients())
    return claim


def claim_decide(*, claim: TransitionClaim, confirm: bool, by) -> TransitionClaim:
    """Staff confirm a claim (the organisation becomes the lab's) or refuse it; it is mailed."""
    with transaction.atomic():
        claim = TransitionClaim.objects.select_for_update(of=("self",)).select_related(
            "request__lab__region__prefecture", "request__lab__selection_round", "organisation").get(pk=claim.pk)
        if claim.state != TransitionClaim.State.PENDING:
            return claim
        if confirm:
            request_link_organisation(transition_request=claim.request, organisation=claim.organisation, by=by)
            claim.refresh_from_db()
            return claim
        claim.decided_by = by
        claim.decided_at = timezone.now()
        state_machine.move(machine=CLAIM_MACHINE, target=claim, to_state=ClaimState.REFUSED,
                           agent=state_machine.Agent.staff(by), also_save=["decided_by", "decided_at"])
        members = member_recipients_by_organisation({claim.organisation_id})
        notify_many(MailRequest(event="transition_claim_refused", to=recipient,
                                dedup_key=f"transition-claim:{claim.pk}:refused",
                                context={**request_context(claim.request, TransitionPolicy.objects.in_force()),
                                         "organisation_name": claim.organisation.name})
                    for recipient in members.get(claim.organisation_id, ()))
    return claim


def reminder_send_now(*, request_ids: Iterable[int], by, now: datetime | None = None) -> int:
    """The dashboard's one-click reminder to labs at risk: through the outbox, never twice the
    same day (Asia/Tokyo) for the same lab, however often clicked. Returns how many labs it
    reached now (0 for labs already reminded today or without a registered organisation)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    policy = TransitionPolicy.objects.in_force(now)
    requests = list(TransitionRequest.objects.select_related(
        "lab__region__prefecture", "lab__selection_round", "organisation")
        .filter(pk__in=list(request_ids), state__in=TransitionRequest.OPEN_STATES,
                organisation__isnull=False))
    members = member_recipients_by_organisation({r.organisation_id for r in requests})
    created = notify_many(
        MailRequest(event="transition_reminder", to=recipient,
                    dedup_key=f"transition:{transition_request.pk}:manual-reminder:{today.isoformat()}",
                    context={**request_context(transition_request, policy), **reminder_context(policy, now),
                             "manual": True})
        for transition_request in requests for recipient in members.get(transition_request.organisation_id, ()))
    reached = {mail.context.get("request_id") for mail in created}
    logger.info("移行のリマインドを %s 件のラボに送りました（%s）", len(reached), getattr(by, "pk", None))
    return len(reached)


def reminder_context(policy: TransitionPolicy | None, now: datetime) -> dict:
    if policy is None or policy.period_ends_on is None:
        return {"days_left": None}
    return {"days_left": (policy.period_ends_on - timezone.localdate(now)).days,
            "period_ends_on": policy.period_ends_on.isoformat()}


# --- The policy -----------------------------------------------------------------------------------

class PolicyLocked(TransitionError):
    pass


POLICY_LOCKED = ("この移行方針は既に適用が始まっているか、移行申請が提出時の方針として参照しているため、"
                 "変更も削除もできません。変える場合は「新しい版を作成」で、変更後の方針を新しい版として"
                 "登録してください（この版はそのまま記録に残ります）。")


def policy_version_errors(policy: TransitionPolicy, now: datetime | None = None) -> dict[str, str]:
    """What a new version of the policy must have, by field: the reason for the change and a
    start that is not in the past (a version never changes what was in force before it was made;
    an hour's grace covers the time the form was open). The first policy needs neither."""
    now = now or timezone.now()
    if policy.pk is not None or not TransitionPolicy.objects.exists():
        return {}
    errors = {}
    if not (policy.change_reason or "").strip():
        errors["change_reason"] = "変更の理由を入力してください（新しい版の記録として残ります）。"
    if policy.effective_from and policy.effective_from < now - timedelta(hours=1):
        errors["effective_from"] = ("新しい版の適用開始日時は現在以降にしてください"
                                    "（過去にさかのぼって方針を変えることはできません）。")
    return errors


def policy_delete(*, policy: TransitionPolicy, by) -> None:
    """Delete a policy made by mistake: only one that has not taken effect and that no request
    was filed under."""
    with transaction.atomic():
        policy = TransitionPolicy.objects.select_for_update().get(pk=policy.pk)
        if policy.is_locked():
            raise PolicyLocked(POLICY_LOCKED)
        policy._history_user = by
        policy.delete()


def policy_save(*, policy: TransitionPolicy, by=None) -> TransitionPolicy:
    """Save a policy (staff, in the admin); its history records who changed what.

    A policy that has taken effect (in force or superseded) or that a request was filed under is
    never rewritten (PolicyLocked): a change is a new row, a new version, with who made it, why
    (`change_reason`), from when (`effective_from`) and the version it replaces (`supersedes`:
    the one in force, else the latest). Only a version not yet in effect and unused may be edited.

    A policy with a transition period and no round for the plans gets one: a DX round of its
    own, created 審査中 without dates, so it never takes ordinary applications and the clock's
    round handlers leave it alone."""
    with transaction.atomic():
        if policy.pk is not None:
            current = TransitionPolicy.objects.select_for_update().get(pk=policy.pk)
            if current.is_locked():
                raise PolicyLocked(POLICY_LOCKED)
        else:
            policy.created_by = by
            if policy.supersedes_id is None:
                policy.supersedes = (TransitionPolicy.objects.in_force()
                                     or TransitionPolicy.objects.order_by("-effective_from", "-pk").first())
        if policy.has_transition_period and policy.plan_round_id is None:
            policy.plan_round = plan_round_ensure()
        policy._history_user = by
        policy.full_clean()
        policy.save()
    logger.info("移行方針「%s」（id=%s）を保存しました（適用開始 %s）", policy.name, policy.pk, policy.effective_from)
    return policy


def plan_round_ensure():
    """The DX round that holds transition plans: the one the policy in force names, else a new one."""
    from labportal.models import Programme, SelectionRound

    current = TransitionPolicy.objects.in_force()
    if current is not None and current.plan_round_id:
        return current.plan_round
    dx = Programme.objects.get(code="dx")
    number = (SelectionRound.objects.filter(programme=dx).order_by("-number")
              .values_list("number", flat=True).first() or 0) + 1
    return SelectionRound.objects.create(
        programme=dx, number=number, state=SelectionRound.State.REVIEWING,
        notes="地方版IoT推進ラボからの移行（計画変更）のための公募回です。変更計画書の受付と再選定のための審査に使い、"
              "一般の公募は受け付けません。")
