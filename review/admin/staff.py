"""Staff's (事務局) review admin: every review and assignment; each round's review settings with
its ranking, assignment (one by one, in bulk, automatic), announcement and exports; decisions;
hearings. Every change goes through review.services."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from labportal.admin_safety import OfferedValuesListFilter

from .. import exports, selectors, services
from ..forms import (
    AnnounceForm,
    AssignForm,
    AutoAssignForm,
    BulkDecisionForm,
    DecisionForm,
    DueDateForm,
    HearingForm,
    ReasonForm,
)
from ..models import Decision, Hearing, Review, RoundReviewSettings, Score
from .base import HistoryAdmin, StaffOnly


def _render(admin_, request, template, title, status=200, **context):
    return TemplateResponse(request, template, {
        **admin_.admin_site.each_context(request), "opts": admin_.model._meta, "title": title, **context},
        status=status)


def _require_staff(request):
    if not selectors.manages_reviews(request.user):
        raise PermissionDenied


class OverdueFilter(OfferedValuesListFilter):
    title = "審査期限"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "期限を過ぎて未提出"), ("soon", "3日以内に期限（未提出）")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "yes":
            return queryset.filter(state__in=Review.OPEN_STATES, due_at__lte=now)
        if self.value() == "soon":
            return queryset.filter(state__in=Review.OPEN_STATES, due_at__gt=now,
                                   due_at__lte=now + timezone.timedelta(days=3))
        return queryset


class RoundFilter(OfferedValuesListFilter):
    title = "公募回"
    parameter_name = "round"

    def lookups(self, request, model_admin):
        return [(s.selection_round_id, str(s.selection_round)) for s in
                RoundReviewSettings.objects.select_related("selection_round__programme")
                .order_by("-selection_round__programme_id", "-selection_round__number")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(application__selection_round_id=self.value())
        return queryset


@admin.register(Review)
class ReviewAdmin(StaffOnly, HistoryAdmin):
    list_display = ["receipt_number", "lab_name", "reviewer", "state", "due_at", "recommendation", "submitted_at"]
    list_display_links = ["receipt_number", "lab_name"]
    list_filter = [RoundFilter, "state", OverdueFilter, "recommendation"]
    list_select_related = ["application__basic", "application__organisation", "reviewer"]
    search_fields = ["application__receipt_number", "application__basic__lab_name", "application__organisation__name",
                     "reviewer__email", "reviewer__last_name"]
    ordering = ["application__selection_round_id", "application__receipt_seq", "assigned_at", "pk"]
    readonly_fields = ["application", "reviewer", "state", "due_at", "overall_comment", "recommendation", "assigned_by",
                       "assigned_at", "submitted_at", "recusal_reason", "recused_at", "score_table"]
    fields = readonly_fields
    actions = ["reopen", "change_due", "unassign"]
    object_history_template = "admin/review/review/object_history.html"
    list_per_page = 100

    @admin.display(description="受付番号", ordering="application__receipt_seq")
    def receipt_number(self, review):
        return review.application.receipt_number or f"#{review.application_id}"

    @admin.display(description="ラボの名称")
    def lab_name(self, review):
        return review.application.basic.lab_name or "（名称未入力）"

    @admin.display(description="評点")
    def score_table(self, review):
        rows = [(s.criterion.name, s.criterion.label_for(s.value) or "未採点", s.comment)
                for s in review.scores.select_related("criterion").order_by("criterion__order")]
        if not rows:
            return "—"
        return format_html('<table class="review-score-table"><tr><th>視点</th><th>評点</th><th>コメント</th></tr>{}</table>',
                           format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows))

    def has_change_permission(self, request, obj=None):
        return False  # reviews are written by their reviewer; staff act through the actions below

    def has_delete_permission(self, request, obj=None):
        return False  # see the action 割当を取り消す (only for reviews nobody has started)

    def add_view(self, request, form_url="", extra_context=None):
        _require_staff(request)  # this replaces the admin's add form, and with it its permission check
        rounds = RoundReviewSettings.objects.select_related("selection_round__programme")
        return _render(self, request, "admin/review/review/choose_round.html", "審査員の割当：公募回を選ぶ",
                       settings_list=rounds)

    def history_view(self, request, object_id, extra_context=None):
        history = list(Score.history.filter(review_id=object_id).select_related("history_user", "criterion")
                       .order_by("id", "history_date", "history_id"))
        previous, changes = {}, []
        for record in history:
            before = previous.get(record.id)
            changes.append({"date": record.history_date, "user": record.history_user,
                            "criterion": record.criterion.name if record.criterion else "",
                            "type": record.get_history_type_display(),
                            "before": "" if before is None else f"{before.value if before.value is not None else '未採点'}",
                            "after": "" if record.history_type == "-" else
                            f"{record.value if record.value is not None else '未採点'}",
                            "comment_changed": before is not None and before.comment != record.comment})
            previous[record.id] = record
        changes.sort(key=lambda c: c["date"], reverse=True)
        return super().history_view(request, object_id, {**(extra_context or {}), "score_changes": changes})

    # --- actions --------------------------------------------------------------------------

    @admin.action(description="提出済の審査を下書きに戻し、再提出を依頼する")
    def reopen(self, request, queryset):
        form = ReasonForm(request.POST if "confirm" in request.POST else None)
        if form.is_valid():
            done = 0
            for review in queryset.filter(state=Review.State.SUBMITTED):
                try:
                    services.review_reopen(review=review, by=request.user, reason=form.cleaned_data["reason"])
                    done += 1
                except services.ReviewError as error:
                    self.message_user(request, f"{review}: {error}", messages.ERROR)
            self.message_user(request, f"{done}件の審査を下書きに戻し、審査員にお知らせしました。", messages.SUCCESS)
            return None
        return _render(self, request, "admin/review/review/action_form.html", "再提出の依頼", form=form,
                       queryset=queryset, action="reopen", button="下書きに戻して依頼する")

    @admin.action(description="審査期限を変更する")
    def change_due(self, request, queryset):
        form = DueDateForm(request.POST if "confirm" in request.POST else None)
        if form.is_valid():
            count = services.reviews_set_due(reviews=list(queryset), due_at=form.cleaned_data["due_at"],
                                             by=request.user)
            self.message_user(request, f"未提出の審査{count}件の期限を変更しました。", messages.SUCCESS)
            return None
        return _render(self, request, "admin/review/review/action_form.html", "審査期限の変更", form=form,
                       queryset=queryset, action="change_due", button="期限を変更する")

    @admin.action(description="割当を取り消す（未着手のみ）")
    def unassign(self, request, queryset):
        done = 0
        for review in queryset:
            try:
                services.review_unassign(review=review, by=request.user)
                done += 1
            except services.ReviewError as error:
                self.message_user(request, f"{review}: {error}", messages.WARNING)
        self.message_user(request, f"{done}件の割当を取り消しました。", messages.SUCCESS)


@admin.register(RoundReviewSettings)
class RoundReviewSettingsAdmin(StaffOnly, HistoryAdmin):
    list_display = ["selection_round", "criteria_set", "reviewers_per_application", "review_due_at",
                    "other_reviews_visibility", "scoring_started_at", "links"]
    list_select_related = ["selection_round__programme", "criteria_set"]
    fields = ["selection_round", "criteria_set", "reviewers_per_application", "review_due_at",
              "other_reviews_visibility", "reviewer_names_visible", "disagreement_threshold", "scoring_started_at"]

    def get_readonly_fields(self, request, obj=None):
        readonly = ["scoring_started_at"]
        if obj is not None:
            readonly.append("selection_round")
            if obj.scoring_started_at:
                readonly.append("criteria_set")  # frozen by the first score
        return readonly

    # --- versions: settings are never edited in place or deleted (issue 15) ------------------

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return ["versions_table", *fields] if obj is not None else fields

    def has_change_permission(self, request, obj=None):
        # An existing round's settings change only by a new version (「新しい版を作成」).
        return super().has_change_permission(request, obj) and obj is None

    def has_delete_permission(self, request, obj=None):
        return False  # the round's reviews, scores and decisions were made under them

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is None:
            return super().delete_view(request, object_id, extra_context)
        _require_staff(request)
        self.message_user(request, "公募回の審査設定は削除できません（審査・評点・決定がこの設定のもとで行われるため）。"
                                   "変える場合は「新しい版を作成」を使ってください。", messages.ERROR)
        return redirect("admin:review_roundreviewsettings_change", obj.pk)

    @admin.display(description="審査設定の版")
    def versions_table(self, settings_):
        rows = format_html_join("", "<tr><td>第{}版</td><td>{}</td><td>{}</td><td>{}</td></tr>", (
            (v.number, timezone.localtime(v.effective_from).strftime("%Y年%m月%d日 %H:%M"),
             v.created_by.display_name if v.created_by else "—", v.reason)
            for v in settings_.versions.select_related("created_by").order_by("-number")))
        url = reverse("admin:review_roundreviewsettings_new_version", args=[settings_.pk])
        return format_html(
            '<p><a class="button" href="{}">新しい版を作成</a>（現在の設定を写した画面で変更し、理由とともに新しい版として'
            '保存します。これまでの版はそのまま残ります）</p><table><thead><tr><th scope="col">版</th>'
            '<th scope="col">適用開始</th><th scope="col">変更した人</th><th scope="col">理由</th></tr></thead>'
            '<tbody>{}</tbody></table>', url, rows or format_html('<tr><td colspan="4">{}</td></tr>', "記録された版はまだありません。"))

    def new_version_view(self, request, pk):
        from ..forms import SettingsVersionForm

        round_settings = self._settings(request, pk)
        form = SettingsVersionForm(request.POST or None, instance=round_settings)
        status = 200
        if request.method == "POST":
            if form.is_valid():
                try:
                    services.round_settings_save(round_settings=form.instance, by=request.user,
                                                 reason=form.cleaned_data["reason"])
                except services.ReviewError as error:
                    form.add_error(None, str(error))
                else:
                    number = round_settings.versions.order_by("-number").values_list("number", flat=True).first()
                    messages.success(request, f"審査設定の第{number}版を作成しました。今から適用します。"
                                              "前の版はそのまま記録に残ります。")
                    return redirect("admin:review_roundreviewsettings_change", pk)
            status = 400
        return _render(self, request, "admin/review/roundreviewsettings/new_version.html",
                       f"{round_settings.selection_round}：審査設定の新しい版", status=status, form=form,
                       round_settings=round_settings)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        from labportal.models import Programme

        criteria_set = selectors.default_criteria_set(Programme.objects.filter(code="dx").first())
        if criteria_set:
            initial.setdefault("criteria_set", criteria_set.pk)
        return initial

    def save_model(self, request, obj, form, change):
        try:
            services.round_settings_save(round_settings=obj, by=request.user)
        except services.ReviewError as error:
            # Only a race can get here (the field is read-only once frozen): say so plainly.
            self.message_user(request, str(error), messages.ERROR)

    @admin.display(description="審査の管理")
    def links(self, settings_):
        pk = settings_.pk
        items = [("ランキング・決定", "ranking"), ("割当", "assign"), ("自動割当", "auto_assign"), ("公表", "announce"),
                 ("Excel", "export_xlsx"), ("CSV", "export_csv")]
        return format_html_join("　", '<a href="{}">{}</a>',
                                ((reverse(f"admin:review_roundreviewsettings_{name}", args=[pk]), label)
                                 for label, name in items))

    def get_urls(self):
        view = self.admin_site.admin_view
        urls = [
            path("<int:pk>/ranking/", view(self.ranking_view), name="review_roundreviewsettings_ranking"),
            path("<int:pk>/new-version/", view(self.new_version_view), name="review_roundreviewsettings_new_version"),
            path("<int:pk>/assign/", view(self.assign_view), name="review_roundreviewsettings_assign"),
            path("<int:pk>/auto-assign/", view(self.auto_assign_view), name="review_roundreviewsettings_auto_assign"),
            path("<int:pk>/announce/", view(self.announce_view), name="review_roundreviewsettings_announce"),
            path("<int:pk>/results.xlsx", view(self.export_xlsx_view), name="review_roundreviewsettings_export_xlsx"),
            path("<int:pk>/results.csv", view(self.export_csv_view), name="review_roundreviewsettings_export_csv"),
        ]
        return urls + super().get_urls()

    def _settings(self, request, pk) -> RoundReviewSettings:
        _require_staff(request)
        return get_object_or_404(RoundReviewSettings.objects.select_related("selection_round__programme",
                                                                            "criteria_set"), pk=pk)

    def ranking_view(self, request, pk):
        """Every application of the round, ranked, with the decision form; no pagination and a
        fixed number of queries however many applications."""
        round_settings = self._settings(request, pk)
        selection_round = round_settings.selection_round
        form = BulkDecisionForm(request.POST or None, selection_round=selection_round)
        status = 200
        if request.method == "POST":
            if form.is_valid():
                try:
                    decisions = services.decisions_record(
                        applications=list(form.cleaned_data["applications"]), outcome=form.cleaned_data["outcome"],
                        reason=form.cleaned_data["reason"], by=request.user,
                        message_to_applicant=form.cleaned_data["message_to_applicant"])
                except services.ReviewError as error:
                    messages.error(request, str(error))
                    status = 409
                else:
                    messages.success(request, f"{len(decisions)}件の決定を記録しました（公表するまで申請者には通知されません）。")
                    return redirect("admin:review_roundreviewsettings_ranking", pk)
            else:
                status = 400
        ranking = selectors.round_ranking(selection_round, round_settings)
        return _render(self, request, "admin/review/roundreviewsettings/ranking.html",
                       f"{selection_round}：審査結果とランキング", ranking=ranking, round_settings=round_settings,
                       form=form, status=status)

    def assign_view(self, request, pk):
        round_settings = self._settings(request, pk)
        selection_round = round_settings.selection_round
        form = AssignForm(request.POST or None, selection_round=selection_round,
                          initial={"applications": request.GET.getlist("applications")})
        result = None
        if request.method == "POST" and form.is_valid():
            reviewers = {r.pk: r for r in selectors.reviewers().filter(pk__in=form.cleaned_data["reviewers"])}
            pairs = [(application, reviewers[pk]) for application in form.cleaned_data["applications"]
                     for pk in form.cleaned_data["reviewers"] if pk in reviewers]
            try:
                result = services.reviews_assign(selection_round=selection_round, pairs=pairs, by=request.user,
                                                 due_at=form.cleaned_data["due_at"])
            except services.ReviewError as error:
                form.add_error(None, str(error))
            else:
                if result.created:
                    messages.success(request, f"{len(result.created)}件を割り当てました。審査員にメールでお知らせします。")
                for application, reviewer, reason in result.refused:
                    messages.warning(request, f"{application.receipt_number or application.pk}: {reason}")
                if not result.refused:
                    return redirect("admin:review_roundreviewsettings_assign", pk)
        current = self._current_assignments(selection_round)
        form.fields["applications"].label_from_instance = lambda a: (
            f"{a.receipt_number or a.pk}　{a.basic.lab_name or '（名称未入力）'}（{a.organisation.name}）"
            f"　— 審査員: {current.get(a.pk) or 'なし'}")
        return _render(self, request, "admin/review/roundreviewsettings/assign.html",
                       f"{selection_round}：審査員の割当", form=form, round_settings=round_settings,
                       short=list(selectors.applications_needing_reviewers(selection_round)))

    def _current_assignments(self, selection_round) -> dict[int, str]:
        """{application id: 「name（state）、…」} of its reviews, in one query."""
        names: dict[int, list[str]] = {}
        for review in (Review.objects.filter(application__selection_round=selection_round)
                       .select_related("reviewer").order_by("assigned_at", "pk")):
            names.setdefault(review.application_id, []).append(
                f"{review.reviewer.display_name}（{review.get_state_display()}）")
        return {pk: "、".join(found) for pk, found in names.items()}

    def auto_assign_view(self, request, pk):
        round_settings = self._settings(request, pk)
        selection_round = round_settings.selection_round
        form = AutoAssignForm(request.POST or None,
                              initial={"per_application": round_settings.reviewers_per_application})
        if request.method == "POST" and form.is_valid():
            pool = None
            if form.cleaned_data["reviewers"]:
                pool = list(selectors.reviewers().filter(pk__in=form.cleaned_data["reviewers"]))
            try:
                result = services.reviews_auto_assign(
                    selection_round=selection_round, by=request.user, reviewer_pool=pool,
                    per_application=form.cleaned_data["per_application"], due_at=form.cleaned_data["due_at"])
            except services.ReviewError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"{len(result.created)}件を自動で割り当てました。")
                for application, missing in result.shortfalls:
                    messages.warning(request, f"{application.receipt_number or application.pk}: 利害関係のない審査員が"
                                              f"{missing}人足りません。審査員を追加してください。")
                return redirect("admin:review_roundreviewsettings_assign", pk)
        loads = selectors.reviewer_loads(selection_round, [r.pk for r in selectors.reviewers()])
        return _render(self, request, "admin/review/roundreviewsettings/auto_assign.html",
                       f"{selection_round}：自動割当", form=form, round_settings=round_settings,
                       loads=[(r, loads.get(r.pk, 0)) for r in selectors.reviewers()])

    def announce_view(self, request, pk):
        round_settings = self._settings(request, pk)
        selection_round = round_settings.selection_round
        form = AnnounceForm(request.POST or None, initial={"announced_on": timezone.localdate()})
        if request.method == "POST" and form.is_valid():
            try:
                result = services.round_announce(selection_round=selection_round, by=request.user,
                                                 announced_on=form.cleaned_data["announced_on"])
            except services.ReviewError as error:
                form.add_error(None, str(error))
            else:
                if result.already_announced:
                    messages.info(request, "この公募回は公表済みです。")
                else:
                    messages.success(request, f"公表しました: 決定{len(result.announced)}件、ラボの登録{len(result.labs)}件。"
                                              "申請者に結果をメールでお知らせします。")
                return redirect("admin:review_roundreviewsettings_ranking", pk)
        applications = selectors.reviewable_applications(selection_round).annotate(
            has_decision=Count("decision"))
        decisions = Decision.objects.filter(application__selection_round=selection_round)
        summary = decisions.aggregate(
            selected=Count("pk", filter=Q(outcome=Decision.Outcome.SELECTED, announced_at__isnull=True)),
            not_selected=Count("pk", filter=Q(outcome=Decision.Outcome.NOT_SELECTED, announced_at__isnull=True)),
            announced=Count("pk", filter=Q(announced_at__isnull=False)))
        return _render(self, request, "admin/review/roundreviewsettings/announce.html", f"{selection_round}：公表",
                       form=form, round_settings=round_settings, summary=summary,
                       undecided=[a for a in applications if not a.has_decision])

    def export_xlsx_view(self, request, pk):
        round_settings = self._settings(request, pk)
        response = HttpResponse(exports.round_results_xlsx(round_settings.selection_round),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="{exports.filename(round_settings.selection_round, "xlsx")}"'
        return response

    def export_csv_view(self, request, pk):
        round_settings = self._settings(request, pk)
        response = HttpResponse(exports.round_results_csv(round_settings.selection_round),
                                content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{exports.filename(round_settings.selection_round, "csv")}"'
        return response


@admin.register(Decision)
class DecisionAdmin(StaffOnly, HistoryAdmin):
    form = DecisionForm
    list_display = ["application", "lab_name", "outcome", "status", "decided_by", "decided_at", "announced_at", "lab"]
    list_filter = ["application__selection_round", "outcome", ("announced_at", admin.EmptyFieldListFilter)]
    list_select_related = ["application__basic", "decided_by", "lab"]
    search_fields = ["application__receipt_number", "application__basic__lab_name", "application__organisation__name"]
    readonly_fields = ["decided_by", "decided_at", "announced_at", "lab"]

    @admin.display(description="ラボの名称")
    def lab_name(self, decision):
        return decision.application.basic.lab_name

    @admin.display(description="公表")
    def status(self, decision):
        return decision.status_label

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_announced:
            return ["application", "outcome", "reason", "message_to_applicant", *self.readonly_fields]
        if obj is not None:
            return ["application", *self.readonly_fields]
        return self.readonly_fields

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj is not None and obj.is_announced)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.is_announced)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # pending decisions are removed one by one, via the service
        return actions

    def save_model(self, request, obj, form, change):
        decision = services.decision_record(
            application=obj.application, outcome=obj.outcome, reason=obj.reason, by=request.user,
            message_to_applicant=obj.message_to_applicant)
        obj.pk = decision.pk

    def delete_model(self, request, obj):
        services.decision_cancel(decision=obj, by=request.user)

    def get_form(self, request, obj=None, **kwargs):
        form_class = super().get_form(request, obj, **kwargs)

        class CheckedDecisionForm(form_class):
            """Refuses in the form what decision_record would refuse, so save_model never fails."""

            def clean(inner):
                cleaned = super().clean()
                application = cleaned.get("application") or getattr(obj, "application", None)
                refusal = application is not None and services.decision_refusal(application)
                if refusal:
                    raise ValidationError(refusal)
                return cleaned
        return CheckedDecisionForm


@admin.register(Hearing)
class HearingAdmin(StaffOnly, HistoryAdmin):
    form = HearingForm
    list_display = ["application", "scheduled_at", "format", "place", "state", "created_by"]
    list_filter = ["application__selection_round", "format", ("cancelled_at", admin.EmptyFieldListFilter)]
    list_select_related = ["application", "created_by"]
    search_fields = ["application__receipt_number", "application__organisation__name", "place"]
    readonly_fields = ["cancelled_at", "revision", "created_by", "created_at"]
    actions = ["cancel"]

    @admin.display(description="状態")
    def state(self, hearing):
        return "中止" if hearing.is_cancelled else "予定"

    def get_readonly_fields(self, request, obj=None):
        return ["application", *self.readonly_fields] if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in form.changed_data if name != "application"}
        if change:
            services.hearing_update(hearing=obj, by=request.user, **fields)
            messages.info(request, "日時・形式・場所・ご案内を変更した場合は、申請者に変更のお知らせを送ります。")
            return
        hearing = services.hearing_schedule(
            application=obj.application, by=request.user, scheduled_at=obj.scheduled_at, place=obj.place,
            format=obj.format, duration_minutes=obj.duration_minutes, message=obj.message, notes=obj.notes)
        obj.pk = hearing.pk
        messages.info(request, "申請者にヒアリングのご案内をメールで送ります。")

    def has_delete_permission(self, request, obj=None):
        return False  # cancel instead: the applicant is told

    @admin.action(description="選択したヒアリングを中止し、申請者に知らせる")
    def cancel(self, request, queryset):
        for hearing in queryset:
            services.hearing_cancel(hearing=hearing, by=request.user)
        self.message_user(request, f"{queryset.count()}件のヒアリングを中止しました。", messages.SUCCESS)


def assign_reviewers(modeladmin, request, queryset):
    """An action for the applications' changelist: go to the round's assignment page with the
    chosen applications ticked (all must be of one round)."""
    rounds = set(queryset.values_list("selection_round_id", flat=True))
    if len(rounds) != 1:
        modeladmin.message_user(request, "同じ公募回の申請を選んでください。", messages.ERROR)
        return None
    round_settings = RoundReviewSettings.objects.filter(selection_round_id=rounds.pop()).first()
    if round_settings is None:
        modeladmin.message_user(request, "この公募回の審査設定がありません。先に「公募回の審査設定」を作成してください。",
                                messages.ERROR)
        return None
    ids = "&".join(f"applications={pk}" for pk in queryset.values_list("pk", flat=True))
    return HttpResponseRedirect(reverse("admin:review_roundreviewsettings_assign", args=[round_settings.pk]) + "?" + ids)


assign_reviewers.short_description = "選択した申請に審査員を割り当てる"
