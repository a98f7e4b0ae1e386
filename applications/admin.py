"""Applications in the admin, for staff (事務局): every application of a round with filters,
read-only (staff never edit an applicant's text), exports as CSV and Excel, 差し戻し with a
message and a due date, and the changes between submitted versions."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext

from labportal.admin_a11y import LabelledTabularInline
from labportal.admin_safety import OfferedValuesListFilter
from labportal import state_machine
from labportal.admin_safety import OfferedValuesListFilter
from labportal.models import Bureau, Prefecture, Region, SelectionRound
from labportal.reference_admin import DeleteRefusedMixin, RetirableAdmin
from labportal.security import AccessRefused

from . import exports, services
from .models import (
    Activity,
    Application,
    ApplicationEvent,
    ApplicationVersion,
    Attachment,
    Initiative,
    Invitation,
    Membership,
    Organisation,
    Quadrant,
    RegionalityAspect,
    RevisionRequest,
)
from .forms import InputMixin
from .selectors import application_with_sections, sections_for_display


class ReadOnlyInline(LabelledTabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MembershipInline(LabelledTabularInline):
    model = Membership
    extra = 0
    fields = ["user", "role", "state", "approved_at"]
    # A join request is approved through the service (所属 list's action), never by editing it.
    readonly_fields = ["state", "approved_at"]
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "status", "region_names", "created_at"]
    list_filter = ["status", "kind", "regions__prefecture__bureau"]
    search_fields = ["name", "name_kana"]
    autocomplete_fields = ["regions"]
    readonly_fields = ["status", "created_by", "created_at", "confirmed_at"]
    inlines = [MembershipInline]
    actions = ["confirm", "reject"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("regions")

    @admin.display(description="対象地域")
    def region_names(self, organisation):
        return "、".join(r.name for r in organisation.regions.all())

    @admin.action(description="選択した申請主体を「確認済」にする")
    def confirm(self, request, queryset):
        for organisation in queryset:
            services.organisation_confirm(organisation=organisation, by=request.user)
        self.message_user(request, f"{queryset.count()}件を確認済にしました。", messages.SUCCESS)

    @admin.action(description="選択した申請主体を「確認できず」にする（却下。事務局確認待ちのものだけ）")
    def reject(self, request, queryset):
        rejected, refused = 0, []
        for organisation in queryset:
            try:
                services.organisation_reject(organisation=organisation, by=request.user, reason="管理画面で却下")
                rejected += 1
            except state_machine.TransitionNotAllowed:
                refused.append(organisation.name)
        if rejected:
            self.message_user(request, f"{rejected}件を「確認できず」にしました。", messages.SUCCESS)
        if refused:
            self.message_user(request, "事務局確認待ちでないため変更していません: " + "、".join(refused),
                              messages.WARNING)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Join requests and members. A membership is made by registration, a join request or an
    invitation; staff approve a request here with the action (the state is never edited)."""

    list_display = ["user", "organisation", "role", "state", "created_at", "approved_at"]
    list_filter = ["state", "role"]
    list_select_related = ["user", "organisation"]
    search_fields = ["user__email", "user__last_name", "organisation__name"]
    fields = ["user", "organisation", "role", "state", "created_at", "approved_by", "approved_at"]
    readonly_fields = ["user", "organisation", "state", "created_at", "approved_by", "approved_at"]
    actions = ["approve"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="選択した承認待ちの参加申請を承認する")
    def approve(self, request, queryset):
        pending = list(queryset.filter(state=Membership.State.PENDING))
        for membership in pending:
            services.membership_approve(membership=membership, by=request.user, actor=state_machine.Actor.STAFF)
        self.message_user(request, f"{len(pending)}件の参加申請を承認しました。",
                          messages.SUCCESS if pending else messages.WARNING)


@admin.register(Invitation)
class InvitationAdmin(DeleteRefusedMixin, admin.ModelAdmin):
    """An accepted invitation is the record of how a member joined: never deleted. A pending one
    may be withdrawn (取り消し), one by one or by the action, through the service."""

    list_display = ["email", "organisation", "invited_by", "created_at", "accepted_at"]
    list_select_related = ["organisation", "invited_by"]
    search_fields = ["email", "organisation__name"]
    readonly_fields = ["organisation", "email", "invited_by", "accepted_at", "accepted_by"]
    actions = ["revoke"]

    def delete_refusal(self, invitation):
        return f"「{invitation.email}」への招待は受諾済みのため削除できません（メンバーになった記録として残します）。"

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.accepted_at is None)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # it would delete accepted ones too: see 取り消す
        return actions

    def delete_model(self, request, obj):
        services.invitation_revoke(invitation=obj, by=request.user)

    @admin.action(description="選択した未受諾の招待を取り消す（受諾済みの招待は残します）", permissions=["delete"])
    def revoke(self, request, queryset):
        revoked, kept = 0, 0
        for invitation in queryset:
            try:
                services.invitation_revoke(invitation=invitation, by=request.user)
                revoked += 1
            except services.ApplicationError:
                kept += 1
        self.message_user(request, f"{revoked}件の招待を取り消しました。", messages.SUCCESS)
        if kept:
            self.message_user(request, f"{kept}件は受諾済みのため取り消していません（記録として残します）。",
                              messages.WARNING)


# --- Applications -----------------------------------------------------------------------------

class BureauFilter(OfferedValuesListFilter):
    title = "経済産業局"
    parameter_name = "bureau"

    def lookups(self, request, model_admin):
        return [(b.code, b.name) for b in Bureau.objects.order_by("order")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(basic__regions__prefecture__bureau__code=self.value()).distinct()
        return queryset


class SelectionRoundFilter(OfferedValuesListFilter):
    title = "公募回"
    parameter_name = "selection_round"

    def lookups(self, request, model_admin):
        rounds = SelectionRound.objects.select_related("programme").filter(programme__code="dx")
        return [(r.pk, str(r)) for r in rounds.order_by("-number")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(selection_round_id=self.value())
        return queryset


class PrefectureFilter(OfferedValuesListFilter):
    title = "都道府県"
    parameter_name = "prefecture"

    def lookups(self, request, model_admin):
        return [(p.code, p.name) for p in Prefecture.objects.order_by("code")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(basic__regions__prefecture__code=self.value()).distinct()
        return queryset


class _ChoiceM2MFilter(OfferedValuesListFilter):
    model = None
    lookup = ""

    def lookups(self, request, model_admin):
        return [(item.code, str(item)) for item in self.model.objects.all()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.lookup: self.value()}).distinct()
        return queryset


class InitiativeFilter(_ChoiceM2MFilter):
    title, parameter_name, model, lookup = "該当する取組", "initiative", Initiative, "innovation__initiatives__code"

    def lookups(self, request, model_admin):
        return [(i.code, f"{i.numeral} {i.name[:20]}…") for i in Initiative.objects.all()]


class QuadrantFilter(_ChoiceM2MFilter):
    title, parameter_name, model, lookup = "象限", "quadrant", Quadrant, "innovation__quadrants__code"


class EventInline(ReadOnlyInline):
    model = ApplicationEvent
    fields = ["created_at", "from_state", "to_state", "actor", "user", "message"]
    readonly_fields = fields
    verbose_name_plural = "状態の履歴"


class RevisionRequestInline(ReadOnlyInline):
    model = RevisionRequest
    fields = ["created_at", "message", "due_at", "requested_by", "resolved_at"]
    readonly_fields = fields


class VersionInline(ReadOnlyInline):
    model = ApplicationVersion
    fields = ["number", "submitted_at", "submitted_by", "changes"]
    readonly_fields = fields

    @admin.display(description="変更点")
    def changes(self, version):
        if version.number == 1:
            return "（初回の提出）"
        url = reverse("admin:applications_application_versions", args=[version.application_id])
        return format_html('<a href="{}?version={}">第{}版との差分を見る</a>', url, version.number,
                           version.number - 1)


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["kind", "download", "content_type", "size", "uploaded_at"]
    readonly_fields = fields

    @admin.display(description="ファイル")
    def download(self, attachment):
        url = reverse("admin:applications_attachment_download", args=[attachment.pk])
        return format_html('<a href="{}">{}</a>', url, attachment.original_name)


class ReturnForm(InputMixin, forms.Form):
    message = forms.CharField(label="修正を依頼する内容", widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
                              help_text="申請者へのメールと申請者の画面にそのまま表示されます。")
    due_at = forms.DateTimeField(label="再提出期限", widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                               format="%Y-%m-%dT%H:%M"),
                                 input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                 help_text="日本時間。例: 2026-05-15 17:00")


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["receipt_or_id", "lab_name", "organisation", "selection_round", "state", "prefectures",
                    "submitted_at"]
    list_display_links = ["receipt_or_id", "lab_name"]
    # One 状態 filter: the application's. An organisation's own 状態 is filtered in 申請主体's list.
    list_filter = ["state", SelectionRoundFilter, BureauFilter, PrefectureFilter, InitiativeFilter, QuadrantFilter]
    list_select_related = ["selection_round__programme", "organisation", "basic"]
    search_fields = ["receipt_number", "basic__lab_name", "organisation__name"]
    date_hierarchy = "submitted_at"
    # By the round's id, not the round model's own ordering (programme, number), which would join
    # and sort every application to show 50 (make bench: 190 ms on 1,788); the index
    # application_staff_list_order gives the first 50 without sorting them all.
    ordering = ["-selection_round_id", "receipt_seq", "id"]
    list_per_page = 50
    fields = ["receipt_number", "state", "organisation", "selection_round", "first_submitted_at", "submitted_at",
              "content"]
    readonly_fields = fields
    inlines = [RevisionRequestInline, VersionInline, EventInline, AttachmentInline]
    actions = ["export_csv", "export_xlsx", "start_review", "assign_reviewers"]
    change_form_template = "admin/applications/application/change_form.html"
    change_list_template = "admin/applications/application/change_list.html"

    def get_queryset(self, request):
        regions = Region.objects.select_related("prefecture__bureau")
        return super().get_queryset(request).prefetch_related(Prefetch("basic__regions", queryset=regions))

    def has_add_permission(self, request):
        return False  # applicants apply; staff never write an application for them

    def action_checkbox(self, application):
        # The same <input> as Django's, written directly: its CheckboxInput renders three
        # templates per row (bench.timepage on 1,788 applications: 39 → 28 ms of CPU a page).
        label = format_html(gettext("Select this object for an action - {}"), str(application))
        return format_html('<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
                           ACTION_CHECKBOX_NAME, str(application.pk), label)

    @admin.action(description="選択した申請に審査員を割り当てる", permissions=["assign_reviewers"])
    def assign_reviewers(self, request, queryset):
        from review.admin.staff import assign_reviewers  # the review app owns assignment

        return assign_reviewers(self, request, queryset)

    def has_assign_reviewers_permission(self, request):
        return request.user.has_perm("review.add_review")

    def has_delete_permission(self, request, obj=None):
        return False  # withdrawal and decisions keep the record

    def has_change_permission(self, request, obj=None):
        return False  # read-only: changes go through the buttons (差し戻し) and services

    @admin.display(description="受付番号", ordering="receipt_seq")
    def receipt_or_id(self, application):
        return application.receipt_number or f"（未提出 #{application.pk}）"

    @admin.display(description="ラボの名称", ordering="basic__lab_name")
    def lab_name(self, application):
        return application.basic.lab_name or "（未入力）"

    @admin.display(description="都道府県")
    def prefectures(self, application):
        return "、".join(sorted({r.prefecture.name for r in application.basic.regions.all()}))

    @admin.display(description="申請内容")
    def content(self, application):
        full = application_with_sections().get(pk=application.pk)
        return render_to_string("admin/applications/application/sections.html", {
            "section_views": sections_for_display(full), "attachments": None})

    # --- exports --------------------------------------------------------------------------

    def _export(self, queryset, kind):
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        if kind == "csv":
            response = HttpResponse(exports.as_csv(queryset), content_type="text/csv; charset=utf-8")
            filename = f"applications-{stamp}.csv"
        else:
            response = HttpResponse(exports.as_xlsx(queryset), content_type=(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
            filename = f"applications-{stamp}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @admin.action(description="選択した申請をCSVで出力")
    def export_csv(self, request, queryset):
        return self._export(queryset, "csv")

    @admin.action(description="選択した申請をExcelで出力")
    def export_xlsx(self, request, queryset):
        return self._export(queryset, "xlsx")

    def export_filtered(self, request, kind):
        """Every application the changelist shows with the current filters (no selection needed)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            # As the list answers a filter it cannot apply: back to it, with Django's message.
            return redirect(reverse("admin:applications_application_changelist") + f"?{ERROR_FLAG}=1")
        return self._export(changelist.get_queryset(request), kind)

    @admin.action(description="選択した提出済の申請を「審査中」にする")
    def start_review(self, request, queryset):
        moved = services.applications_transition_bulk(
            applications=list(queryset.filter(state=Application.State.SUBMITTED)),
            to_state=Application.State.UNDER_REVIEW, actor=ApplicationEvent.Actor.STAFF, user=request.user)
        self.message_user(request, f"{len(moved)}件を審査中にしました。", messages.SUCCESS)

    # --- extra pages ----------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("export.csv", view(lambda r: self.export_filtered(r, "csv")),
                 name="applications_application_export_csv"),
            path("export.xlsx", view(lambda r: self.export_filtered(r, "xlsx")),
                 name="applications_application_export_xlsx"),
            path("<int:pk>/return/", view(self.return_view), name="applications_application_return"),
            path("<int:pk>/versions/", view(self.versions_view), name="applications_application_versions"),
            path("attachments/<int:pk>/download/", view(self.attachment_download),
                 name="applications_attachment_download"),
        ] + super().get_urls()

    def return_view(self, request, pk):
        if not request.user.has_perm("applications.change_application"):
            raise PermissionDenied
        application = get_object_or_404(Application.objects.select_related("basic", "organisation"), pk=pk)
        form = ReturnForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.application_return_for_revision(
                    application_id=application.pk, by=request.user, message=form.cleaned_data["message"],
                    due_at=form.cleaned_data["due_at"])
            except services.ApplicationError as error:
                form.add_error(None, str(error))
            else:
                self.message_user(request, "差し戻しました。申請者にメールでお知らせします。", messages.SUCCESS)
                return redirect("admin:applications_application_change", application.pk)
        return TemplateResponse(request, "admin/applications/application/return.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "application": application,
            "form": form, "title": "申請の差し戻し"})

    def versions_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        application = get_object_or_404(Application, pk=pk)
        versions = list(application.versions.order_by("number"))
        try:
            number = int(request.GET.get("version") or (versions[-1].number if versions else 0))
        except ValueError:
            raise Http404 from None
        by_number = {v.number: v for v in versions}
        if number not in by_number or number - 1 not in by_number:
            changes, new, old = [], by_number.get(number), None
        else:
            new, old = by_number[number], by_number[number - 1]
            changes = services.snapshot_diff(old.data, new.data)
        return TemplateResponse(request, "admin/applications/application/versions.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "application": application,
            "versions": versions, "new": new, "old": old, "changes": changes, "title": "提出版の差分"})

    def attachment_download(self, request, pk):
        """Staff with the permission, or a reviewer assigned to the application; anyone else
        gets 404, the same as for a missing file, so ids reveal nothing."""
        from review.selectors import reviewer_can_see_application

        attachment = get_object_or_404(Attachment, pk=pk)
        if not (request.user.has_perm("applications.view_attachment")
                or reviewer_can_see_application(request.user, attachment.application_id)):
            raise AccessRefused("添付書類", pk)
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                                content_type=attachment.content_type)
        response["Cache-Control"] = "private, no-store"
        return response


@admin.register(Initiative)
class InitiativeAdmin(RetirableAdmin):
    list_display = ["numeral", "name", "code"]


@admin.register(RegionalityAspect)
class RegionalityAspectAdmin(RetirableAdmin):
    list_display = ["numeral", "name", "code"]


@admin.register(Quadrant)
class QuadrantAdmin(RetirableAdmin):
    list_display = ["numeral", "name", "initiative", "order"]
    list_select_related = ["initiative"]


@admin.register(Activity)
class ActivityAdmin(RetirableAdmin):
    list_display = ["name", "stage", "order", "code"]
