"""Property-based tests of the forms anyone can reach: the public directory's filters, sign-up and
login. Whatever is typed: never a crash; a refusal is on the field concerned (or, for a login,
the one message that says the address or password is wrong), in Japanese, with what was typed
shown again (never the password); an account is stored with visible names only."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from labportal import normalise
from labportal.models import User

from ..hostile_input import (
    assert_kept,
    assert_never_raw_markup,
    assert_refusals_on_fields_in_japanese,
    hostile_number,
    hostile_text,
    japanese_message,
    rolled_back,
)

pytestmark = pytest.mark.django_db

FILTERS = ["programme", "bureau", "prefecture", "round", "kind", "status", "q"]


@given(params=st.fixed_dictionaries({}, optional={
    "programme": st.one_of(st.just("iot"), hostile_text), "bureau": st.one_of(st.just("kanto"), hostile_text),
    "prefecture": st.one_of(st.just("01"), hostile_text), "round": st.one_of(st.just("３"), hostile_number),
    "kind": hostile_text, "status": hostile_text, "q": st.one_of(st.just("札幌"), hostile_text,
                                                                  st.just("あ" * 101))}))
def test_directory_filters_any_query_lists_or_says_what_to_fix_in_japanese(client, params):
    response = client.get(reverse("lab_list"), params)
    lab_filter = response.context["filter"]
    content = response.content.decode()
    assert response.status_code == 200
    assert_refusals_on_fields_in_japanese(lab_filter.form, set(params))
    assert_never_raw_markup(content)
    if "q" in params and lab_filter.form.errors.get("q"):
        assert_kept(content, [normalise.nfkc(normalise.visible(params["q"]))])


@given(last_name=st.one_of(st.just("札幌"), hostile_text), first_name=st.one_of(st.just("花子"), hostile_text),
       email=st.one_of(st.just("hanako@city.example.jp"), hostile_text.map(lambda t: t + "@city.example.jp"),
                       hostile_text),
       password=st.one_of(st.just("kita-no-daichi-2026"), hostile_text.map(lambda t: t + "kita-no-daichi-2026")))
def test_signup_any_input_refused_on_its_field_in_japanese_or_account_with_visible_names(client, last_name,
                                                                                        first_name, email,
                                                                                        password):
    cache.clear()  # allauth's rate limits
    with rolled_back():
        response = client.post(reverse("account_signup"), {
            "last_name": last_name, "first_name": first_name, "email": email, "password1": password,
            "password2": password})
        if response.status_code == 200:
            form = response.context["form"]
            assert form.errors
            assert_refusals_on_fields_in_japanese(form, {"last_name", "first_name", "email", "password1",
                                                         "password2"})
            assert_kept(response.content.decode(), [normalise.visible(v) for v in (last_name, first_name)])
            assert password not in response.content.decode() or not password.strip()
        else:
            user = User.objects.get()
            assert (response.status_code, user.last_name, user.first_name) == (
                302, normalise.visible(last_name).strip(), normalise.visible(first_name).strip())


@given(email=st.one_of(hostile_text, hostile_text.map(lambda t: t + "@city.example.jp")),
       password=hostile_text)
def test_login_any_input_refused_in_japanese_never_a_crash(client, email, password):
    cache.clear()
    with rolled_back():
        response = client.post(reverse("login"), {"username": email, "password": password})
        form = response.context["form"]
        errors = [str(m) for messages in form.errors.values() for m in messages]
        assert (response.status_code in (200, 429), bool(errors), all(japanese_message(m) for m in errors)) == (
            True, True, True), errors
        assert set(form.errors) <= {"username", "login", "password", "__all__"}
