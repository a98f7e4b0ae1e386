from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`{{ counts|get_item:key }}`: a dict lookup in templates (0 when the key is missing)."""
    return (mapping or {}).get(key, 0)


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (or removed when given "")."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value not in ("", None):
            query[key] = value
    return "?" + query.urlencode() if query else "?"


@register.filter
def plain_markup(text, heading_level=2):
    """Staff's text for the public pages, escaped, with paragraphs, 「## 」 headings, 「- 」 lists and
    links (labportal.markup)."""
    from labportal.markup import render

    return render(text, int(heading_level))
