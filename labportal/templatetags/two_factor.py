"""Template helpers of the two-factor pages (templates/mfa/): who must use it, the secret in
readable groups, the QR code as inline SVG, and where to continue after the set-up."""

import re

from django import template
from django.utils.safestring import mark_safe

from labportal import two_factor

register = template.Library()


@register.filter
def two_factor_required(user) -> bool:
    return two_factor.two_factor_required(user)


@register.filter
def in_groups_of_four(secret: str) -> str:
    """ABCDEFGH… → "ABCD EFGH …": easier to copy by hand; authenticator apps ignore the spaces."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


@register.filter
def inline_svg(svg: str) -> str:
    """allauth's QR code SVG, without its XML declaration (not HTML), hidden from assistive
    technology: the element around it carries role="img" and the text alternative."""
    svg = re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", svg)
    return mark_safe(svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1))


@register.simple_tag(takes_context=True)
def two_factor_next_url(context) -> str:
    return two_factor.enrolment_next_url(context["request"])
