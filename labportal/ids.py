"""Ids typed in an address or sent by a form, checked before any query (issue 15, "No 500").

A value that is not a number, or a number no database integer column holds (a 20-digit id makes
SQLite raise OverflowError and PostgreSQL refuse the statement), stands for no row: the admin
answers "does not exist" (labportal.admin_safety) and a form answers with an error on its field
(the choice fields below), never 500.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import connection, models

BAD_KEY_ERRORS = (ValueError, OverflowError, TypeError, ValidationError)


def integer_in_range(value, internal_type: str = "BigIntegerField") -> bool:
    """`value` is a decimal integer that a database column of `internal_type` can hold."""
    try:
        number = int(str(value), 10)
    except (TypeError, ValueError):
        return False
    low, high = connection.ops.integer_field_range(internal_type)
    return (low is None or number >= low) and (high is None or number <= high)


def key_or_none(model, value, field_name=None):
    """The value of `model`'s primary key (or of its field `field_name`) that `value` stands for,
    or None when no row can have it: not of the field's kind, or out of its integer range."""
    pk = model._meta.get_field(field_name) if field_name else model._meta.pk
    while isinstance(pk, models.OneToOneField):  # multi-table inheritance: the parent's key
        pk = pk.target_field
    try:
        key = pk.to_python(value if isinstance(value, str | int) else str(value))
    except BAD_KEY_ERRORS:
        return None
    if key is None:
        return None
    if isinstance(pk, models.IntegerField) and not integer_in_range(key, pk.get_internal_type()):
        return None
    return key


class IdCheckedChoiceMixin:
    """A model choice field whose values are checked to be keys of its model before the query that
    looks them up; anything else is the field's "invalid choice" error."""

    def _refuse_unless_key(self, value):
        if key_or_none(self.queryset.model, value, self.to_field_name) is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                  params={"value": str(value)[:50]})


class ModelChoiceField(IdCheckedChoiceMixin, forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and not isinstance(value, self.queryset.model):
            self._refuse_unless_key(value)
        return super().to_python(value)


class ModelMultipleChoiceField(IdCheckedChoiceMixin, forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        try:
            values = frozenset(value)
        except TypeError:
            values = frozenset()  # Django's own check says "enter a list of values"
        for item in values:
            self._refuse_unless_key(item)
        return super()._check_values(value)
