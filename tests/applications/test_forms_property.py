"""Property-based tests of the applicant's forms, through the real pages as the applicant: every
section with its tables, the organisation, the invitation, the attachment upload and the
withdrawal. Whatever is typed: never a crash; a refusal is on the field concerned, in Japanese,
with everything typed shown again; free text within its limit is always accepted and stored as
typed, minus the characters nobody can see (labportal/normalise.py); pages show it escaped."""

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from labportal import normalise
from applications.forms import SECTION_FORMS
from applications.models import Attachment, Invitation, Organisation
from labportal.models import Region

from ..hostile_input import (
    MEGABYTE_ASCII,
    MEGABYTE_JAPANESE,
    assert_kept,
    assert_never_raw_markup,
    assert_refusals_on_fields_in_japanese,
    hostile_number,
    hostile_text,
    japanese_message,
    rolled_back,
)
from .conftest import PDF_BYTES

pytestmark = pytest.mark.django_db

VALID = {"contact_phone": "000-0000-0000", "phone": "000-0000-0000", "contact_kana": "サッポロ タロウ",
         "name_kana": "サッポロシ", "contact_email": "dx@city.example.jp", "annual_budget": "12000000",
         "target_fiscal_year": "2028", "fiscal_year": "2027", "kind": "school"}


@pytest.fixture
def applicant_client(client, applicant):
    client.force_login(applicant)
    return client


def _is_free_text(form, name, field):
    """Text the portal takes as typed (no normaliser, no check of its own)."""
    return (type(field) is forms.CharField and name not in form.normalisers
            and not hasattr(form, f"clean_{name}"))


def _valid(name, field):
    if isinstance(field, forms.ModelMultipleChoiceField):
        return None
    return VALID.get(name, "" if isinstance(field, forms.ChoiceField) else "札幌市のDX推進「ラボ」＆（仮）")


def _value_strategy(name, field):
    valid = st.just(_valid(name, field))
    if isinstance(field, forms.ChoiceField):
        return st.one_of(valid, hostile_text)
    if isinstance(field, forms.IntegerField):
        return st.one_of(valid, hostile_number)
    limit = field.max_length
    return st.one_of(valid, hostile_text, st.sampled_from([limit, limit + 1]).map(lambda n: "あ" * n))


def _shown(form, name, value):
    """What the re-rendered form shows for `value`: what the form made of it before validation."""
    value = normalise.visible(value)
    return form.normalisers.get(name, lambda v: v)(value)


def _one_line(field):
    return not isinstance(field.widget, forms.Textarea)


def _must_accept(form, name, field, value):
    """Free text within its limit is accepted; a one-line field refuses line breaks and controls."""
    cleaned = normalise.visible(value).strip()
    return _is_free_text(form, name, field) and len(cleaned) <= field.max_length and (
        cleaned or not field.required) and not (_one_line(field) and normalise.has_line_break_or_control(cleaned))


class Draft:
    """One POST of a section page: the values drawn for the form and one row of each table."""

    def __init__(self, key, application, draw):
        form_class, formset_specs = SECTION_FORMS[key]
        self.form = form_class(instance=getattr(application, key))
        self.data = {"version": str(getattr(application, key).version)}
        self.posted = {}  # (prefix, name) → value sent
        self.fields = {}
        for name, field in self.form.fields.items():
            if name == "version":
                continue
            self._draw(draw, "", name, field, self.form)
        self.rows = []
        for formset_class, prefix, _title, _related in formset_specs:
            row_form = formset_class.form()
            self.data.update({f"{prefix}-TOTAL_FORMS": "1", f"{prefix}-INITIAL_FORMS": "0"})
            for name, field in row_form.fields.items():
                if name in ("id", "DELETE", "application"):
                    continue
                self._draw(draw, f"{prefix}-0-", name, field, row_form)
            self.rows.append(prefix)

    def _draw(self, draw, prefix, name, field, form):
        value = draw(_value_strategy(name, field))
        self.fields[(prefix, name)] = (form, field)
        if value is not None:
            self.data[prefix + name] = value
            self.posted[(prefix, name)] = value

    def allowed_errors(self, prefix):
        """The fields that may be refused: those sent something awkward, except free text within
        its limit, which is always accepted."""
        allowed = set()
        for (p, name), value in self.posted.items():
            form, field = self.fields[(p, name)]
            if p == prefix and value != _valid(name, field) and not _must_accept(form, name, field, value):
                allowed.add(name)
        return allowed

    def shown_values(self):
        return [_shown(form, name, self.posted[(p, name)]) for (p, name), (form, field) in self.fields.items()
                if (p, name) in self.posted and not isinstance(field, forms.ChoiceField)]


@pytest.mark.parametrize("key", list(SECTION_FORMS))
@given(data=st.data())
def test_section_any_input_refused_on_its_field_in_japanese_or_stored_visible(applicant_client, application,
                                                                             key, data):
    with rolled_back():
        application.refresh_from_db()
        for section_key in SECTION_FORMS:
            getattr(application, section_key).refresh_from_db()
        draft = Draft(key, application, data.draw)
        url = reverse("applications:section", args=[application.pk, key])
        response = applicant_client.post(url, draft.data)
        assert response.status_code in (302, 400)
        if response.status_code == 400:
            content = response.content.decode()
            assert_refusals_on_fields_in_japanese(response.context["form"], draft.allowed_errors(""))
            for formset, _title in response.context["formsets"]:
                assert list(formset.non_form_errors()) == []
                for row in formset.forms:
                    assert_refusals_on_fields_in_japanese(row, draft.allowed_errors(f"{formset.prefix}-0-"))
            assert_kept(content, draft.shown_values())
            return
        section = type(getattr(application, key)).objects.get(application=application)
        for (prefix, name), value in draft.posted.items():
            form, field = draft.fields[(prefix, name)]
            if prefix == "" and _is_free_text(form, name, field):
                assert getattr(section, name) == normalise.visible(value).strip()
        assert_never_raw_markup(applicant_client.get(url).content.decode())
        assert_never_raw_markup(applicant_client.get(reverse("applications:print", args=[application.pk]))
                                .content.decode())


@pytest.mark.parametrize("text", [MEGABYTE_ASCII, MEGABYTE_JAPANESE], ids=["ascii", "japanese"])
def test_section_megabyte_refused_with_length_in_japanese_and_other_fields_kept(applicant_client, application,
                                                                               text):
    response = applicant_client.post(reverse("applications:section", args=[application.pk, "direction"]), {
        "version": "0", "vision": text, "goals": "地域企業のDX支援を100件", "process": "",
        "kpis-TOTAL_FORMS": "0", "kpis-INITIAL_FORMS": "0", "roadmap-TOTAL_FORMS": "0",
        "roadmap-INITIAL_FORMS": "0"})
    errors = response.context["form"].errors
    assert (response.status_code, list(errors), errors["vision"][0].startswith("20,000文字以内"),
            "地域企業のDX支援を100件" in response.content.decode()) == (400, ["vision"], True, True)


def test_section_control_characters_removed_visible_text_kept(applicant_client, application):
    applicant_client.post(reverse("applications:section", args=[application.pk, "direction"]), {
        "version": "0", "vision": "DX\x00推進\u202eの\ufeffビジョン\x0b二行目😀", "goals": "", "process": "",
        "kpis-TOTAL_FORMS": "0", "kpis-INITIAL_FORMS": "0", "roadmap-TOTAL_FORMS": "0",
        "roadmap-INITIAL_FORMS": "0"})
    vision = type(application.direction).objects.get(application=application).vision
    assert vision == "DX推進のビジョン\n二行目😀"


ORGANISATION_FIELDS = ["name", "name_kana", "department", "address", "phone"]


@given(values=st.fixed_dictionaries({name: st.one_of(st.just(VALID.get(name, "札幌市役所")), hostile_text)
                                     for name in ORGANISATION_FIELDS}))
def test_organisation_any_input_refused_on_its_field_in_japanese_or_registered(applicant_client, values):
    with rolled_back():
        before = Organisation.objects.count()
        response = applicant_client.post(reverse("applications:organisation_new"), {
            **values, "kind": "municipality", "regions": [Region.objects.get(name="札幌市").pk]})
        if response.status_code == 200:
            form = response.context["form"]
            hostile = {name for name, value in values.items() if value != VALID.get(name, "札幌市役所")}
            assert_refusals_on_fields_in_japanese(form, hostile)
            assert form.errors, "the page came back without saying what is wrong"
            assert_kept(response.content.decode(), [_shown(form, n, v) for n, v in values.items()])
        else:
            organisation = Organisation.objects.order_by("-pk").first()
            assert (response.status_code, Organisation.objects.count(), organisation.address) == (
                302, before + 1, normalise.visible(values["address"]).strip())


@given(email=hostile_text)
def test_invitation_any_address_refused_in_japanese_or_invited_in_lower_case(applicant_client, organisation,
                                                                            email):
    with rolled_back():
        response = applicant_client.post(reverse("applications:members", args=[organisation.pk]), {"email": email})
        if response.status_code == 200:
            assert_refusals_on_fields_in_japanese(response.context["form"], {"email"})
        else:
            assert Invitation.objects.get().email == normalise.email(normalise.visible(email))


@given(name=hostile_text, kind=st.one_of(st.sampled_from(["plan", "consent"]), hostile_text),
       content=st.sampled_from([PDF_BYTES, b"", b"\x00" * 64, "<script>alert(1)</script>".encode()]))
def test_attachment_any_name_kind_content_refused_on_its_field_or_stored_escaped(applicant_client, application,
                                                                                name, kind, content):
    with rolled_back():
        upload = SimpleUploadedFile(name + ".pdf", content, content_type="application/pdf")
        response = applicant_client.post(reverse("applications:attachments", args=[application.pk]),
                                         {"kind": kind, "file": upload})
        if response.status_code == 400:
            assert_refusals_on_fields_in_japanese(response.context["form"], {"file", "kind"})
            assert response.context["form"].errors
        else:
            attachment = Attachment.objects.get(application=application)
            page = applicant_client.get(reverse("applications:attachments", args=[application.pk]))
            assert (response.status_code, attachment.kind in ("plan", "consent"), page.status_code) == (
                302, True, 200)
            assert_never_raw_markup(page.content.decode())


@given(reason=st.one_of(hostile_text, st.just("あ" * 2001)))
def test_withdraw_reason_any_input_refused_in_japanese_or_withdrawn(applicant_client, application, reason):
    with rolled_back():
        response = applicant_client.post(reverse("applications:withdraw", args=[application.pk]),
                                         {"reason": reason, "confirm": "on"})
        if response.status_code == 200:
            form = response.context["form"]
            assert_refusals_on_fields_in_japanese(form, {"reason"})
            assert all(japanese_message(m) for m in form.errors["reason"])
        else:
            assert response.status_code == 302


# --- Text kept as typed; what nobody can see removed, and the applicant told (issues 14 and 15) ---------

INVISIBLE = ["\u200b", "\u200c", "\u2060", "\ufeff", "\u00ad"]
JOINED_EMOJI = ["👨\u200d👩\u200d👧", "🏳️\u200d🌈", "👩🏽\u200d💻", "❤️\u200d🔥"]
SEEN = st.text(alphabet="札幌市のDX推進（推計）１０件ｱｲｳabc 😀", min_size=1, max_size=12)


def _direction(kpi_current, kpi_target="20件", vision=""):
    return {"version": "0", "vision": vision, "goals": "", "process": "",
            "kpis-TOTAL_FORMS": "1", "kpis-INITIAL_FORMS": "0", "kpis-0-indicator": "支援件数",
            "kpis-0-current_value": kpi_current, "kpis-0-target_value": kpi_target,
            "kpis-0-target_fiscal_year": "２０２８年度",
            "roadmap-TOTAL_FORMS": "0", "roadmap-INITIAL_FORMS": "0"}


def test_kpi_current_and_target_values_kept_as_typed(applicant_client, application):
    applicant_client.post(reverse("applications:section", args=[application.pk, "direction"]),
                          _direction("（推計）１０件", "ＤＸ相談 ３０件／年"))
    kpi = application.kpis.get()
    assert (kpi.current_value, kpi.target_value, kpi.target_fiscal_year) == ("（推計）１０件", "ＤＸ相談 ３０件／年", 2028)


@given(pieces=st.lists(st.one_of(SEEN, st.sampled_from(INVISIBLE + JOINED_EMOJI)), min_size=1, max_size=6))
def test_visible_removes_invisible_characters_and_keeps_joined_emoji(pieces):
    text = "".join(pieces)
    expected = "".join(p for p in pieces if p not in INVISIBLE)
    assert (normalise.visible(text), normalise.visible(normalise.visible(text))) == (expected, expected)


@given(before=SEEN, after=SEEN)
def test_visible_drops_a_joiner_between_letters(before, after):
    joined = normalise.visible(before + "\u200d" + after)
    assert joined == normalise.visible(before + after) or (_emoji(before[-1]) and _emoji(after[0]))


def _emoji(character):
    return ord(character) >= 0x1F000


@given(text=SEEN, invisible=st.sampled_from(INVISIBLE))
def test_section_invisible_characters_removed_and_the_applicant_told(applicant_client, application, text,
                                                                    invisible):
    with rolled_back():
        response = applicant_client.post(reverse("applications:section", args=[application.pk, "direction"]),
                                         _direction("10件", vision=text[:1] + invisible + text[1:]), follow=True)
        vision = type(application.direction).objects.get(application=application).vision
        assert (vision, "見えない文字" in response.content.decode()) == (text.strip(), True)


def test_section_without_invisible_characters_says_nothing_of_them(applicant_client, application):
    response = applicant_client.post(reverse("applications:section", args=[application.pk, "direction"]),
                                     _direction("10件", vision="札幌市のDX"), follow=True)
    assert "見えない文字" not in response.content.decode()


@given(name=SEEN, breaker=st.sampled_from(["\n", "\r", "\r\n", "\t", "\u2028", "\x0b", "\x85"]))
def test_organisation_name_with_a_line_break_refused_on_its_field_in_japanese(applicant_client, name, breaker):
    with rolled_back():
        before = Organisation.objects.count()
        response = applicant_client.post(reverse("applications:organisation_new"), {
            "name": f"札幌{breaker}市{name}", "kind": "municipality", "regions": [Region.objects.get(name="札幌市").pk]})
        errors = response.context["form"].errors
        assert (response.status_code, list(errors), Organisation.objects.count()) == (200, ["name"], before)
        assert errors["name"] == ["改行やタブなどの制御文字は入力できません。1行で入力してください。"]


@pytest.mark.parametrize("field", ["indicator", "current_value", "target_value"])
def test_kpi_one_line_cells_refuse_a_line_break(applicant_client, application, field):
    data = _direction("10件", "20件")
    data[f"kpis-0-{field}"] = "1行目\n2行目"
    response = applicant_client.post(reverse("applications:section", args=[application.pk, "direction"]), data)
    row = response.context["formsets"][0][0].forms[0]
    assert (response.status_code, list(row.errors)) == (400, [field])

