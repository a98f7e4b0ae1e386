"""The reviewer's scoring page: what a request to it does, and what the page shows.

The admin (review.admin.reviewer.AssignedReviewAdmin.change_view) only finds the reviewer's own
review and calls `scoring_page`; it passes the admin's frame (site header, breadcrumbs' `opts`) as
`frame`. Every change goes through review.services:

- 「利害関係を申告して辞退」 (`_recuse`): services.review_recuse, back to the list;
- 「下書きを保存」: services.review_save(submit=False), back to the page;
- 「提出内容を確認する」 (`_review`, or the older `_submit`): checks the scores as a submission would,
  saves the draft and opens the confirmation page (`?confirm=1`);
- 「この内容で提出する」 on that page (`_confirm_submit`): services.review_submit, with the draft's
  time stamp the reviewer saw, so a draft changed since then is not submitted unseen.
"""

from django.contrib import messages
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from applications.models import Application
from applications.selectors import application_with_sections, sections_for_display

from . import selectors, services
from .forms import RecuseForm, ScoreForm
from .models import Review

SCORE_TEMPLATE = "admin/review/assignedreview/score.html"
CONFIRM_TEMPLATE = "admin/review/assignedreview/confirm.html"
NOT_SAVED = "入力内容を確認してください。保存していません。"


def _list_url():
    return reverse("admin:review_assignedreview_changelist")


def _page_url(review, *, confirm=False):
    url = reverse("admin:review_assignedreview_change", args=[review.pk])
    return url + "?confirm=1" if confirm else url


def scoring_page(request, review, user, *, frame):
    """Answer a GET or POST to the scoring page of `review` (already the `user`'s own).

    `frame` is the surrounding page's context (the admin's each_context and opts)."""
    round_settings = selectors.round_settings(review.application.selection_round)
    criteria = selectors.criteria_of(round_settings.criteria_set)
    form = ScoreForm(criteria=criteria, review=review)
    recuse_form = RecuseForm(prefix="recuse")
    status = 200
    if request.method == "POST" and "_recuse" in request.POST:
        outcome = recuse(request, review, user)
        if isinstance(outcome, HttpResponseBase):
            return outcome
        recuse_form, status = outcome
    elif request.method == "POST" and "_confirm_submit" in request.POST:
        return submit_confirmed(request, review, user)
    elif request.method == "POST":
        outcome = save(request, review, user, criteria)
        if isinstance(outcome, HttpResponseBase):
            return outcome
        form, status = outcome
    elif request.GET.get("confirm") and not review.is_locked:
        return TemplateResponse(request, CONFIRM_TEMPLATE, {**frame, **confirmation_context(review, criteria)})
    context = {**frame, **scoring_context(review, form, recuse_form, round_settings)}
    return TemplateResponse(request, SCORE_TEMPLATE, context, status=status)


def recuse(request, review, user):
    """Declare a conflict and step down. A redirect to the list, or (the form, status) to show again."""
    recuse_form = RecuseForm(request.POST, prefix="recuse")
    if recuse_form.is_valid():
        try:
            services.review_recuse(review=review, by=user, reason=recuse_form.cleaned_data["reason"])
        except services.ReviewError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "利害関係を申告し、この審査を辞退しました。事務局が別の審査員を割り当てます。")
            return redirect(_list_url())
    return recuse_form, 400


def save(request, review, user, criteria):
    """Save the draft; with 「提出内容を確認する」 first check it as a submission and then open the
    confirmation page. A redirect, or (the bound form with its errors, status)."""
    form = ScoreForm(request.POST, criteria=criteria, review=review)
    if not form.is_valid():
        messages.error(request, NOT_SAVED)
        return form, 400
    to_confirm = "_review" in request.POST or "_submit" in request.POST
    scores = form.score_inputs()
    recommendation = form.cleaned_data["recommendation"]
    try:
        if to_confirm:
            errors = services.scores_validate(criteria=criteria, scores=scores, submit=True,
                                              recommendation=recommendation)
            if errors:
                raise services.ScoresInvalid(errors)
        services.review_save(review=review, by=user, scores=scores, submit=False,
                             overall_comment=form.cleaned_data["overall_comment"],
                             recommendation=recommendation)
    except services.ScoresInvalid as error:
        form.add_service_errors(error.errors)
        messages.error(request, NOT_SAVED)
        return form, 400
    except services.ReviewError as error:
        messages.error(request, str(error))
        return form, 409
    if to_confirm:
        return redirect(_page_url(review, confirm=True))
    messages.success(request, "下書きを保存しました。")
    return redirect(_page_url(review))


def submit_confirmed(request, review, user):
    """「この内容で提出する」: submit the draft the reviewer saw on the confirmation page. Always a redirect."""
    seen = parse_datetime(request.POST.get("seen", "")) if request.POST.get("seen") else None
    try:
        services.review_submit(review=review, by=user, seen_updated_at=seen)
    except services.ScoresInvalid as error:
        messages.error(request, "提出できませんでした: " + str(error))
    except services.ReviewError as error:
        messages.error(request, str(error))
        if review.state in Review.OPEN_STATES and "確認画面" in str(error):
            return redirect(_page_url(review, confirm=True))
    else:
        messages.success(request, "審査を提出しました。提出後は変更できません。")
        return redirect(_list_url())
    return redirect(_page_url(review))


def confirmation_context(review, criteria):
    """The saved draft as it will be submitted: every score with its comment, the overall comment
    and the recommendation, and one button that submits it for good."""
    scores = {score.criterion_id: score for score in review.scores.all()}
    rows = []
    for criterion in criteria:
        score = scores.get(criterion.pk)
        label = criterion.label_for(score.value) if score and score.value is not None else "未採点"
        rows.append((criterion, label, score.comment if score else ""))
    application = review.application
    return {
        "title": f"提出内容の確認: {application.receipt_number or application.pk}　{application.basic.lab_name or ''}",
        "review": review, "application": application, "rows": rows,
        "seen": review.updated_at.isoformat(), "has_view_permission": True,
    }


def scoring_context(review, form, recuse_form, round_settings):
    """The scoring page: the application's sections beside the score form, each criterion linked
    to the section it reads, other reviews where the round shows them, and why it is locked."""
    application = application_with_sections().get(pk=review.application_id)
    sections = sections_for_display(application)
    section_of = {section.criterion: section.key for section in sections if section.criterion}
    returned = application.state == Application.State.RETURNED
    return {
        "title": f"審査: {application.receipt_number or application.pk}　{application.basic.lab_name or ''}",
        "review": review,
        "application": application,
        "sections": sections,
        "attachments": list(application.attachments.all()),
        "form": form,
        "rows": [(criterion, score, comment, section_of.get(criterion.name))
                 for criterion, score, comment in form.rows()],
        "recuse_form": recuse_form,
        "locked": review.is_locked or returned,
        "returned_notice": services.RETURNED_REFUSAL if returned else "",
        "version_changes": selectors.version_changes(review),
        "others": selectors.other_reviews_visible_to(review, round_settings),
        "round_settings": round_settings,
        "has_view_permission": True,
    }
