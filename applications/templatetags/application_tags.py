"""Form rendering for the applicant's pages: a widget with its error and help ids wired for
screen readers, and the 「※必須」 mark for what submission requires (drafts may be partial)."""

from django import template

register = template.Library()


@register.simple_tag
def widget(field, **attrs):
    """`{% widget field %}`: the field's widget with is-invalid, aria-invalid and
    aria-describedby pointing at its help text, its errors and its character counter."""
    classes = field.field.widget.attrs.get("class", "")
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_helptext")
    if field.errors:
        classes = f"{classes} is-invalid".strip()
        described.append(f"{field.auto_id}_errors")
        attrs["aria-invalid"] = "true"
    if field.field.widget.attrs.get("data-maxlength"):
        described.append(f"{field.auto_id}_counter")
    if described:
        attrs["aria-describedby"] = " ".join(described)
    attrs["class"] = classes
    return field.as_widget(attrs=attrs)


@register.filter
def widget_type(field):
    return field.widget_type


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key)


@register.filter
def maxlength(field):
    """The length limit of a text field (shown by the counter, never enforced by the browser)."""
    return field.field.widget.attrs.get("data-maxlength", "")


@register.filter
def in_set(value, collection):
    return value in (collection or ())


@register.filter
def section_blank(application, key):
    """True when nothing is typed in the section (the navigation then says 未入力, not 入力済,
    for an optional section such as その他 that has no missing required items)."""
    from django.core.exceptions import ObjectDoesNotExist

    try:
        section = getattr(application, key)
    except (ObjectDoesNotExist, AttributeError):
        return True
    skip = {"id", "application", "version", "updated_at", "updated_by"}
    return not any(getattr(section, f.attname) not in (None, "") for f in section._meta.concrete_fields
                   if f.name not in skip)
