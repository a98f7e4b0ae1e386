"""Template helpers of the transition pages: `{% load transition_tags %}`."""

from django import template

register = template.Library()


@register.filter
def get_count(counter, key) -> int:
    """counter[key] for a Counter or dict, 0 when missing."""
    try:
        return counter.get(key, 0)
    except AttributeError:
        return 0
