"""The changed plan (計画変更) of a transition request: an Application of the applications app.

This module is the one place where the transition app touches the applications app, so that
the integration stays small and named. A plan is an ordinary Application with the same
sections as a DX application, in the DX round the policy names (`plan_round`), belonging to the
lab's organisation. Its state follows the request's:

    request   作成中 / 差し戻し → 提出済 → 再審査中 → 移行承認 / 不承認
    plan      作成中 / 差し戻し → 提出済 → 審査中   → 選定     / 不選定

and moves only through applications.services.application_transition, the applications app's
own door. The round of a plan never accepts ordinary applications (it is never 公募中), so the
applications app's own pages show a plan read-only; the organisation edits it on the
transition pages, which follow the transition period instead of a round's dates.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from applications.checklist import missing_items
from applications.models import (
    SECTION_MODELS,
    Application,
    ApplicationEvent,
    ApplicationVersion,
    Attachment,
)
from applications.selectors import application_with_section, application_with_sections, sections_for_display
from applications.services import (  # noqa: F401 - StaleSection, AttachmentRefused: for the views
    AttachmentRefused,
    StaleSection,
    application_snapshot,
    application_transition,
    attachment_check,
    attachment_store,
    section_write,
)

AppState = Application.State
AppActor = ApplicationEvent.Actor


def plan_create(*, transition_request, policy, user) -> Application:
    """A draft plan with its empty sections, pre-filled from what the portal knows of the lab:
    its name, its region, its implementing body, and the organisation's contact details."""
    lab = transition_request.lab
    organisation = transition_request.organisation
    application = Application.objects.create(organisation=organisation, selection_round=policy.plan_round,
                                             created_by=user, is_transition_plan=True)
    for model in SECTION_MODELS:
        model.objects.create(application=application, updated_by=user)
    basic = application.basic
    basic.lab_name = f"{lab.name}地域DX推進ラボ"
    basic.implementing_body = lab.implementing_body or organisation.name
    if user is not None:
        basic.contact_name = user.display_name if user.display_name != user.email else ""
        basic.contact_email = user.email
    basic.contact_department = organisation.department
    basic.contact_phone = organisation.phone
    basic.save()
    basic.regions.set([lab.region])
    return application


def plan_with_sections(transition_request, *, section=None) -> Application | None:
    """The request's plan with every section and table (application_with_sections); with
    `section` (a section key), with that section only (application_with_section): what saving
    it needs. None when the request has no plan yet."""
    if transition_request.application_id is None:
        return None
    queryset = application_with_section(section) if section else application_with_sections()
    return queryset.get(pk=transition_request.application_id)


def plan_missing_items(transition_request) -> list:
    """What the plan still lacks before submission (the applications app's checklist)."""
    application = plan_with_sections(transition_request)
    return missing_items(application) if application is not None else []


def implementing_body(transition_request) -> str:
    """The DX lab's implementing body: as the plan names it, else as the register knew it."""
    if transition_request.application_id:
        basic = getattr(transition_request.application, "basic", None)
        if basic is not None and basic.implementing_body:
            return basic.implementing_body
    return transition_request.lab.implementing_body


def _locked(transition_request) -> Application:
    return Application.objects.select_for_update().get(pk=transition_request.application_id)


def plan_submitted(*, transition_request, user, now: datetime) -> Application:
    """The plan is submitted: a receipt number on first submission, a kept version each time."""
    application = _locked(transition_request)
    resubmission = application.state == AppState.RETURNED
    if not application.receipt_number:
        application.receipt_number = f"DXT-{transition_request.lab_id:04d}"
        application.first_submitted_at = now
    application.submitted_at = now
    application.save(update_fields=["receipt_number", "first_submitted_at", "submitted_at", "updated_at"])
    application_transition(application=application, to_state=AppState.SUBMITTED, actor=AppActor.APPLICANT,
                           user=user, message="移行の再提出" if resubmission else "移行の提出")
    full = application_with_sections().get(pk=application.pk)
    number = (application.versions.aggregate(m=Max("number"))["m"] or 0) + 1
    snapshot = application_snapshot(full)
    snapshot["changes_statement"] = transition_request.changes_statement
    ApplicationVersion.objects.create(application=application, number=number, data=snapshot,
                                      submitted_at=now, submitted_by=user)
    return application


def plan_under_review(*, transition_request, user) -> None:
    application = _locked(transition_request)
    if application.state == AppState.SUBMITTED:
        application_transition(application=application, to_state=AppState.UNDER_REVIEW,
                               actor=AppActor.STAFF, user=user, message="移行の再選定のための審査")


def plan_returned(*, transition_request, user, message: str) -> None:
    application = _locked(transition_request)
    if application.state in (AppState.SUBMITTED, AppState.UNDER_REVIEW):
        application_transition(application=application, to_state=AppState.RETURNED, actor=AppActor.STAFF,
                               user=user, message=message)


def plan_selected(*, transition_request, user) -> None:
    """Approval: the plan is 選定 (through 審査中 for a plan change that had no review)."""
    if transition_request.application_id is None:
        return
    application = _locked(transition_request)
    if application.state == AppState.SUBMITTED:
        application_transition(application=application, to_state=AppState.UNDER_REVIEW,
                               actor=AppActor.STAFF, user=user, message="移行の確認")
    if application.state == AppState.UNDER_REVIEW:
        application_transition(application=application, to_state=AppState.SELECTED, actor=AppActor.STAFF,
                               user=user, message="移行承認")


def plan_not_selected(*, transition_request, user) -> None:
    if transition_request.application_id is None:
        return
    application = _locked(transition_request)
    if application.state == AppState.SUBMITTED:
        application_transition(application=application, to_state=AppState.UNDER_REVIEW,
                               actor=AppActor.STAFF, user=user, message="移行の確認")
    if application.state == AppState.UNDER_REVIEW:
        application_transition(application=application, to_state=AppState.NOT_SELECTED,
                               actor=AppActor.STAFF, user=user, message="不承認")


def plan_set_organisation(*, transition_request, organisation) -> None:
    """A draft plan follows its lab to the organisation staff linked it to."""
    Application.objects.filter(pk=transition_request.application_id, state=AppState.DRAFT).update(
        organisation=organisation, updated_at=timezone.now())


# --- Editing the plan (the applications app's forms, the transition's editing window) -----------

def _editable_locked(transition_request, now):
    """The request and its plan, locked, if the organisation may edit now; else TransitionError."""
    from .models import TransitionRequest
    from .services import TransitionError, edit_block_reason

    locked = TransitionRequest.objects.select_for_update().get(pk=transition_request.pk)
    reason = edit_block_reason(locked, now)
    if reason:
        raise TransitionError(reason)
    return locked, Application.objects.select_for_update().get(pk=locked.application_id)


def plan_section_save(*, transition_request, section_key: str, form, formsets=(), expected_version: int, user,
                      now: datetime | None = None):
    """Save one section of the plan (its form and inline formsets, already valid) as the
    applications app saves a DX application's section — with the same conflict rule: refused
    with StaleSection when someone saved it since the form was opened — but within the
    transition period instead of the round's dates."""
    now = now or timezone.now()
    with transaction.atomic():
        _request, application = _editable_locked(transition_request, now)
        return section_write(application=application, section_key=section_key, form=form, formsets=formsets,
                             expected_version=expected_version, user=user, now=now)


def section_view(application: Application, key: str):
    """The saved answers of one section, labelled, for the conflict panel (`application` read
    with every section after the refused save)."""
    return next((view for view in sections_for_display(application) if view.key == key), None)


def plan_attachment_add(*, transition_request, uploaded, kind: str, user, now: datetime | None = None) -> Attachment:
    """Attach a file to the plan after the applications app's checks (size, type by content)."""
    detected = attachment_check(uploaded)
    with transaction.atomic():
        _request, application = _editable_locked(transition_request, now or timezone.now())
        return attachment_store(application=application, uploaded=uploaded, detected=detected, kind=kind,
                                user=user)


def plan_attachment_delete(*, transition_request, attachment: Attachment, now: datetime | None = None) -> None:
    with transaction.atomic():
        _request, application = _editable_locked(transition_request, now or timezone.now())
        if attachment.application_id != application.pk:
            raise Attachment.DoesNotExist
        name, storage = attachment.file.name, attachment.file.storage
        attachment.delete()
        transaction.on_commit(lambda: storage.delete(name))


# --- The re-review (再選定のための審査) with the review app's scoring ------------------------------

def review_summary(transition_request) -> dict | None:
    """For staff: the plan's row of its round's ranking (scores per criterion, totals, reviews
    assigned and submitted) and its recorded decision; None when it has no review settings."""
    if transition_request.application_id is None:
        return None
    from review.selectors import round_ranking, round_settings

    selection_round = transition_request.application.selection_round
    if round_settings(selection_round) is None:
        return {"settings": None, "row": None, "criteria": [], "round": selection_round}
    ranking = round_ranking(selection_round)
    row = next((r for r in ranking.rows if r.application.pk == transition_request.application_id), None)
    return {"settings": ranking.settings, "row": row, "criteria": ranking.criteria, "round": selection_round}


def review_settings_ensure(*, transition_request, by=None) -> None:
    """A plan sent to re-review: its round gets the review settings (the DX criteria set) so
    that staff can assign reviewers in the admin at once."""
    from review.services import ReviewError, round_settings_ensure

    from .services import TransitionError

    try:
        round_settings_ensure(selection_round=transition_request.application.selection_round, by=by)
    except ReviewError as error:
        raise TransitionError(str(error)) from error


def review_decision_record(*, transition_request, selected: bool, by, message: str):
    """The re-review's decision for the plan, recorded with the review app (選定 / 不選定).

    Refused when no reviewer has submitted a review yet, or when staff already recorded the
    opposite decision in the review admin: an approval must follow the review."""
    from review.models import Decision, Review
    from review.services import ReviewError, decision_record

    from .services import TransitionNotAllowed

    application = transition_request.application
    if not Review.objects.filter(application=application, state=Review.State.SUBMITTED).exists():
        raise TransitionNotAllowed("再選定のための審査で、提出された審査がまだありません。"
                                   "審査員の審査が提出されてから決定してください。")
    outcome = Decision.Outcome.SELECTED if selected else Decision.Outcome.NOT_SELECTED
    existing = Decision.objects.filter(application=application).first()
    if existing is not None and existing.outcome != outcome:
        raise TransitionNotAllowed(
            f"審査の管理画面で記録された決定（{existing.get_outcome_display()}）と異なります。"
            "決定を見直してから、もう一度操作してください。")
    try:
        return decision_record(application=application, outcome=outcome, by=by,
                               reason=message.strip() or ("移行承認" if selected else "移行不承認"),
                               message_to_applicant=message)
    except ReviewError as error:
        raise TransitionNotAllowed(str(error)) from error


def review_decision_announce(*, transition_request, lab, by, now: datetime) -> None:
    """The plan's decision is made known with the transition's own decision (the plan round is
    never announced as a whole: plans arrive and are decided one by one over the period),
    through the review app's own door, so the history records who announced it."""
    from review.services import decision_mark_announced

    decision_mark_announced(application=transition_request.application, by=by, lab=lab, now=now)
