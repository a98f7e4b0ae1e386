"""Every write of the applications app. State changes of an application go through one door,
`application_transition`, and its table of allowed moves per actor; the other services build on it.

Services take keyword arguments, check what they must (the round's deadline in Asia/Tokyo, the
version of a section, the checklist), and raise an ApplicationError subclass with a Japanese
message the page can show as it is.
"""

import logging
import unicodedata
from dataclasses import dataclass
from datetime import datetime

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from labportal import state_machine
from labportal.models import SelectionRound

from . import mail
from .file_content import content_problem
from .checklist import missing_items
from .models import (
    SECTION_MODELS,
    SECTIONS_BY_KEY,
    Application,
    ApplicationEvent,
    ApplicationVersion,
    Attachment,
    Invitation,
    Membership,
    Organisation,
    RevisionRequest,
)
from .selectors import application_in_progress, application_with_sections, members_to_notify, sections_for_display

logger = logging.getLogger(__name__)

State = Application.State
Actor = state_machine.Actor  # the values ApplicationEvent.Actor stores


class ApplicationError(Exception):
    """A refused action; str(error) is a Japanese sentence for the user."""


class TransitionNotAllowed(state_machine.TransitionNotAllowed, ApplicationError):
    """labportal.state_machine's one refusal of a move, also an ApplicationError for the pages."""


class ApplicationLocked(ApplicationError):
    """The application cannot be edited now (closed round, submitted, decided…)."""


class StaleSection(ApplicationError):
    """Another tab or person saved the section since this form was opened."""

    def __init__(self, current):
        self.current = current
        super().__init__(
            "この項目は、別の画面（タブ）または別の担当者が先に保存したため、今回の内容は保存していません。"
            "入力した内容はこの画面に残っています。下の「最新の保存内容」と見比べて必要な修正をしてから、"
            "もう一度「保存する」を押してください。")


class IncompleteApplication(ApplicationError):
    def __init__(self, missing):
        self.missing = missing
        super().__init__(f"未入力の必須項目が{len(missing)}件あります。チェックリストをご確認ください。")


class AttachmentRefused(ApplicationError):
    pass


class ApplicationExists(ApplicationError):
    """The organisation already has an application in progress in this round: `existing`."""

    def __init__(self, existing):
        self.existing = existing
        super().__init__(f"{existing.selection_round}の申請書は既に作成されています（1つの団体が1つの公募回に"
                         "提出できる申請書は1つです）。作成済みの申請書を開きました。")


# --- The one door ---------------------------------------------------------------------------

# Who may move an application from which state to which (labportal.state_machine's shape).
ALLOWED_TRANSITIONS = {
    Actor.APPLICANT: {
        State.DRAFT: {State.SUBMITTED: "提出する", State.WITHDRAWN: "取り下げる"},
        State.SUBMITTED: {State.WITHDRAWN: "取り下げる"},
        State.UNDER_REVIEW: {State.WITHDRAWN: "取り下げる"},
        State.RETURNED: {State.SUBMITTED: "再提出する", State.WITHDRAWN: "取り下げる"},
    },
    Actor.STAFF: {
        State.SUBMITTED: {State.UNDER_REVIEW: "審査を始める", State.RETURNED: "差し戻す"},
        State.UNDER_REVIEW: {State.RETURNED: "差し戻す", State.SELECTED: "選定を公表する",
                             State.NOT_SELECTED: "不選定を公表する"},
    },
    Actor.SYSTEM: {
        State.SUBMITTED: {State.UNDER_REVIEW: "審査を始める（締切後）"},
    },
}
APPLICATION_MACHINE = state_machine.Machine(name="application", label="申請", states=State,
                                            table=ALLOWED_TRANSITIONS, error=TransitionNotAllowed)


def application_transition(*, application: Application, to_state: str, actor: str, user=None,
                           message: str = "", also_save: tuple[str, ...] = ()) -> ApplicationEvent:
    """Move `application` to `to_state` if the table allows it for `actor`, and log it once.

    The caller holds the row locked (select_for_update) inside a transaction. Raises
    TransitionNotAllowed for any move not in APPLICATION_MACHINE for `actor`. `also_save`: fields the
    caller changed with the move, written in the same UPDATE.
    """
    from_state = application.state
    APPLICATION_MACHINE.check(actor, from_state, to_state)
    application.state = to_state
    application.save(update_fields=["state", "updated_at", *also_save])
    event = ApplicationEvent.objects.create(application=application, from_state=from_state,
                                            to_state=to_state, actor=actor, user=user, message=message)
    logger.info("application %s: %s -> %s by %s %s", application.pk, from_state, to_state, actor,
                getattr(user, "pk", None))
    return event


def applications_transition_bulk(*, applications, to_state: str, actor: str, user=None,
                                 message: str = "") -> list[Application]:
    """`application_transition` for many (the clock): the same table, one UPDATE and one bulk
    insert of events. Rows no longer in the state they were read in are skipped."""
    moves = {}
    for application in applications:
        APPLICATION_MACHINE.check(actor, application.state, to_state)
        moves.setdefault(application.state, []).append(application)
    moved = []
    with transaction.atomic():
        for from_state, group in moves.items():
            ids = list(Application.objects.select_for_update().filter(
                pk__in=[a.pk for a in group], state=from_state).values_list("pk", flat=True))
            Application.objects.filter(pk__in=ids).update(state=to_state, updated_at=timezone.now())
            ApplicationEvent.objects.bulk_create([
                ApplicationEvent(application_id=pk, from_state=from_state, to_state=to_state, actor=actor,
                                 user=user, message=message) for pk in ids])
            for application in group:
                if application.pk in ids:
                    application.state = to_state
                    moved.append(application)
    logger.info("applications %s -> %s by %s", [a.pk for a in moved], to_state, actor)
    return moved


def _locked(application_id) -> Application:
    return Application.objects.select_for_update().select_related(
        "selection_round__programme", "organisation").get(pk=application_id)


def _now(now):
    return now or timezone.now()


# --- What may be done when ------------------------------------------------------------------

def open_revision_request(application: Application) -> RevisionRequest | None:
    return application.revision_requests.filter(resolved_at__isnull=True).order_by("-created_at").first()


def edit_block_reason(application: Application, now: datetime | None = None) -> str:
    """Why the applicant cannot edit now, in Japanese; "" when they can."""
    from labportal.templatetags.jp_dates import jp_datetime

    now = _now(now)
    round_ = application.selection_round
    if application.state == State.DRAFT:
        if round_.is_accepting(now):
            return ""
        if round_.closes_at and now >= round_.closes_at:
            return (f"{round_}の公募は{jp_datetime(round_.closes_at)}に締め切られました。"
                    "提出されなかった申請は閲覧のみできます。")
        return f"{round_}は現在公募を受け付けていないため、編集できません。"
    if application.state == State.RETURNED:
        request = open_revision_request(application)
        if request and now < request.due_at:
            return ""
        due = jp_datetime(request.due_at) if request else ""
        return f"再提出の期限（{due}）を過ぎたため、編集できません。事務局にお問い合わせください。"
    if application.state in (State.SUBMITTED, State.UNDER_REVIEW):
        return ("提出済みのため編集できません。修正が必要な場合は事務局にご連絡ください"
                "（事務局から差し戻しがあると、再び編集できます）。")
    if application.state == State.WITHDRAWN:
        return "取り下げた申請のため、閲覧のみできます。"
    return "審査結果が決まった申請のため、閲覧のみできます。"


def _ensure_editable(application, now):
    reason = edit_block_reason(application, now)
    if reason:
        raise ApplicationLocked(reason)


# --- Organisations and members --------------------------------------------------------------

OrgStatus = Organisation.Status
MemberState = Membership.State

# Staff confirm that an organisation exists (or could not), before its applications count.
ORGANISATION_MACHINE = state_machine.Machine(
    name="organisation", label="申請主体", states=OrgStatus, field="status", table={
        state_machine.Actor.STAFF: {
            OrgStatus.PENDING: {OrgStatus.CONFIRMED: "確認する", OrgStatus.REJECTED: "確認できないとする（却下）"},
            OrgStatus.REJECTED: {OrgStatus.CONFIRMED: "確認する（再確認）"},
        },
    })

# A join request is approved by the organisation's members (or by an invitation they sent),
# or by staff; refusing one deletes the request (membership_reject), it is not a state.
MEMBERSHIP_MACHINE = state_machine.Machine(
    name="membership", label="所属", states=MemberState, table={
        state_machine.Actor.ORGANISATION: {MemberState.PENDING: {MemberState.ACTIVE: "参加を承認する"}},
        state_machine.Actor.STAFF: {MemberState.PENDING: {MemberState.ACTIVE: "参加を承認する"}},
    })


def organisation_register(*, user, name: str, kind: str, regions, name_kana: str = "",
                          department: str = "", address: str = "", phone: str = "") -> Organisation:
    """Register a new organisation (事務局確認待ち) with `user` as its first, active admin."""
    with transaction.atomic():
        organisation = Organisation.objects.create(
            name=name, name_kana=name_kana, kind=kind, department=department, address=address,
            phone=phone, created_by=user)
        organisation.regions.set(regions)
        Membership.objects.create(user=user, organisation=organisation, role=Membership.Role.ADMIN,
                                  state=Membership.State.ACTIVE, approved_at=timezone.now())
    return organisation


def organisation_confirm(*, organisation: Organisation, by) -> Organisation:
    """Staff confirm that the organisation exists and may apply (確認済), from 事務局確認待ち or
    確認できず; recorded with who did it. One already confirmed is left as it is."""
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if organisation.status != OrgStatus.CONFIRMED:
            organisation.confirmed_at = timezone.now()
            state_machine.move(machine=ORGANISATION_MACHINE, target=organisation, to_state=OrgStatus.CONFIRMED,
                               agent=state_machine.Agent.staff(by), also_save=["confirmed_at"])
    return organisation


def organisation_reject(*, organisation: Organisation, by, reason: str = "") -> Organisation:
    """Staff could not confirm the organisation (確認できず, 却下): it can no longer be chosen to
    join (applications.forms). Only from 事務局確認待ち; recorded with who did it and why."""
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        state_machine.move(machine=ORGANISATION_MACHINE, target=organisation, to_state=OrgStatus.REJECTED,
                           agent=state_machine.Agent.staff(by), reason=reason)
    return organisation


def membership_request(*, user, organisation: Organisation) -> Membership:
    """Ask to join `organisation`; its members approve. Idempotent per (user, organisation)."""
    from django.urls import reverse

    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(user=user, organisation=organisation)
        if created:
            mail.notify(event="applications_join_request", to=list(members_to_notify(organisation)),
                        dedup_key=f"join-request:{membership.pk}", context={
                            "organisation_name": organisation.name,
                            "requester": user.display_name, "requester_email": user.email,
                            "url": mail.absolute(reverse("applications:members", args=[organisation.pk])),
                        })
    return membership


def membership_approve(*, membership: Membership, by, actor: str = state_machine.Actor.ORGANISATION) -> Membership:
    """Approve a join request (承認待ち → 有効), by the organisation's members or by staff
    (`actor`); recorded with who did it. An active membership is left as it is."""
    if membership.state != Membership.State.ACTIVE:
        membership.approved_by = by
        membership.approved_at = timezone.now()
        state_machine.move(machine=MEMBERSHIP_MACHINE, target=membership, to_state=MemberState.ACTIVE,
                           agent=state_machine.Agent(actor, by), also_save=["approved_by", "approved_at"])
    return membership


def membership_reject(*, membership: Membership, by) -> None:
    if membership.state == Membership.State.PENDING:
        membership.delete()


def invitation_create(*, organisation: Organisation, email: str, by) -> Invitation:
    """Invite a colleague by e-mail; the mail carries a link to accept."""
    from django.urls import reverse

    email = unicodedata.normalize("NFKC", email).strip().lower()
    with transaction.atomic():
        invitation = Invitation.objects.create(organisation=organisation, email=email, invited_by=by)
        mail.notify(event="applications_invitation", to=email, dedup_key=f"invitation:{invitation.pk}",
                    context={"organisation_name": organisation.name, "inviter": by.display_name,
                             "url": mail.absolute(reverse("applications:invitation",
                                                          args=[invitation.token]))})
    return invitation


def invitation_accept(*, invitation: Invitation, user) -> Membership:
    """Accepting makes `user` an active member (the invitation was the members' approval)."""
    with transaction.atomic():
        membership, _ = Membership.objects.get_or_create(user=user, organisation=invitation.organisation)
        membership_approve(membership=membership, by=invitation.invited_by)
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


def invitation_revoke(*, invitation: Invitation, by) -> None:
    """Withdraw an invitation nobody has accepted yet (its link stops working). An accepted one
    is the record of how a member joined and is never deleted."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at is not None:
            raise ApplicationError(f"「{invitation.email}」への招待は受諾済みのため取り消せません"
                                   "（メンバーになった記録として残します）。")
        invitation.delete()
    logger.info("invitation %s to organisation %s revoked by %s", invitation.pk, invitation.organisation_id,
                getattr(by, "pk", None))


# --- Drafting ---------------------------------------------------------------------------------

def application_create(*, organisation: Organisation, selection_round: SelectionRound, user,
                       now: datetime | None = None) -> Application:
    """A new draft with its empty sections; only while the round accepts applications, and only
    when the organisation has no application in progress in the round (a withdrawn one does not
    count): else ApplicationExists names the one it has. The organisation's row is locked while
    this is checked, so two members clicking at once make one draft; the database's
    `one_application_per_organisation_per_round` constraint backs it."""
    now = _now(now)
    if not selection_round.is_accepting(now):
        raise ApplicationLocked(f"{selection_round}は現在公募を受け付けていません。")
    with transaction.atomic():
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        existing = application_in_progress(organisation=organisation, selection_round=selection_round)
        if existing is not None:
            raise ApplicationExists(existing)
        application = Application.objects.create(organisation=organisation,
                                                 selection_round=selection_round, created_by=user)
        for model in SECTION_MODELS:
            model.objects.create(application=application, updated_by=user)
        basic = application.basic
        basic.regions.set(organisation.regions.all())
        basic.save()
    return application


def section_save(*, application: Application, section_key: str, form, formsets=(), expected_version: int,
                 user, now: datetime | None = None):
    """Save one section (its ModelForm and inline formsets, already valid) if nobody saved it since
    the form was opened (`expected_version`) and the application is editable now.

    Raises StaleSection (with the saved section as `.current`) or ApplicationLocked; saves nothing
    then. On success the section's version is one higher and is returned with the section."""
    now = _now(now)
    with transaction.atomic():
        locked = _locked(application.pk)
        _ensure_editable(locked, now)
        return section_write(application=locked, section_key=section_key, form=form, formsets=formsets,
                             expected_version=expected_version, user=user, now=now)


def section_write(*, application: Application, section_key: str, form, formsets, expected_version: int,
                  user, now: datetime):
    """The write of a section, for callers that hold `application` locked in their transaction and
    have decided it is editable (section_save here; the transition's plan_section_save).

    Raises StaleSection when the section's version is no longer `expected_version`; otherwise
    saves the form, its many-to-many fields and the table formsets, bumps the version, and
    returns the section."""
    model = SECTIONS_BY_KEY[section_key]
    current = model.objects.select_for_update().get(application=application)
    if current.version != expected_version:
        raise StaleSection(current)
    section = form.save(commit=False)
    section.pk = current.pk
    section.application = application
    section.version = current.version + 1
    section.updated_by = user
    section.save()
    form.save_m2m()
    for formset in formsets:
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for index, obj in enumerate(instances):
            obj.application = application
            if hasattr(obj, "order") and not obj.order:
                obj.order = index + 1
            obj.save()
    Application.objects.filter(pk=application.pk).update(updated_at=now)
    return section


# --- Attachments ----------------------------------------------------------------------------

ALLOWED_TYPES = {
    "application/pdf": "PDF",
    "application/msword": "Word",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
    "application/vnd.ms-excel": "Excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel",
    "image/jpeg": "画像（JPEG）",
    "image/png": "画像（PNG）",
}
# The extensions a file of each type may be named with. The type comes from the content; a name
# promising another program (a PDF named .xlsx) is refused too, so that the file staff and
# reviewers download opens as what its name says.
EXTENSIONS = {
    "application/pdf": ("pdf",),
    "application/msword": ("doc",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx",),
    "application/vnd.ms-excel": ("xls",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("xlsx",),
    "image/jpeg": ("jpg", "jpeg"),
    "image/png": ("png",),
}


def _extension(name: str) -> str:
    """The extension of a file name, as typed or in full width (計画書．ＰＤＦ), lower case."""
    name = unicodedata.normalize("NFKC", name or "").strip()
    return name.rsplit(".", 1)[1].strip().lower() if "." in name else ""


def detect_type(uploaded: UploadedFile):
    """The file's type from its first bytes (never its name), or None."""
    uploaded.seek(0)
    head = uploaded.read(8192)
    uploaded.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        return None
    return kind


def attachment_check(uploaded: UploadedFile) -> filetype.Type:
    limit = settings.APPLICATION_ATTACHMENT_MAX_BYTES
    if uploaded.size > limit:
        raise AttachmentRefused(
            f"ファイルが大きすぎます（{uploaded.size / 1024 / 1024:.1f}MB）。"
            f"1ファイル{limit // 1024 // 1024}MBまでにしてください。")
    if uploaded.size == 0:
        raise AttachmentRefused("空のファイルは登録できません。")
    kind = detect_type(uploaded)
    name = uploaded.name or ""
    if kind is None:
        raise AttachmentRefused(
            f"選んだファイル「{name}」の形式は登録できません。PDF、Word、Excel、画像（JPEG・PNG）のファイルを"
            "選んでください（ファイル名の拡張子ではなく、ファイルの中身で判定しています）。")
    extension, expected = _extension(name), EXTENSIONS[kind.mime]
    if extension not in expected:
        named = f"拡張子は「.{extension}」です" if extension else "拡張子がありません"
        raise AttachmentRefused(
            f"選んだファイル「{name}」は、中身は{ALLOWED_TYPES[kind.mime]}ですが、{named}。"
            f"中身に合った拡張子（{'・'.join('.' + e for e in expected)}）の名前にしてから、もう一度選んでください。")
    problem = content_problem(uploaded, kind.mime)  # the whole file: a polyglot is refused
    if problem:
        raise AttachmentRefused(problem)
    return kind


def attachment_add(*, application: Application, uploaded: UploadedFile, kind: str, user,
                   now: datetime | None = None) -> Attachment:
    """Store an upload under a generated name after checking its size and its content's type."""
    detected = attachment_check(uploaded)
    with transaction.atomic():
        locked = _locked(application.pk)
        _ensure_editable(locked, _now(now))
        return attachment_store(application=locked, uploaded=uploaded, detected=detected, kind=kind, user=user)


def attachment_store(*, application: Application, uploaded: UploadedFile, detected: filetype.Type, kind: str,
                     user) -> Attachment:
    """The row and the file of a checked upload (attachment_check), within the count limit. The
    caller holds `application` locked and has checked that it may be edited (an application here,
    a transition plan in transition.plan)."""
    if application.attachments.count() >= settings.APPLICATION_ATTACHMENTS_PER_APPLICATION:
        raise AttachmentRefused(f"添付できるのは{settings.APPLICATION_ATTACHMENTS_PER_APPLICATION}"
                                "ファイルまでです。不要なファイルを削除してから追加してください。")
    original = unicodedata.normalize("NFC", uploaded.name or "")[-255:] or "添付ファイル"
    attachment = Attachment(application=application, kind=kind, original_name=original,
                            content_type=detected.mime, extension=detected.extension,
                            size=uploaded.size, uploaded_by=user)
    attachment.file.save("upload", uploaded, save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)  # no row, no file
        raise
    return attachment


def attachment_delete(*, attachment: Attachment, user, now: datetime | None = None) -> None:
    with transaction.atomic():
        locked = _locked(attachment.application_id)
        _ensure_editable(locked, _now(now))
        name = attachment.file.name
        storage = attachment.file.storage
        attachment.delete()
        transaction.on_commit(lambda: storage.delete(name))


# --- Submission, withdrawal, revision -----------------------------------------------------------

@dataclass(frozen=True)
class SubmitResult:
    application: Application
    submitted: bool  # False: it was already submitted, nothing was done


def _receipt_number(selection_round: SelectionRound, seq: int) -> str:
    year = timezone.localtime(selection_round.opens_at or timezone.now()).year
    code = selection_round.programme.code.upper()
    return f"{code}-{year}-{selection_round.number:02d}-{seq:04d}"


def _locked_for_submission(application_id, applications=None) -> Application:
    # The application row and its round's: the round row is the lock that serialises receipt
    # numbering within a round, taken with the application's in one statement.
    return ((applications if applications is not None else Application.objects)
            .select_for_update(of=("self", "selection_round"))
            .select_related("selection_round__programme", "organisation").get(pk=application_id))


def _submission_read():
    """Every section and table (the checklist and the snapshot), with the numbers a submission
    continues: the application's last version and its round's highest receipt number. Read after
    both locks are held, so that both are those of every submission committed before."""
    return application_with_sections().annotate(
        last_version=Subquery(ApplicationVersion.objects.filter(application=OuterRef("pk"))
                              .order_by("-number").values("number")[:1]),
        last_receipt_seq=Subquery(Application.objects.filter(
            selection_round=OuterRef("selection_round"), receipt_seq__isnull=False)
            .order_by("-receipt_seq").values("receipt_seq")[:1]))


def application_submit(*, application_id: int, user, now: datetime | None = None,
                       applications=None) -> SubmitResult:
    """Submit (or resubmit after 差し戻し) the application, once.

    Guarantees: the row is locked for the whole check-and-write, so a double click, a resent
    form or two tabs produce one submission — the second call finds it submitted and returns
    SubmitResult(submitted=False) without writing anything or mailing again. Refused after the
    round's closing time (server clock, compared as aware datetimes, so Asia/Tokyo is exact) or
    after a revision's due time, and while the checklist has missing items. Each submission keeps
    a JSON snapshot (ApplicationVersion) and queues the receipt mail to every active member.

    `applications`: a queryset the application must be in (the applicant's page passes the
    applications its user may open, so that the lock is the access check too); Application.DoesNotExist
    when it is not.
    """
    now = _now(now)
    with transaction.atomic():
        application = _locked_for_submission(application_id, applications)
        if application.state in (State.SUBMITTED, State.UNDER_REVIEW):
            return SubmitResult(application, submitted=False)
        _ensure_editable(application, now)
        full = _submission_read().get(pk=application.pk)
        missing = missing_items(full)
        if missing:
            raise IncompleteApplication(missing)
        resubmission = application.state == State.RETURNED
        if not application.receipt_number:
            application.receipt_seq = (full.last_receipt_seq or 0) + 1
            application.receipt_number = _receipt_number(application.selection_round, application.receipt_seq)
            application.first_submitted_at = now
        application.submitted_at = now
        application_transition(application=application, to_state=State.SUBMITTED, actor=Actor.APPLICANT,
                               user=user, message="再提出" if resubmission else "",
                               also_save=("receipt_number", "receipt_seq", "first_submitted_at", "submitted_at"))
        # The snapshot records what was submitted, under the number the receipt gives.
        full.receipt_number = application.receipt_number
        full.state = application.state
        number = (full.last_version or 0) + 1
        ApplicationVersion.objects.create(application=application, number=number,
                                          data=application_snapshot(full), submitted_at=now,
                                          submitted_by=user)
        if resubmission:
            application.revision_requests.filter(resolved_at__isnull=True).update(resolved_at=now)
        context = {**mail.application_context(full), "submitted_at": now.isoformat(),
                   "version": number, "resubmission": resubmission}
        mail.notify(event="applications_submitted", to=list(members_to_notify(application.organisation)),
                    dedup_key=f"application:{application.pk}:submitted:{number}", context=context)
    return SubmitResult(application, submitted=True)


def application_withdraw(*, application_id: int, user, reason: str = "") -> Application:
    """取下げ by the applicant, possible until a decision."""
    with transaction.atomic():
        application = _locked(application_id)
        if application.state == State.WITHDRAWN:
            return application
        application_transition(application=application, to_state=State.WITHDRAWN, actor=Actor.APPLICANT,
                               user=user, message=reason)
        mail.notify(event="applications_withdrawn", to=list(members_to_notify(application.organisation)),
                    dedup_key=f"application:{application.pk}:withdrawn",
                    context={**mail.application_context(application), "reason": reason})
    return application


def application_return_for_revision(*, application_id: int, by, message: str, due_at: datetime,
                                    now: datetime | None = None) -> RevisionRequest:
    """差し戻し by staff: the applicant may edit and resubmit until `due_at`; they are mailed."""
    now = _now(now)
    if due_at <= now:
        raise ApplicationError("再提出期限は現在より後の日時にしてください。")
    if not message.strip():
        raise ApplicationError("修正を依頼する内容を入力してください。")
    with transaction.atomic():
        application = _locked(application_id)
        application_transition(application=application, to_state=State.RETURNED, actor=Actor.STAFF,
                               user=by, message=message)
        request = RevisionRequest.objects.create(application=application, message=message, due_at=due_at,
                                                 requested_by=by)
        mail.notify(event="applications_returned", to=list(members_to_notify(application.organisation)),
                    dedup_key=f"revision:{request.pk}:requested",
                    context={**mail.application_context(application), "message": message,
                             "due_at": due_at.isoformat()})
    return request


def application_start_review(*, application_id: int, by=None, actor: str = Actor.STAFF) -> Application:
    with transaction.atomic():
        application = _locked(application_id)
        application_transition(application=application, to_state=State.UNDER_REVIEW, actor=actor, user=by)
    return application


# --- Snapshots --------------------------------------------------------------------------------

def application_snapshot(application: Application) -> dict:
    """Everything submitted, as labelled JSON (an application from application_with_sections)."""
    return {
        "receipt_number": application.receipt_number or "",
        "organisation": application.organisation.name,
        "sections": [
            {"key": view.key, "title": view.title,
             "fields": [[label, value] for label, value in view.fields],
             "tables": [{"title": t.title, "columns": t.columns, "rows": t.rows} for t in view.tables]}
            for view in sections_for_display(application)
        ],
        "attachments": [[a.get_kind_display(), a.original_name, a.size] for a in application.attachments.all()],
    }


def _flatten(snapshot: dict) -> dict[tuple[str, str], str]:
    flat = {}
    for section in snapshot.get("sections", []):
        for label, value in section["fields"]:
            flat[(section["title"], label)] = value
        for table in section["tables"]:
            flat[(section["title"], table["title"])] = "\n".join(" / ".join(row) for row in table["rows"])
    flat[("添付書類", "ファイル")] = "\n".join(f"{kind}: {name}" for kind, name, _size in
                                           snapshot.get("attachments", []))
    return flat


def snapshot_diff(old: dict, new: dict) -> list[dict]:
    """What changed between two submitted versions: one entry per changed answer, with a
    line diff (difflib) for long texts."""
    import difflib

    before, after = _flatten(old), _flatten(new)
    changes = []
    for key in [*after.keys(), *[k for k in before if k not in after]]:
        a, b = before.get(key, ""), after.get(key, "")
        if a != b:
            diff = list(difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="", n=1))[2:]
            changes.append({"section": key[0], "label": key[1], "before": a, "after": b, "diff": diff})
    return changes
