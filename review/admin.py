"""The review app in the admin (the reviewer's and staff's pages follow in the next step)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import AssignedReview, Review


@admin.register(Review)
class ReviewAdmin(SimpleHistoryAdmin):
    list_display = ["application", "reviewer", "state", "due_at"]


@admin.register(AssignedReview)
class AssignedReviewAdmin(admin.ModelAdmin):
    list_display = ["application", "state", "due_at"]
