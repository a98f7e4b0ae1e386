"""The admin never answers 500 to what is typed in an address (issue 15, "No 500").

`PortalAdminSite` (the project's admin site, labportal.apps.PortalAdminConfig) gives every
ModelAdmin registered on it — ours and third-party ones alike — `SafeAdminMixin`, so a new admin
is covered without anyone remembering:

- a changelist whose filters, date hierarchy or lookups cannot be applied (a value of the wrong
  kind, a year no date can have, a number no database integer holds) goes back to the list with
  `?e=1`, as Django's admin answers a bad lookup;
- the ids a many-to-many field is sent are checked before they are looked up (a 20-digit id
  is an error on the field, not an OverflowError of SQLite);
- an object id that is not a key of the model (not a number, or out of the integer range) is
  "does not exist": back to the index with Django's message, on the change, delete and history
  pages; a history version id that is not a number is 404;
- every inline's formset is bounded (BoundedInlineMixin), as the applicant's tables are;
- every "does not exist" answer is recorded in the security log (for a reviewer it is how the
  admin refuses an object that is not theirs).

`OfferedValuesListFilter` is the base of our own list filters: a value the filter does not offer
is a bad lookup, refused before any query.
"""

import logging

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.http import Http404

from .ids import BAD_KEY_ERRORS, ModelMultipleChoiceField, integer_in_range, key_or_none

logger = logging.getLogger(__name__)

# What building a changelist raises when a query parameter cannot be applied: Django's own
# ValueError for year 9999 + 1 in the date hierarchy, OverflowError for a 20-digit year, the
# database adapter's ValueError for a date out of its range (or a NUL), a field's ValidationError.
BAD_LOOKUP_ERRORS = BAD_KEY_ERRORS


class SafeAdminMixin:
    """Bad addresses answer as Django's admin answers a bad lookup or a missing object; and a
    one-line text field of an admin form refuses a line break as the portal's own forms do
    (labportal.input_forms.one_line_form: a name typed here goes into mails' subjects too)."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        from .input_forms import one_line_form

        return one_line_form(super().get_form(request, obj, change=change, **kwargs))

    def get_changelist_instance(self, request):
        try:
            return super().get_changelist_instance(request)
        except IncorrectLookupParameters:
            raise
        except BAD_LOOKUP_ERRORS as error:
            logger.info("管理画面の一覧: 適用できない条件 %s (%s)", request.GET.urlencode()[:200], error)
            raise IncorrectLookupParameters(error) from error

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", ModelMultipleChoiceField)  # ids checked before the query
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_inlines(self, request, obj):
        return [bounded_inline(inline) for inline in super().get_inlines(request, obj)]

    def get_object(self, request, object_id, from_field=None):
        if from_field is None and key_or_none(self.model, object_id) is None:  # Django has unquoted it
            return None
        return super().get_object(request, object_id, from_field)

    def history_view(self, request, object_id, extra_context=None):
        if key_or_none(self.model, unquote(str(object_id))) is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """simple_history's page of one past version (only routed for its admins)."""
        if key_or_none(self.model, unquote(str(object_id))) is None or not integer_in_range(version_id, "AutoField"):
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        from .models import SecurityEvent
        from .services import security_event_record

        security_event_record(kind=SecurityEvent.Kind.ADMIN_NOT_FOUND, request=request,
                              target=f"{opts.verbose_name} #{object_id}")
        return super()._get_obj_does_not_exist_redirect(request, opts, object_id)


# The most rows an admin inline takes when it names no max_num (Django's default builds up to
# 2,000 forms for a forged TOTAL_FORMS before refusing it).
ADMIN_INLINE_ROWS_MAX = 200


class BoundedInlineMixin:
    """An admin inline whose formset holds at most its max_num rows (ADMIN_INLINE_ROWS_MAX when it
    names none), with absolute_max the same and validate_max; its many-to-many ids are checked."""

    def get_formset(self, request, obj=None, **kwargs):
        rows = self.get_max_num(request, obj, **kwargs)
        rows = ADMIN_INLINE_ROWS_MAX if rows is None else rows
        bounds = {"max_num": rows, "absolute_max": max(rows, 1), "validate_max": True}
        return super().get_formset(request, obj, **{**bounds, **kwargs})

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", ModelMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


_BOUNDED_INLINES = {}


def bounded_inline(inline_class):
    """`inline_class` with BoundedInlineMixin first in its bases (one class per inline)."""
    if issubclass(inline_class, BoundedInlineMixin):
        return inline_class
    if inline_class not in _BOUNDED_INLINES:
        _BOUNDED_INLINES[inline_class] = type(inline_class.__name__, (BoundedInlineMixin, inline_class), {
            "__module__": inline_class.__module__, "__qualname__": inline_class.__qualname__,
            "__doc__": inline_class.__doc__})
    return _BOUNDED_INLINES[inline_class]


def make_safe(admin_class):
    """`admin_class` with SafeAdminMixin first in its bases (itself when it has it already)."""
    if issubclass(admin_class, SafeAdminMixin):
        return admin_class
    return type(admin_class.__name__, (SafeAdminMixin, admin_class), {
        "__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__,
        "__doc__": admin_class.__doc__})


class PortalAdminSite(admin.AdminSite):
    """Django's admin site, whose every ModelAdmin is made safe at registration."""

    def register(self, model_or_iterable, admin_class=None, **options):
        return super().register(model_or_iterable, make_safe(admin_class or admin.ModelAdmin), **options)


class OfferedValuesListFilter(admin.SimpleListFilter):
    """A list filter that applies only the values it offers: anything else in its parameter (an id
    typed by hand, a code that does not exist) is a bad lookup, answered with `?e=1` before any
    query is built from it."""

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        value = self.value()
        if value not in (None, "") and value not in {str(key) for key, _label in self.lookup_choices}:
            raise IncorrectLookupParameters(f"{self.parameter_name}={value[:50]!r} は選択肢にありません")
