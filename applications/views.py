"""The applicant's pages. Every object comes through applications.access (404 for anything not
theirs); every write goes through applications.services."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from labportal.models import Role, SelectionRound
from labportal.security import AccessRefused
from labportal.selectors import open_rounds

from . import access, services
from .checklist import item_url, missing_items
from .forms import (
    section_forms,
    AttachmentForm,
    InvitationForm,
    JoinForm,
    OrganisationForm,
    WithdrawForm,
)
from .models import SECTION_MODELS, SECTIONS_BY_KEY, Application, Membership, Participant
from .section_page import SectionPost, section_post
from .selectors import (
    applicant_dashboard_applications,
    organisations_of,
    participant_kind_coverage,
    sections_for_display,
    timeline,
)

SESSION_ORGANISATION = "applications.organisation_id"


def applicant_required(view):
    """Signed-in applicants only. Reviewers and staff read applications in the admin and never
    edit an applicant's text here; for them these pages do not exist."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if user.is_staff or user.is_superuser or not user.in_group(Role.APPLICANT):
            if kwargs:
                raise AccessRefused("申請者のページ")
            raise PermissionDenied("このページは申請者のアカウントでのみ利用できます。")
        return view(request, *args, **kwargs)

    return wrapper


def current_organisation(request, organisations):
    chosen = request.session.get(SESSION_ORGANISATION)
    for organisation in organisations:
        if organisation.pk == chosen:
            return organisation
    return organisations[0] if organisations else None


# --- Dashboard and organisations --------------------------------------------------------------

@applicant_required
def dashboard(request):
    organisations = list(organisations_of(request.user))
    organisation = current_organisation(request, organisations)
    pending = list(Membership.objects.filter(user=request.user, state=Membership.State.PENDING)
                   .select_related("organisation"))
    applications = list(applicant_dashboard_applications(organisation)) if organisation else []
    return render(request, "applications/dashboard.html", {
        "organisations": organisations,
        "organisation": organisation,
        "pending_memberships": pending,
        "applications": applications,
        "open_rounds": _rounds_with_own_application(open_rounds(), applications) if organisation else [],
    })


def _rounds_with_own_application(rounds, applications):
    """Open rounds, each with `own_application`: the organisation's application in progress
    there (the dashboard offers it instead of making a second one), or None."""
    in_progress = {a.selection_round_id: a for a in reversed(applications)
                   if a.state != Application.State.WITHDRAWN}
    rounds = list(rounds)
    for selection_round in rounds:
        selection_round.own_application = in_progress.get(selection_round.pk)
    return rounds


@applicant_required
@require_http_methods(["GET", "POST"])
def organisation_new(request):
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        organisation = services.organisation_register(
            user=request.user, name=data["name"], name_kana=data["name_kana"], kind=data["kind"],
            regions=data["regions"], department=data["department"], address=data["address"],
            phone=data["phone"])
        request.session[SESSION_ORGANISATION] = organisation.pk
        messages.success(request, f"「{organisation.name}」を登録しました。事務局が確認しますが、その間も"
                                  "申請書の作成・提出ができます。")
        return redirect("applications:dashboard")
    return render(request, "applications/organisation_form.html", {"form": form})


@applicant_required
@require_http_methods(["GET", "POST"])
def organisation_join(request):
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organisation = form.cleaned_data["organisation"]
        membership = services.membership_request(user=request.user, organisation=organisation)
        if membership.state == Membership.State.ACTIVE:
            messages.info(request, f"既に「{organisation.name}」のメンバーです。")
        else:
            messages.success(request, f"「{organisation.name}」への参加を申請しました。団体のメンバーが"
                                      "承認すると、申請書を作成・閲覧できるようになります。")
        return redirect("applications:dashboard")
    return render(request, "applications/organisation_join.html", {"form": form})


@applicant_required
@require_POST
def organisation_switch(request):
    organisation = access.organisation_for_member(request.user, request.POST.get("organisation"))
    request.session[SESSION_ORGANISATION] = organisation.pk
    messages.info(request, f"「{organisation.name}」に切り替えました。")
    return redirect("applications:dashboard")


@applicant_required
@require_http_methods(["GET", "POST"])
def members(request, pk):
    organisation = access.organisation_for_member(request.user, pk)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.invitation_create(organisation=organisation, email=form.cleaned_data["email"],
                                   by=request.user)
        messages.success(request, f"{form.cleaned_data['email']} に招待のメールを送りました。")
        return redirect("applications:members", pk=organisation.pk)
    memberships = list(organisation.memberships.select_related("user").order_by("state", "created_at"))
    return render(request, "applications/members.html", {
        "organisation": organisation, "memberships": memberships, "form": form,
        "invitations": list(organisation.invitations.filter(accepted_at__isnull=True)),
    })


@applicant_required
@require_POST
def membership_decide(request, pk, membership_pk, decision):
    organisation = access.organisation_for_member(request.user, pk)
    membership = access.membership_for_member(request.user, membership_pk)
    if membership.organisation_id != organisation.pk or decision not in ("approve", "reject"):
        raise Http404
    if decision == "approve":
        services.membership_approve(membership=membership, by=request.user)
        messages.success(request, f"{membership.user.display_name} さんの参加を承認しました。")
    else:
        services.membership_reject(membership=membership, by=request.user)
        messages.info(request, f"{membership.user.display_name} さんの参加申請を却下しました。")
    return redirect("applications:members", pk=organisation.pk)


@applicant_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    invitation = access.invitation_by_token(token)
    if invitation.email != request.user.email.lower():
        # A forwarded link must not let somebody else in: the members invited one address.
        return render(request, "applications/invitation.html", {"invitation": invitation, "wrong_account": True},
                      status=403)
    if request.method == "POST":
        services.invitation_accept(invitation=invitation, user=request.user)
        request.session[SESSION_ORGANISATION] = invitation.organisation_id
        messages.success(request, f"「{invitation.organisation.name}」のメンバーになりました。")
        return redirect("applications:dashboard")
    return render(request, "applications/invitation.html", {"invitation": invitation})


# --- Applications ---------------------------------------------------------------------------

@applicant_required
@require_POST
def application_new(request, round_pk):
    organisation = access.organisation_for_member(request.user, request.POST.get("organisation"))
    selection_round = get_object_or_404(SelectionRound.objects.select_related("programme"), pk=round_pk)
    try:
        application = services.application_create(organisation=organisation,
                                                   selection_round=selection_round, user=request.user)
    except services.ApplicationExists as exists:
        # A second click, a second tab or a colleague was first: open the one there is.
        messages.info(request, str(exists))
        return redirect("applications:detail", pk=exists.existing.pk)
    except services.ApplicationError as error:
        messages.error(request, str(error))
        return redirect("applications:dashboard")
    messages.success(request, "申請書を作成しました。各項目は別々に保存できます。")
    return redirect("applications:section", pk=application.pk, key=SECTION_MODELS[0].key)


def _overview(application):
    """What the overview and the section pages' navigation show: progress per section."""
    missing = missing_items(application)
    by_section = {}
    for item in missing:
        by_section.setdefault(item.section_key, []).append(item)
    return missing, by_section


@applicant_required
def application_detail(request, pk):
    application = access.application_for_user(request.user, pk, with_sections=True)
    missing, by_section = _overview(application)
    block_reason = services.edit_block_reason(application)
    return render(request, "applications/detail.html", {
        "application": application,
        "sections": SECTION_MODELS,
        "missing": [(item, item_url(application, item)) for item in missing],
        "missing_by_section": {k: len(v) for k, v in by_section.items()},
        "block_reason": block_reason,
        "can_submit": not block_reason and not missing,
        "can_withdraw": services.APPLICATION_MACHINE.allows(services.Actor.APPLICANT, application.state,
                                                            Application.State.WITHDRAWN),
        "revision_request": services.open_revision_request(application)
        if application.state == Application.State.RETURNED else None,
        "timeline": timeline(application),
        "attachment_count": len(application.attachments.all()),
    })


@applicant_required
@require_http_methods(["GET", "POST"])
def section_edit(request, pk, key):
    if key not in SECTIONS_BY_KEY:
        raise Http404
    posted = request.method == "POST"
    # A save that succeeds only redirects: it reads the one section it writes (with its tables).
    # The page, shown on a GET and after a refused save, reads the whole application.
    application = (access.application_for_user(request.user, pk, section=key) if posted
                   else access.application_for_user(request.user, pk, with_sections=True))
    block_reason = services.edit_block_reason(application)
    form, formsets = section_forms(key, application, request.POST if posted else None)
    result = SectionPost(saved=False, status=200)
    if posted:
        result = section_post(
            request, key, form, formsets, block_reason=block_reason, refusals=services.ApplicationLocked,
            save=lambda **kwargs: services.section_save(application=application, section_key=key, form=form,
                                                        user=request.user, **kwargs))
        if result.saved:
            next_key = request.POST.get("next_section")
            if next_key in SECTIONS_BY_KEY:
                return redirect("applications:section", pk=application.pk, key=next_key)
            if next_key == "attachments":
                return redirect("applications:attachments", pk=application.pk)
            return redirect("applications:section", pk=application.pk, key=key)
        # The refused save's page: the forms keep what was typed; the rest comes from a full read,
        # made after the refusal (so it holds what another tab saved: the conflict panel shows it).
        application = access.application_for_user(request.user, pk, with_sections=True)
    keys = [m.key for m in SECTION_MODELS]
    index = keys.index(key)
    missing, by_section = _overview(application)
    participants = [f.instance for fs, _ in formsets for f in fs.forms
                    if isinstance(f.instance, Participant) and f.instance.pk]
    covered, kinds = participant_kind_coverage(application.participants.all())
    return render(request, "applications/section_form.html", {
        "application": application,
        "section": getattr(application, key),
        "section_model": SECTIONS_BY_KEY[key],
        "sections": SECTION_MODELS,
        "form": form,
        "formsets": formsets,
        "read_only": bool(block_reason),
        "block_reason": block_reason,
        "readonly_views": [v for v in sections_for_display(application) if v.key == key]
        if block_reason else [],
        "conflict": _conflict_view(application, result.stale) if result.stale else None,
        "next_key": keys[index + 1] if index + 1 < len(keys) else "attachments",
        "missing_by_section": {k: len(v) for k, v in by_section.items()},
        "section_missing": [item for item in missing if item.section_key == key],
        "kind_coverage": (covered, kinds) if key == "diversity" else None,
        "participant_count": len(participants),
    }, status=result.status)


def _conflict_view(application, current):
    """The saved values of a section another tab saved, labelled, for the conflict panel
    (`application` read with every section after the refused save)."""
    for view in sections_for_display(application):
        if view.key == current.key:
            return view
    return None


@applicant_required
@require_http_methods(["GET", "POST"])
def attachments(request, pk):
    application = access.application_for_user(request.user, pk, with_sections=True)
    block_reason = services.edit_block_reason(application)
    form = AttachmentForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if block_reason:
            messages.error(request, block_reason)
            status = 409
        elif form.is_valid():
            try:
                attachment = services.attachment_add(application=application, uploaded=form.cleaned_data["file"],
                                                     kind=form.cleaned_data["kind"], user=request.user)
            except services.ApplicationError as error:
                form.add_error("file", str(error))
                status = 400
            else:
                messages.success(request, f"「{attachment.original_name}」を添付しました。")
                return redirect("applications:attachments", pk=application.pk)
        else:
            status = 400
    missing, by_section = _overview(application)
    return render(request, "applications/attachments.html", {
        "application": application, "form": form, "sections": SECTION_MODELS,
        "attachments": list(application.attachments.all()), "read_only": bool(block_reason),
        "block_reason": block_reason, "missing_by_section": {k: len(v) for k, v in by_section.items()},
        "section_missing": [item for item in missing if item.section_key == "attachments"],
    }, status=status)


@applicant_required
@require_POST
def attachment_delete(request, pk, attachment_pk):
    application = access.application_for_user(request.user, pk)
    attachment = access.attachment_for_user(request.user, attachment_pk)
    if attachment.application_id != application.pk:
        raise Http404
    try:
        services.attachment_delete(attachment=attachment, user=request.user)
    except services.ApplicationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"「{attachment.original_name}」を削除しました。")
    return redirect("applications:attachments", pk=application.pk)


@applicant_required
def attachment_download(request, pk):
    attachment = access.attachment_for_user(request.user, pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.content_type)
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@applicant_required
@require_POST
def application_submit(request, pk):
    try:
        # The submission's locked read is the access check too (a query fewer on deadline day).
        result = services.application_submit(application_id=pk, user=request.user,
                                             applications=access.member_applications(request.user))
    except Application.DoesNotExist:
        access.application_for_user(request.user, pk)  # refused, as on every other page
        raise Http404 from None  # a member since a moment ago: let them try again
    except services.IncompleteApplication as error:
        messages.error(request, str(error))
    except services.ApplicationError as error:
        messages.error(request, str(error))
    else:
        if result.submitted:
            messages.success(request, f"申請書を提出しました。受付番号は {result.application.receipt_number} です。"
                                      "確認のメールをお送りしました。")
        else:
            messages.info(request, f"この申請書は既に提出済みです（受付番号 {result.application.receipt_number}）。"
                                   "二重には提出されていません。")
    return redirect("applications:detail", pk=pk)


@applicant_required
@require_http_methods(["GET", "POST"])
def application_withdraw(request, pk):
    application = access.application_for_user(request.user, pk, with_sections=True)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_withdraw(application_id=application.pk, user=request.user,
                                          reason=form.cleaned_data["reason"])
        except services.ApplicationError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "申請を取り下げました。")
        return redirect("applications:detail", pk=application.pk)
    return render(request, "applications/withdraw.html", {"application": application, "form": form})


@applicant_required
def application_print(request, pk):
    application = access.application_for_user(request.user, pk, with_sections=True)
    return render(request, "applications/print.html", {
        "application": application,
        "section_views": sections_for_display(application),
        "attachments": list(application.attachments.all()),
        "timeline": timeline(application),
        "printed_at": timezone.now(),
    })


