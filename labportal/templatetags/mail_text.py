"""Filters of the mail texts (templates/mail/)."""

from django import template

from labportal.normalise import one_line

register = template.Library()


@register.filter(name="oneline")
def oneline(value):
    """The subject on one line whatever a name in it holds (a LF cut the subject short)."""
    return one_line(str(value))
