"""The one door from a URL's id to an applicant's objects: anything the user may not see answers
404, exactly like an id that does not exist, so ids of other organisations reveal nothing.

Only active members of an application's organisation pass. Reviewers and staff are not members:
they read applications in the admin, never through these pages. A refusal is AccessRefused (a
404 that labportal's SecurityLogMiddleware records in the security log)."""

from django.db.models import QuerySet
from django.http import Http404

from labportal.security import AccessRefused

from .models import Application, Attachment, Invitation, Membership, Organisation
from .selectors import application_with_section, application_with_sections


def _member_filter(user, prefix=""):
    if not user.is_authenticated or not user.is_active:
        raise AccessRefused("申請者のページ")
    return {f"{prefix}memberships__user": user, f"{prefix}memberships__state": Membership.State.ACTIVE}


def application_for_user(user, pk, *, with_sections=False, section=None) -> Application:
    """The application `pk` if `user` is an active member of its organisation, else Http404.

    `with_sections`: with every section and table (application_with_sections); `section` (a
    section key): with that section and its tables only (application_with_section)."""
    if with_sections:
        queryset = application_with_sections()
    elif section:
        queryset = application_with_section(section)
    else:
        queryset = Application.objects.select_related("selection_round__programme", "organisation")
    try:
        # No DISTINCT: a user has one membership per organisation (membership_unique), so the join
        # yields one row, and DISTINCT over every section's long texts cost 6 ms (make bench).
        # A transition plan is edited, submitted and withdrawn on the transition pages only.
        return (queryset.filter(**_member_filter(user, "organisation__"), transition_request__isnull=True)
                .get(pk=pk))
    except (Application.DoesNotExist, ValueError):
        raise AccessRefused("申請", pk) from None


def member_applications(user) -> QuerySet[Application]:
    """The applications `user` may open on these pages, for a service that reads one locked
    (application_submit): the same filter as application_for_user, in the service's own query."""
    return Application.objects.filter(**_member_filter(user, "organisation__"), transition_request__isnull=True)


def attachment_for_user(user, pk) -> Attachment:
    try:
        return (Attachment.objects.select_related("application__organisation")
                .filter(**_member_filter(user, "application__organisation__")).distinct().get(pk=pk))
    except (Attachment.DoesNotExist, ValueError):
        raise AccessRefused("添付書類", pk) from None


def organisation_for_member(user, pk) -> Organisation:
    try:
        return Organisation.objects.filter(**_member_filter(user)).distinct().get(pk=pk)
    except (Organisation.DoesNotExist, ValueError):
        raise AccessRefused("申請主体", pk) from None


def membership_for_member(user, pk) -> Membership:
    """A membership (e.g. a join request) of an organisation where `user` is an active member."""
    try:
        return (Membership.objects.select_related("organisation", "user")
                .filter(**_member_filter(user, "organisation__")).distinct().get(pk=pk))
    except (Membership.DoesNotExist, ValueError):
        raise AccessRefused("所属", pk) from None


def invitation_by_token(token) -> Invitation:
    try:
        return Invitation.objects.select_related("organisation").get(token=token, accepted_at__isnull=True)
    except Invitation.DoesNotExist:
        raise Http404 from None
