"""Names for the inputs of the admin's tabular inlines. A tabular inline shows each field's name once,
as a column heading, and no label beside the inputs, so axe (label, select-name) and a screen reader
find inputs without a name; each gets aria-label 「<field>（<n>行目）」."""

from django.contrib import admin
from django.forms.models import BaseInlineFormSet


class LabelledInlineFormSet(BaseInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        row = "新しい行" if index is None else f"{index + 1}行目"
        for name, field in form.fields.items():
            field.widget.attrs.setdefault("aria-label", f"{field.label or name}（{row}）")


class LabelledTabularInline(admin.TabularInline):
    formset = LabelledInlineFormSet
