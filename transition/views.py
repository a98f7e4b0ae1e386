"""Pages of the transition: the lab's organisation prepares and submits its plan change; staff
decide, watch the dashboard and export. Every request comes through
selectors.request_for_member (404 for anything not the user's) or a staff permission; every
write goes through transition.services."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from applications.checklist import missing_items
from applications.forms import AttachmentForm, section_forms
from applications.models import SECTION_MODELS, SECTIONS_BY_KEY, Participant
from applications.section_page import SectionPost, section_post
from applications.selectors import organisations_of, participant_kind_coverage, sections_for_display

from . import exports, plan, selectors, services
from .forms import ClaimForm, DeclineForm, DecisionForm, LinkOrganisationForm, StatementForm
from .models import TransitionClaim, TransitionPolicy, TransitionRequest

State = TransitionRequest.State
Actor = services.Actor

DASHBOARD_PERMISSION = "transition.view_transition_dashboard"
DECIDE_PERMISSION = "transition.change_transitionrequest"


def staff_with(permission):
    """Staff (is_staff) holding `permission`; others are sent to log in, or refused (403)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not (user.is_active and user.is_staff and user.has_perm(permission)):
                raise PermissionDenied("このページは事務局のみ利用できます。")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


# --- The organisation's pages -------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def request_list(request):
    """The labs of the user's organisations, and the claim form for a lab not yet linked."""
    organisations = list(organisations_of(request.user))
    requests = list(selectors.requests_of_member(request.user).order_by("lab__name"))
    claim_form = None
    if organisations:
        claim_form = ClaimForm(request.POST or None, requests=selectors.claimable_requests(),
                               organisations=organisations_of(request.user))
        if request.method == "POST" and claim_form.is_valid():
            services.claim_create(transition_request=claim_form.cleaned_data["request"],
                                  organisation=claim_form.cleaned_data["organisation"], user=request.user,
                                  message=claim_form.cleaned_data["message"])
            messages.success(request, "申し出を受け付けました。事務局が確認すると、メールでお知らせします。")
            return redirect("transition:request_list")
    elif request.method == "POST":
        raise Http404
    claims = list(TransitionClaim.objects.filter(organisation__in=organisations)
                  .select_related("request__lab", "organisation").order_by("-created_at"))
    return render(request, "transition/request_list.html", {
        "requests": requests, "organisations": organisations, "claim_form": claim_form,
        "claims": claims, "policy": TransitionPolicy.objects.in_force(),
    })


def _overview(transition_request):
    application = plan.plan_with_sections(transition_request)
    missing = missing_items(application) if application is not None else []
    by_section = {}
    for item in missing:
        by_section.setdefault(item.section_key, []).append(item)
    return application, missing, by_section


@login_required
@require_GET
def request_detail(request, pk):
    return _detail_page(request, selectors.request_for_member(request.user, pk))


def _detail_page(request, transition_request, decline_form=None, status=200):
    application, missing, by_section = _overview(transition_request)
    block_reason = services.edit_block_reason(transition_request)
    policy = TransitionPolicy.objects.in_force()
    moves = services.allowed_moves(transition_request, Actor.ORGANISATION)
    accepting = policy is not None and policy.accepts_requests()
    statement_missing = application is not None and not transition_request.changes_statement.strip()
    return render(request, "transition/request_detail.html", {
        "tr": transition_request, "lab": transition_request.lab, "application": application,
        "policy": policy, "accepting": accepting, "block_reason": block_reason,
        "sections": SECTION_MODELS, "missing": missing, "statement_missing": statement_missing,
        "missing_by_section": {k: len(v) for k, v in by_section.items()},
        "can_start": accepting and State.DRAFT in moves,
        "can_submit": accepting and State.SUBMITTED in moves and not missing and not statement_missing,
        "can_decline": accepting and State.DECLINED in moves,
        "section_views": sections_for_display(application) if application is not None else [],
        "attachments": list(application.attachments.all()) if application is not None else [],
        "timeline": selectors.timeline(transition_request),
        "in_editable_state": transition_request.state in TransitionRequest.EDITABLE_STATES,
        "in_open_state": transition_request.state in (*TransitionRequest.OPEN_STATES, State.DECLINED),
        "decline_form": decline_form if decline_form is not None else DeclineForm(),
        "successor": getattr(transition_request.lab, "successor", None)
        if transition_request.state == State.APPROVED else None,
    }, status=status)


@login_required
@require_POST
def request_start(request, pk):
    transition_request = selectors.request_for_member(request.user, pk)
    try:
        services.request_start(transition_request=transition_request, user=request.user)
    except services.TransitionError as error:
        messages.error(request, str(error))
        return redirect("transition:request_detail", pk=pk)
    messages.success(request, "移行の手続きを始めました。変更計画書は、ラボについてポータルが把握している内容を"
                              "あらかじめ入力しています。各項目は別々に保存できます。")
    return redirect("transition:plan_section", pk=pk, key=SECTION_MODELS[0].key)


@login_required
@require_http_methods(["GET", "POST"])
def statement_edit(request, pk):
    transition_request = selectors.request_for_member(request.user, pk)
    if transition_request.application_id is None:
        raise Http404
    block_reason = services.edit_block_reason(transition_request)
    form = StatementForm(request.POST or None, initial={
        "changes_statement": transition_request.changes_statement,
        "version": transition_request.statement_version})
    status = 200
    if request.method == "POST":
        if block_reason:
            messages.error(request, block_reason)
            status = 409
        elif form.is_valid():
            try:
                services.request_save_statement(transition_request=transition_request,
                                                text=form.cleaned_data["changes_statement"],
                                                expected_version=form.cleaned_data["version"], user=request.user)
            except services.TransitionError as error:
                messages.error(request, str(error))
                transition_request.refresh_from_db()
                form.data = form.data.copy()
                form.data["version"] = str(transition_request.statement_version)
                status = 409
            else:
                messages.success(request, "「IoTラボの計画からの変更点」を保存しました。")
                return redirect("transition:request_detail", pk=pk)
        else:
            messages.error(request, "入力内容に誤りがあります。メッセージをご確認ください。入力した内容はまだ保存されていません。")
            status = 400
    _application, _missing, by_section = _overview(transition_request)
    return render(request, "transition/statement_form.html", {
        "tr": transition_request, "form": form, "read_only": bool(block_reason), "block_reason": block_reason,
        "sections": SECTION_MODELS, "missing_by_section": {k: len(v) for k, v in by_section.items()},
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def plan_section(request, pk, key):
    if key not in SECTIONS_BY_KEY:
        raise Http404
    transition_request = selectors.request_for_member(request.user, pk)
    posted = request.method == "POST"
    # A save that succeeds only redirects: it reads the one section it writes (with its tables).
    # The page, shown on a GET and after a refused save, reads the whole plan (_overview below).
    application = plan.plan_with_sections(transition_request, section=key if posted else None)
    if application is None:
        raise Http404
    block_reason = services.edit_block_reason(transition_request)
    form, formsets = section_forms(key, application, request.POST if posted else None)
    result = SectionPost(saved=False, status=200)
    if posted:
        result = section_post(
            request, key, form, formsets, block_reason=block_reason, refusals=services.TransitionError,
            save=lambda **kwargs: plan.plan_section_save(transition_request=transition_request, section_key=key,
                                                         form=form, user=request.user, **kwargs))
        if result.saved:
            next_key = request.POST.get("next_section")
            if next_key in SECTIONS_BY_KEY:
                return redirect("transition:plan_section", pk=pk, key=next_key)
            if next_key == "attachments":
                return redirect("transition:plan_attachments", pk=pk)
            if next_key == "statement":
                return redirect("transition:statement", pk=pk)
            return redirect("transition:plan_section", pk=pk, key=key)
    keys = [m.key for m in SECTION_MODELS]
    index = keys.index(key)
    # The page (a GET, or a refused save): the forms keep what was typed; the rest comes from the
    # overview's full read, made after the refusal (so it holds what another tab saved: the
    # conflict panel shows it).
    application, missing, by_section = _overview(transition_request)
    participants = [f.instance for fs, _ in formsets for f in fs.forms
                    if isinstance(f.instance, Participant) and f.instance.pk]
    covered, kinds = participant_kind_coverage(application.participants.all())
    return render(request, "transition/plan_section.html", {
        "tr": transition_request, "application": application, "section": getattr(application, key),
        "section_model": SECTIONS_BY_KEY[key], "sections": SECTION_MODELS, "form": form, "formsets": formsets,
        "read_only": bool(block_reason), "block_reason": block_reason,
        "conflict": plan.section_view(application, key) if result.stale else None,
        "readonly_views": [v for v in sections_for_display(application) if v.key == key],
        "next_key": keys[index + 1] if index + 1 < len(keys) else "attachments",
        "missing_by_section": {k: len(v) for k, v in by_section.items()},
        "section_missing": [item for item in missing if item.section_key == key],
        "kind_coverage": (covered, kinds) if key == "diversity" else None,
        "participant_count": len(participants),
    }, status=result.status)


@login_required
@require_http_methods(["GET", "POST"])
def plan_attachments(request, pk):
    transition_request = selectors.request_for_member(request.user, pk)
    application = plan.plan_with_sections(transition_request)
    if application is None:
        raise Http404
    block_reason = services.edit_block_reason(transition_request)
    form = AttachmentForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if block_reason:
            messages.error(request, block_reason)
            status = 409
        elif form.is_valid():
            try:
                attachment = plan.plan_attachment_add(transition_request=transition_request,
                                                      uploaded=form.cleaned_data["file"],
                                                      kind=form.cleaned_data["kind"], user=request.user)
            except (services.TransitionError, plan.AttachmentRefused) as error:
                form.add_error("file", str(error))
                status = 400
            else:
                messages.success(request, f"「{attachment.original_name}」を添付しました。")
                return redirect("transition:plan_attachments", pk=pk)
        else:
            status = 400
    _application, missing, by_section = _overview(transition_request)
    return render(request, "transition/plan_attachments.html", {
        "tr": transition_request, "application": application, "form": form, "sections": SECTION_MODELS,
        "attachments": list(application.attachments.all()), "read_only": bool(block_reason),
        "block_reason": block_reason, "missing_by_section": {k: len(v) for k, v in by_section.items()},
        "section_missing": [item for item in missing if item.section_key == "attachments"],
    }, status=status)


@login_required
@require_POST
def plan_attachment_delete(request, pk, attachment_pk):
    transition_request = selectors.request_for_member(request.user, pk)
    if transition_request.application_id is None:
        raise Http404
    attachment = get_object_or_404(transition_request.application.attachments, pk=attachment_pk)
    try:
        plan.plan_attachment_delete(transition_request=transition_request, attachment=attachment)
    except services.TransitionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"「{attachment.original_name}」を削除しました。")
    return redirect("transition:plan_attachments", pk=pk)


@login_required
@require_POST
def request_submit(request, pk):
    transition_request = selectors.request_for_member(request.user, pk)
    previous = transition_request.state
    try:
        result = services.request_submit(transition_request=transition_request, user=request.user)
    except services.TransitionError as error:
        messages.error(request, str(error))
    else:
        if previous in TransitionRequest.PENDING_STATES or result.state == previous:
            messages.info(request, "この移行申請は既に提出済みです（二重には提出されていません）。")
        else:
            messages.success(request, "移行申請（変更計画書）を提出しました。確認のメールをお送りしました。")
    return redirect("transition:request_detail", pk=pk)


@login_required
@require_POST
def request_decline(request, pk):
    transition_request = selectors.request_for_member(request.user, pk)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        # Never decline with the reason silently dropped: show it again with what to fix.
        messages.error(request, "入力内容に誤りがあります。メッセージをご確認ください。まだ届け出ていません。")
        return _detail_page(request, transition_request, decline_form=form, status=400)
    try:
        services.request_decline(transition_request=transition_request, user=request.user,
                                 message=form.cleaned_data["message"])
    except services.TransitionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "地域DX推進ラボへ移行しない旨を承りました。移行期間中であれば、改めて手続きを始めることもできます。")
    return redirect("transition:request_detail", pk=pk)


# --- Staff ------------------------------------------------------------------------------------------

@staff_with(DECIDE_PERMISSION)
@require_http_methods(["GET", "POST"])
def staff_request(request, pk):
    """One request for staff: the plan read-only, the review's scores for a re-selection, the
    decision form with exactly the moves the table allows now, and the organisation link."""
    transition_request = get_object_or_404(selectors.requests_with_lab(), pk=pk)
    moves = services.allowed_moves(transition_request, Actor.STAFF)
    form = DecisionForm(request.POST if "decide" in request.POST else None, moves=moves,
                        procedure=transition_request.procedure)
    link_form = LinkOrganisationForm(request.POST if "link" in request.POST else None)
    status = 200
    if request.method == "POST" and "link" in request.POST:
        if link_form.is_valid():
            try:
                services.request_link_organisation(transition_request=transition_request,
                                                   organisation=link_form.cleaned_data["organisation"],
                                                   by=request.user)
            except services.TransitionError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, "ラボの申請主体を登録し、団体のメンバーにメールでお知らせしました。")
            return redirect("transition:staff_request", pk=pk)
        status = 400
    elif request.method == "POST" and "decide" in request.POST:
        if form.is_valid():
            to_state = form.cleaned_data["to_state"]
            try:
                services.request_decide(transition_request=transition_request, to_state=to_state, by=request.user,
                                        message=form.cleaned_data["message"])
            except services.TransitionError as error:
                messages.error(request, str(error))
                status = 409
            else:
                messages.success(request, f"「{State(to_state).label}」にしました。申請主体にメールでお知らせしました。")
                return redirect("transition:staff_request", pk=pk)
        else:
            status = 400
    elif request.method == "POST":
        status = 400
    application = plan.plan_with_sections(transition_request)
    return render(request, "transition/staff_request.html", {
        "tr": transition_request, "lab": transition_request.lab, "application": application,
        "section_views": sections_for_display(application) if application is not None else [],
        "attachments": list(application.attachments.all()) if application is not None else [],
        "form": form, "moves": moves, "link_form": link_form,
        "timeline": selectors.timeline(transition_request),
        "review": plan.review_summary(transition_request)
        if transition_request.procedure == TransitionPolicy.Procedure.RESELECTION else None,
        "policy": TransitionPolicy.objects.in_force(),
        "successor": getattr(transition_request.lab, "successor", None),
        "claims": list(transition_request.claims.select_related("organisation", "claimed_by")),
    }, status=status)


@staff_with(DASHBOARD_PERMISSION)
@require_GET
def dashboard(request):
    now = timezone.now()
    policy = TransitionPolicy.objects.in_force(now)
    rows = selectors.state_counts()
    breakdowns = selectors.dashboard_breakdowns(rows)
    tiles = selectors.tile_map(breakdowns["by_prefecture"])
    chosen = request.GET.get("prefecture", "")
    chosen_tile = next((t for t in tiles if t.prefecture.code == chosen), None)
    progress = selectors.progress_by_month(policy, breakdowns["overall"].total, now)
    return render(request, "transition/dashboard.html", {
        "policy": policy, "now": now, "states": TransitionRequest.State.choices,
        "overall": breakdowns["overall"], "by_bureau": breakdowns["by_bureau"],
        "by_round": breakdowns["by_round"], "by_kind": breakdowns["by_kind"],
        "tiles": tiles, "tile_columns": range(14),
        "chosen_tile": chosen_tile,
        "prefecture_labs": selectors.prefecture_labs(chosen) if chosen_tile else [],
        "progress": progress,
        "progress_rows": list(zip(progress["labels"], progress["per_month"], progress["cumulative"],
                                  progress["target"])),
        "at_risk": selectors.at_risk(policy, now), "at_risk_days": selectors.at_risk_days(),
        "awaiting": list(selectors.awaiting_staff()),
    })


@staff_with(DASHBOARD_PERMISSION)
@require_POST
def dashboard_remind(request):
    ids = [int(value) for value in request.POST.getlist("request") if value.isdigit()]
    if not ids:
        messages.error(request, "リマインドを送るラボを選んでください。")
        return redirect("transition:dashboard")
    reached = services.reminder_send_now(request_ids=ids, by=request.user)
    skipped = len(ids) - reached
    if reached:
        messages.success(request, f"{reached}件のラボにリマインドのメールを送りました。")
    if skipped:
        messages.info(request, f"{skipped}件は、本日すでに送信済みか、申請主体が未登録のため送っていません"
                               "（同じラボに同じ日に二度は送りません）。")
    return redirect(reverse("transition:dashboard") + "#at-risk")


@staff_with(DASHBOARD_PERMISSION)
@require_GET
def export_csv(request):
    response = HttpResponse(exports.as_csv(selectors.export_rows()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{exports.filename("csv")}"'
    return response


@staff_with(DASHBOARD_PERMISSION)
@require_GET
def export_xlsx(request):
    response = HttpResponse(exports.as_xlsx(selectors.export_rows()),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{exports.filename("xlsx")}"'
    return response
