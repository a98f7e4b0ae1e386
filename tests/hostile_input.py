"""What people and machines type into forms, for the property tests of every form of the portal
(tests/*/test_forms_property.py): full-width and half-width mixes, invisible control characters,
emoji and other characters beyond the BMP, HTML and SQL-looking text, impossible dates, numbers
out of every range, and a megabyte of text. With the checks each of those tests makes: never a
crash, every refusal on the field it concerns and in Japanese, everything typed shown again."""

import re
from contextlib import contextmanager

from django.apps import apps
from django.db import transaction
from django.utils.html import escape
from hypothesis import strategies as st

FULL_WIDTH = "０１２３４５６７８９ＡＢＣＸＹＺａｂｃｘｙｚ－，＠　"
HALF_WIDTH_KANA = "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝｰﾞﾟ"
CONTROLS = ["\x00", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\u202e", "\u2066", "\ufeff", "\u2028"]
ASTRAL = ["😀", "👨‍👩‍👧", "🇯🇵", "𠮷野家", "𩸽", "🗾"]
MARKUP = ["<script>alert(1)</script>", "'; DROP TABLE applications_application; --", '" onmouseover="alert(1)',
          "{{ request }}", "{% debug %}", "%(value)s", "&lt;b&gt;", "\\", "None", "<b>太字</b>"]
NUMBERS = ["-1", "0", str(10**30), "-" + str(10**30), "1e309", "NaN", "Infinity", "１２３", "２０２８年度",
           "12,000,000円", "0x1F", "1.5", " 7 ", "٣"]
DATES = ["2026-02-30", "9999-99-99", "令和8年4月1日", "0001-01-01", "9999-12-31", "2026-13-01", "2026/04/01",
         "２０２６－０４－０１", "1970-01-01", "2026-04-01 25:00"]
HOSTILE_PIECES = CONTROLS + ASTRAL + MARKUP + NUMBERS + DATES

# A megabyte as the request carries it (UTF-8), within Django's 2.5 MB limit on a whole form.
MEGABYTE_ASCII = "a" * 1_048_576
MEGABYTE_JAPANESE = "漢" * 349_526

JAPANESE = re.compile("[\u3040-\u30ff\u4e00-\u9fff]")
ENGLISH = ("Enter a", "This field", "Ensure this", "Select a valid", "Null characters", "is not a valid",
           "ManagementForm", "Please submit")
INJECTED_SCRIPT = "<script>alert(1)"


def _piece():
    return st.one_of(
        st.sampled_from(HOSTILE_PIECES),
        st.text(alphabet=FULL_WIDTH + HALF_WIDTH_KANA + "あアー漢字 \n\t", max_size=8),
        st.text(st.characters(codec="utf-8"), max_size=6),  # anything, surrogates excepted
    )


hostile_text = st.lists(_piece(), max_size=5).map("".join)
"""Short text mixing every kind of awkward input."""

hostile_number = st.one_of(st.sampled_from(NUMBERS), st.integers().map(str), hostile_text)
hostile_date = st.one_of(st.sampled_from(DATES), hostile_text)


def japanese_message(message) -> bool:
    message = str(message)
    return bool(JAPANESE.search(message)) and not any(english in message for english in ENGLISH)


def assert_refusals_on_fields_in_japanese(form, allowed):
    """Every error of `form` is on a field in `allowed` (the fields sent something awkward:
    valid input next to them is never refused) and says in Japanese what to fix."""
    errors = form.errors.get_json_data() if hasattr(form.errors, "get_json_data") else form.errors
    assert set(errors) <= set(allowed), f"refused fields that were sent valid input: {dict(errors)}"
    for field, messages in errors.items():
        for message in messages:
            text = message["message"] if isinstance(message, dict) else message
            assert japanese_message(text), f"{field}: {text!r} is not a Japanese message"


def assert_kept(content: str, values):
    """Each value typed is on the page again (escaped), so nothing has to be typed twice."""
    for value in values:
        if value.strip():
            assert escape(value) in content, f"{value[:80]!r} not shown again"


def assert_never_raw_markup(content: str):
    assert INJECTED_SCRIPT not in content


@contextmanager
def rolled_back():
    """Each example from the same starting state: its writes are undone afterwards."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def with_authenticator(user):
    """Staff and reviewers must have an authenticator app (labportal/two_factor.py) before they
    see the admin: give them one, as if they had set it up."""
    if apps.is_installed("allauth.mfa"):
        from allauth.mfa.models import Authenticator

        Authenticator.objects.get_or_create(user=user, type=Authenticator.Type.TOTP,
                                            defaults={"data": {"secret": "JBSWY3DPEHPK3PXP"}})
    return user
