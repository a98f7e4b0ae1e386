"""The admin of what staff write for the public pages (issue 16): the fixed pages' texts, お知らせ
and each round's 公募の案内. Imported by labportal.admin."""

from django.contrib import admin
from django.utils.html import format_html

from .models import Notice, PublicPage, RoundGuide


@admin.register(PublicPage)
class PublicPageAdmin(admin.ModelAdmin):
    list_display = ["__str__", "display_title", "updated_at", "view_link"]
    fields = ["slug", "title", "is_draft", "body", "conformance_target", "last_checked_on"]

    def get_readonly_fields(self, request, obj=None):
        return ["slug"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False  # the pages are linked from everywhere: edit them, never delete

    @admin.display(description="公開ページ")
    def view_link(self, page):
        from django.urls import NoReverseMatch, reverse

        names = {"about": "about", "transition": "transition_info", "calls": "calls", "privacy": "privacy",
                 "terms": "terms", "accessibility": "accessibility"}
        try:
            return format_html('<a href="{}">表示する</a>', reverse(names[page.slug]))
        except (KeyError, NoReverseMatch):
            return "—"


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["title", "published_at", "updated_at"]
    date_hierarchy = "published_at"
    search_fields = ["title", "body"]
    fields = ["title", "published_at", "body"]


@admin.register(RoundGuide)
class RoundGuideAdmin(admin.ModelAdmin):
    list_display = ["__str__", "updated_at"]
    list_select_related = ["selection_round__programme"]
    fields = ["selection_round", "review_period", "notification_on", "publication_on", "guidelines_pdf",
              "pdf_title", "guidelines", "faq"]

    def has_delete_permission(self, request, obj=None):
        return False
