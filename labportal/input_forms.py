"""The form layer every app shares (the applicant's pages, review, transition, the admin and the
public filters): what a form does with what it is sent. It lives in labportal, below the apps, so
that labportal's own forms (filters, the admin) need none of the apps."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator

from labportal import normalise
from labportal.input_notice import note_invisible_removed

__all__ = ["TEXT_LIMIT", "InputMixin", "LengthLimit", "one_line_form", "single_line"]


class LengthLimit(MaxLengthValidator):
    """The length limit with a message that says how much to cut and that nothing was lost."""

    def __init__(self, limit):
        super().__init__(limit, message=(
            "%(limit_value)s文字以内で入力してください（現在%(show_value)s文字）。"
            "入力した内容は消えていませんので、短くしてから保存してください。"))

    def __call__(self, value):
        cleaned = self.clean(value)
        if self.compare(cleaned, self.limit_value):
            raise ValidationError(self.message, code=self.code, params={
                "limit_value": f"{self.limit_value:,}", "show_value": f"{cleaned:,}", "value": ""})


TEXT_LIMIT = 20_000  # characters: the limit of a text field that names none (the sections' LONG_TEXT)


def _year_in_range(value):
    # Year 1 in Japan is year 0 in UTC, which no database driver reads back; 9999 overflows the
    # first "+ 7 days". Both are typing mistakes anyway.
    if not 2000 <= value.year <= 2100:
        raise ValidationError("日付は2000年から2100年までの範囲で入力してください（例: 2026-04-01）。",
                              code="year_range")


_NO_NUL = ProhibitNullCharactersValidator(
    message="入力できない制御文字（NUL）が含まれています。取り除いてから入力し直してください。")


def single_line(value):
    """A one-line field (a name, a title, an address: anything that may become a mail's subject
    or header) takes no line break, tab or other control character (issue 15: a LF cut a mail's
    subject short, a CR made the mail fail)."""
    if isinstance(value, str) and normalise.has_line_break_or_control(value):
        raise ValidationError("改行やタブなどの制御文字は入力できません。1行で入力してください。",
                              code="single_line")


def _is_one_line(field) -> bool:
    widget = field.widget
    return (isinstance(field, forms.CharField) and not isinstance(field, (forms.EmailField, forms.URLField))
            and isinstance(widget, forms.widgets.Input)
            and not isinstance(widget, (forms.PasswordInput, forms.HiddenInput, forms.FileInput)))


def one_line_form(form_class):
    """`form_class` (an admin's ModelForm) whose one-line text fields refuse line breaks and
    control characters like the portal's own forms (InputMixin does it for those)."""
    if issubclass(form_class, InputMixin):
        return form_class

    def __init__(self, *args, **kwargs):
        form_class.__init__(self, *args, **kwargs)
        for field in self.fields.values():
            if _is_one_line(field) and single_line not in field.validators:
                field.validators = [*field.validators, single_line]

    return type(form_class.__name__, (form_class,), {"__init__": __init__, "__module__": form_class.__module__})


class InputMixin:
    """What every form of the portal does with what it is sent, on the applicants' pages, in the
    admin and in the public filters: characters nobody can see are removed before validation
    (normalise.visible; passwords are left as typed) and the person is told so
    (labportal.input_notice), then each field's `normalisers` (field name → function) run; a
    one-line field refuses line breaks and control characters (single_line); every text has a
    length limit (TEXT_LIMIT when it names none) whose message says how much to cut and that
    nothing was lost, which the browser does not enforce by cutting the text; and dates lie
    between 2000 and 2100. Everything else is kept as typed: only what a machine reads (numbers,
    years, amounts, codes, phone numbers, e-mail addresses, フリガナ) has a normaliser."""

    normalisers: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound:
            self.data = self._normalised_data()
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and field.max_length is None and not isinstance(
                    field.widget, forms.PasswordInput):
                field.max_length = TEXT_LIMIT
            max_length = getattr(field, "max_length", None)
            if max_length:
                # Browsers cut pasted text at maxlength without a word: never let them.
                field.widget.attrs.pop("maxlength", None)
                field.widget.attrs["data-maxlength"] = str(max_length)
                field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
                field.validators.append(LengthLimit(max_length))
            # Django's Japanese for this one says "enter some characters": only passwords keep NUL.
            field.validators = [_NO_NUL if isinstance(v, ProhibitNullCharactersValidator) else v
                                for v in field.validators]
            if _is_one_line(field) and single_line not in field.validators:
                field.validators.append(single_line)
            if isinstance(field, (forms.DateField, forms.DateTimeField, forms.SplitDateTimeField)):
                field.validators.append(_year_in_range)

    def _normalised_data(self):
        data = self.data.copy()
        passwords = {self.add_prefix(name) for name, field in self.fields.items()
                     if isinstance(field.widget, forms.PasswordInput)}
        own = f"{self.prefix}-" if self.prefix else ""
        keys = [key for key in data if key.startswith(own) and key not in passwords]
        removed = False

        def cleaned(value):
            nonlocal removed
            if not isinstance(value, str):
                return value
            value, changed = normalise.visible_and_removed(value)
            removed = removed or changed
            return value

        for key in keys:
            if hasattr(data, "setlist"):
                data.setlist(key, [cleaned(v) for v in data.getlist(key)])
            else:
                data[key] = cleaned(data[key])
        if removed:
            note_invisible_removed()
        for name, function in self.normalisers.items():
            key = self.add_prefix(name)
            if key in data:
                data[key] = function(data[key])
        return data
