"""`{% lab_mark_link lab %}` on a lab's public page: the mark's download link, shown only to
members of the organisation whose application became the lab (one query, only when logged in)."""

from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("review/lab_mark_link.html", takes_context=True)
def lab_mark_link(context, lab):
    request = context.get("request")
    user = getattr(request, "user", None)
    allowed = bool(user is not None and user.is_authenticated and lab.programme.code == "dx"
                   and selectors.lab_mark_allowed(user, lab))
    return {"lab": lab, "allowed": allowed}


@register.inclusion_tag("admin/review/round_links.html", takes_context=True)
def review_round_links(context):
    """On the admin index, for staff who manage reviews: each round with review settings and its
    ranking, one click away (newest first; one query, none for anyone else)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not selectors.manages_reviews(user):
        return {"rounds": []}
    from ..models import RoundReviewSettings

    return {"rounds": list(RoundReviewSettings.objects.select_related("selection_round__programme")
                           .order_by("-selection_round__programme_id", "-selection_round__number")[:12])}
