"""The role groups and their permissions, kept in step with the models after every migrate.

applicant: no admin access at all (never is_staff). reviewer: the admin, limited to what the
review app grants: their own reviews (担当する審査) and conflicts of interest. staff (事務局): everything of
our apps in the admin, and viewing accounts.
"""

from django.apps import apps as global_apps

from .models import Role

STAFF_APPS = ("labportal", "applications", "review", "transition")
REVIEWER_PERMISSIONS = (
    "review.view_criteriaset", "review.view_criterion",
    # Their own reviews and conflicts only: review.admin narrows every queryset to the user.
    "review.view_assignedreview", "review.change_assignedreview",
    "review.view_conflictofinterest", "review.add_conflictofinterest",
    "review.score_assigned_reviews",
)
# Permissions that mark a role rather than grant a page: never given to staff with their apps.
REVIEWER_ONLY = ("score_assigned_reviews",)


def sync_roles(apps=global_apps, **kwargs):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    applicant, _ = Group.objects.get_or_create(name=Role.APPLICANT)
    reviewer, _ = Group.objects.get_or_create(name=Role.REVIEWER)
    staff, _ = Group.objects.get_or_create(name=Role.STAFF)
    applicant.permissions.clear()
    reviewer.permissions.set(_permissions(Permission, REVIEWER_PERMISSIONS))
    staff.permissions.set(
        Permission.objects.filter(content_type__app_label__in=STAFF_APPS).exclude(codename__in=REVIEWER_ONLY)
        | Permission.objects.filter(content_type__app_label="labportal", codename="view_user")
        | Permission.objects.filter(content_type__app_label="auth", codename="view_group")
    )


def _permissions(Permission, names):
    perms = Permission.objects.none()
    for name in names:
        app_label, codename = name.split(".")
        perms |= Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return perms
