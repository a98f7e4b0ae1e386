"""What the review admins share: history without revert (a revert would bypass the services)."""

from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from .. import selectors


class HistoryAdmin(SimpleHistoryAdmin):
    """Shows who changed what and when; never reverts (states change only through services)."""

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        raise PermissionDenied


class StaffOnly:
    """Visible and usable only by staff (事務局) and superusers: review.manage_reviews."""

    def has_module_permission(self, request):
        return selectors.manages_reviews(request.user)

    def has_view_permission(self, request, obj=None):
        return selectors.manages_reviews(request.user)

    def has_add_permission(self, request):
        return selectors.manages_reviews(request.user)

    def has_change_permission(self, request, obj=None):
        return selectors.manages_reviews(request.user)

    def has_delete_permission(self, request, obj=None):
        return selectors.manages_reviews(request.user)
