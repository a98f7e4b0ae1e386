"""The reviewer's admin: their own reviews only, the scoring page, their conflicts of interest.

Every object comes through review.selectors.review_for_reviewer: another reviewer's review
answers 404 exactly like a missing one, whatever the URL (change, history, delete)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from applications.models import Application
from applications.selectors import application_with_sections, sections_for_display

from .. import selectors, services
from ..forms import ConflictForm, RecuseForm, ScoreForm
from ..models import AssignedReview, ConflictOfInterest, Review
from .base import HistoryAdmin


def _state_badge(review):
    return format_html('<span class="review-state review-state--{}">{}</span>', review.state,
                       review.get_state_display())


@admin.register(AssignedReview)
class AssignedReviewAdmin(admin.ModelAdmin):
    list_display = ["receipt_number", "lab_name", "organisation", "selection_round", "state_badge", "due",
                    "submitted_at"]
    list_display_links = ["receipt_number", "lab_name"]
    list_filter = ["state"]
    ordering = ["due_at", "application__receipt_seq", "pk"]
    show_full_result_count = False
    list_per_page = 100
    actions = None
    search_fields = []

    class Media:
        # The review pages' styles, on the list too: its breadcrumbs' links are underlined, not
        # told from the text by colour alone (axe link-in-text-block).
        css = {"all": ["css/review.css"]}

    # --- who may see it: reviewers, their own only ------------------------------------------

    def _is_reviewer(self, request):
        return selectors.is_reviewer(request.user)

    def has_module_permission(self, request):
        return self._is_reviewer(request)

    def has_view_permission(self, request, obj=None):
        if not self._is_reviewer(request):
            return False
        return obj is None or obj.reviewer_id == request.user.pk

    def has_change_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return selectors.reviews_of_reviewer(request.user)

    def history_view(self, request, object_id, extra_context=None):
        raise Http404

    # --- the list --------------------------------------------------------------------------

    @admin.display(description="受付番号", ordering="application__receipt_seq")
    def receipt_number(self, review):
        return review.application.receipt_number or "—"

    @admin.display(description="ラボの名称")
    def lab_name(self, review):
        return review.application.basic.lab_name or "（名称未入力）"

    @admin.display(description="申請主体")
    def organisation(self, review):
        return review.application.organisation.name

    @admin.display(description="公募回")
    def selection_round(self, review):
        return review.application.selection_round

    @admin.display(description="状態", ordering="state")
    def state_badge(self, review):
        if getattr(review, "resubmitted", False):
            return format_html('{}<br><small class="review-outdated">再提出あり（変更点を確認してください）</small>',
                               _state_badge(review))
        return _state_badge(review)

    @admin.display(description="審査期限", ordering="due_at")
    def due(self, review):
        from labportal.templatetags.jp_dates import jp_datetime, jp_remaining

        if review.state == Review.State.SUBMITTED:
            return jp_datetime(review.due_at)
        return format_html("{}<br><small>{}</small>", jp_datetime(review.due_at), jp_remaining(review.due_at))

    # --- the scoring page ------------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not self._is_reviewer(request):
            raise PermissionDenied
        review = selectors.review_for_reviewer(request.user, object_id)
        round_settings = selectors.round_settings(review.application.selection_round)
        criteria = selectors.criteria_of(round_settings.criteria_set)
        form = ScoreForm(criteria=criteria, review=review)
        recuse_form = RecuseForm(prefix="recuse")
        status = 200
        if request.method == "POST":
            if "_recuse" in request.POST:
                recuse_form = RecuseForm(request.POST, prefix="recuse")
                if recuse_form.is_valid():
                    try:
                        services.review_recuse(review=review, by=request.user,
                                               reason=recuse_form.cleaned_data["reason"])
                    except services.ReviewError as error:
                        messages.error(request, str(error))
                    else:
                        messages.success(request, "利害関係を申告し、この審査を辞退しました。事務局が別の審査員を割り当てます。")
                        return redirect("admin:review_assignedreview_changelist")
                status = 400
            elif "_confirm_submit" in request.POST:
                return self._submit_confirmed(request, review)
            else:
                form = ScoreForm(request.POST, criteria=criteria, review=review)
                # 「提出内容を確認する」 saves the draft and opens the confirmation page; only
                # 「この内容で提出する」 there submits for good.
                to_confirm = "_review" in request.POST or "_submit" in request.POST
                if form.is_valid():
                    scores = form.score_inputs()
                    errors = services.scores_validate(
                        criteria=criteria, scores=scores, submit=True,
                        recommendation=form.cleaned_data["recommendation"]) if to_confirm else {}
                    try:
                        if errors:
                            raise services.ScoresInvalid(errors)
                        services.review_save(
                            review=review, by=request.user, scores=scores, submit=False,
                            overall_comment=form.cleaned_data["overall_comment"],
                            recommendation=form.cleaned_data["recommendation"])
                    except services.ScoresInvalid as error:
                        form.add_service_errors(error.errors)
                        messages.error(request, "入力内容を確認してください。保存していません。")
                        status = 400
                    except services.ReviewError as error:
                        messages.error(request, str(error))
                        status = 409
                    else:
                        if to_confirm:
                            return redirect(reverse("admin:review_assignedreview_change", args=[review.pk])
                                            + "?confirm=1")
                        messages.success(request, "下書きを保存しました。")
                        return redirect("admin:review_assignedreview_change", review.pk)
                else:
                    messages.error(request, "入力内容を確認してください。保存していません。")
                    status = 400
        elif request.GET.get("confirm") and not review.is_locked:
            return self._confirmation_page(request, review, criteria)
        application = application_with_sections().get(pk=review.application_id)
        sections = sections_for_display(application)
        section_of = {section.criterion: section.key for section in sections if section.criterion}
        context = {
            **self.admin_site.each_context(request),
            "title": f"審査: {application.receipt_number or application.pk}　{application.basic.lab_name or ''}",
            "opts": self.model._meta,
            "review": review,
            "application": application,
            "sections": sections,
            "attachments": list(application.attachments.all()),
            "form": form,
            "rows": [(criterion, score, comment, section_of.get(criterion.name))
                     for criterion, score, comment in form.rows()],
            "recuse_form": recuse_form,
            "locked": review.is_locked or application.state == Application.State.RETURNED,
            "returned_notice": services.RETURNED_REFUSAL if application.state == Application.State.RETURNED else "",
            "version_changes": selectors.version_changes(review),
            "others": selectors.other_reviews_visible_to(review, round_settings),
            "round_settings": round_settings,
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/review/assignedreview/score.html", context, status=status)

    def _confirmation_page(self, request, review, criteria):
        """The saved draft as it will be submitted: every score with its comment, the overall
        comment and the recommendation, and one button that submits it for good."""
        scores = {score.criterion_id: score for score in review.scores.all()}
        rows = [(criterion, scores.get(criterion.pk)) for criterion in criteria]
        rows = [(criterion, criterion.label_for(score.value) if score and score.value is not None else "未採点",
                 score.comment if score else "") for criterion, score in rows]
        application = review.application
        return TemplateResponse(request, "admin/review/assignedreview/confirm.html", {
            **self.admin_site.each_context(request),
            "title": f"提出内容の確認: {application.receipt_number or application.pk}　{application.basic.lab_name or ''}",
            "opts": self.model._meta, "review": review, "application": application, "rows": rows,
            "seen": review.updated_at.isoformat(), "has_view_permission": True})

    def _submit_confirmed(self, request, review):
        from django.utils.dateparse import parse_datetime

        seen = parse_datetime(request.POST.get("seen", "")) if request.POST.get("seen") else None
        try:
            services.review_submit(review=review, by=request.user, seen_updated_at=seen)
        except services.ScoresInvalid as error:
            messages.error(request, "提出できませんでした: " + str(error))
        except services.ReviewError as error:
            messages.error(request, str(error))
            if review.state in Review.OPEN_STATES and "確認画面" in str(error):
                return redirect(reverse("admin:review_assignedreview_change", args=[review.pk]) + "?confirm=1")
        else:
            messages.success(request, "審査を提出しました。提出後は変更できません。")
            return redirect("admin:review_assignedreview_changelist")
        return redirect("admin:review_assignedreview_change", review.pk)


@admin.register(ConflictOfInterest)
class ConflictOfInterestAdmin(HistoryAdmin):
    """Staff see and record every reviewer's conflicts; a reviewer declares and sees their own."""

    form = ConflictForm
    list_display = ["reviewer", "target_display", "reason", "declared_at", "declared_by"]
    list_select_related = ["reviewer", "region__prefecture", "organisation", "declared_by"]
    search_fields = ["reviewer__email", "reviewer__last_name", "region__name", "organisation__name"]

    @admin.display(description="対象")
    def target_display(self, conflict):
        return conflict.target

    def _manages(self, request):
        return selectors.manages_reviews(request.user)

    def has_module_permission(self, request):
        return self._manages(request) or selectors.is_reviewer(request.user)

    def has_view_permission(self, request, obj=None):
        if self._manages(request):
            return True
        return selectors.is_reviewer(request.user) and (obj is None or obj.reviewer_id == request.user.pk)

    def has_add_permission(self, request):
        return self._manages(request) or selectors.is_reviewer(request.user)

    def has_change_permission(self, request, obj=None):
        return self._manages(request)

    def has_delete_permission(self, request, obj=None):
        return self._manages(request)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if self._manages(request) else queryset.filter(reviewer=request.user)

    def get_autocomplete_fields(self, request):
        # Reviewers have no right to the register's admin, where autocompletion asks.
        return ["region"] if self._manages(request) else []

    def get_list_filter(self, request):
        return ["reviewer"] if self._manages(request) else []

    def get_fields(self, request, obj=None):
        fields = ["reviewer", "region", "organisation", "reason"]
        return fields if self._manages(request) else fields[1:]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "reviewer" in form.base_fields:
            form.base_fields["reviewer"].queryset = selectors.reviewers()
        if not self._manages(request):
            class OwnConflictForm(form):
                def clean(inner):
                    inner.instance.reviewer = request.user
                    return super().clean()
            return OwnConflictForm
        return form

    def save_model(self, request, obj, form, change):
        if change:
            obj._history_user = request.user
            obj.save()
            return
        reviewer = obj.reviewer if self._manages(request) else request.user
        conflict, withdrawn = services.conflict_declare(
            reviewer=reviewer, by=request.user, region=obj.region, organisation=obj.organisation,
            reason=obj.reason)
        obj.pk = conflict.pk
        if withdrawn:
            messages.warning(request, f"この利害関係に当たる審査{len(withdrawn)}件を辞退扱いにしました"
                                      "（事務局が別の審査員を割り当てます）。")

    def response_add(self, request, obj, post_url_continue=None):
        return redirect(reverse("admin:review_conflictofinterest_changelist"))
