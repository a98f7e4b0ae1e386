"""対象地域: the widget that chooses regions among every prefecture and municipality of Japan.

The server renders a plain multiple select, grouped by prefecture, each option carrying its
reading (data-kana) — a complete form without JavaScript. static/js/region-picker.js turns it into
a type-to-search combobox (kanji or kana: 「くまもと」 finds 熊本市) with the chosen regions as
removable chips, and keeps the select's options selected, so the form posts the same field
(`regions`, one value per region) either way.

The options are written directly rather than through Django's per-option templates: 1,800 of them
would cost tens of milliseconds on every render of the section.
"""

from html import escape
from itertools import groupby

from django import forms
from django.utils.html import format_html
from django.utils.safestring import mark_safe


class RegionPicker(forms.SelectMultiple):
    def __init__(self, attrs=None):
        super().__init__(attrs={"size": 8, "data-region-picker": "", **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in (value or [])}
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        final.pop("maxlength", None)
        # Plain rows rather than 1,800 model instances (the queryset the field offers, its order).
        rows = self.choices.queryset.values_list("pk", "kind", "name", "name_kana", "prefecture__name")
        parts = [format_html("<select multiple{}>", forms.widgets.flatatt(final))]
        for prefecture, group in groupby(rows, key=lambda row: row[4]):
            parts.append(format_html('<optgroup label="{}">', prefecture))
            for pk, kind, name, kana, _prefecture in group:
                key = str(pk)
                label = name if kind == "prefecture" else f"{name}（{prefecture}）"  # as str(Region)
                parts.append(
                    f'<option value="{key}" data-kana="{escape(kana)}"'
                    f'{" selected" if key in chosen else ""}>{escape(label)}</option>')
            parts.append("</optgroup>")
        parts.append("</select><noscript><div class=\"form-text\">Ctrl（Mac では ⌘）を押しながらクリックすると"
                     "複数選べます。</div></noscript>")
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
