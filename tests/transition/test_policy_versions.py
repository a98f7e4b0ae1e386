"""The transition policy is versioned (issue 15): a policy in force or in use is never edited in
place or deleted; 「新しい版を作成」 makes the next version with who, when, why and from when."""

import datetime

import pytest
from django.db.models import ProtectedError
from django.utils import timezone

from transition import services
from transition.models import TransitionPolicy, TransitionRequest

from .conftest import make_policy

pytestmark = pytest.mark.django_db

URL = "/admin/transition/transitionpolicy/"


def _form(policy, **overrides):
    """What the 「新しい版を作成」 form holds for `policy`, as the admin posts it."""
    when = timezone.localtime(overrides.pop("effective_from", timezone.now()))
    data = {"name": policy.name, "effective_from_0": f"{when:%Y-%m-%d}", "effective_from_1": f"{when:%H:%M:%S}",
            "has_transition_period": "on", "iot_call_stops_on": "", "dx_call_opens_on": "",
            "period_starts_on": f"{policy.period_starts_on:%Y-%m-%d}",
            "period_ends_on": f"{policy.period_ends_on:%Y-%m-%d}", "procedure": policy.procedure,
            "end_state": policy.end_state, "reminder_offsets_days": "180, 90, 30, 7",
            "plan_round": policy.plan_round_id, "notes": "", "change_reason": ""}
    data.update(overrides)
    return data


def _messages(response):
    return [str(message) for message in response.context["messages"]]


def test_policy_in_force_cannot_be_edited_in_the_admin(admin_client):
    policy = make_policy()
    page = admin_client.get(f"{URL}{policy.pk}/change/")
    assert (page.status_code, "新しい版を作成" in page.content.decode(), page.context["has_change_permission"]) == (
        200, True, False)
    response = admin_client.post(f"{URL}{policy.pk}/change/", _form(policy, end_state="coexisting"))
    policy.refresh_from_db()
    assert (response.status_code, policy.end_state) == (403, TransitionPolicy.EndState.ABOLISH)


def test_policy_in_force_delete_is_refused_with_a_japanese_message(admin_client):
    policy = make_policy()
    response = admin_client.post(f"{URL}{policy.pk}/delete/", {"post": "yes"}, follow=True)
    assert TransitionPolicy.objects.filter(pk=policy.pk).exists()
    assert any("変更も削除もできません" in text for text in _messages(response))


def test_policy_new_version_keeps_the_old_one_untouched(admin_client, admin_user):
    old = make_policy()
    before = {f.name: getattr(old, f.attname) for f in TransitionPolicy._meta.concrete_fields}
    form = admin_client.get(f"{URL}add/?source={old.pk}")
    assert form.context["adminform"].form.initial["period_ends_on"] == old.period_ends_on
    response = admin_client.post(f"{URL}add/?source={old.pk}", _form(
        old, end_state="coexisting", change_reason="検討会の結論により、移行しないラボは併存とする"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    new = TransitionPolicy.objects.exclude(pk=old.pk).get()
    old.refresh_from_db()
    assert {f.name: getattr(old, f.attname) for f in TransitionPolicy._meta.concrete_fields} == before
    assert (new.supersedes, new.created_by, new.change_reason, new.end_state, TransitionPolicy.objects.in_force()) == (
        old, admin_user, "検討会の結論により、移行しないラボは併存とする", "coexisting", new)


def test_policy_new_version_needs_a_reason_and_a_start_not_in_the_past(admin_client):
    old = make_policy()
    response = admin_client.post(f"{URL}add/", _form(
        old, effective_from=timezone.now() - datetime.timedelta(days=10)))
    errors = response.context["adminform"].form.errors
    assert (response.status_code, errors["change_reason"], errors["effective_from"]) == (
        200, ["変更の理由を入力してください（新しい版の記録として残ります）。"],
        ["新しい版の適用開始日時は現在以降にしてください（過去にさかのぼって方針を変えることはできません）。"])
    assert TransitionPolicy.objects.count() == 1


def test_policy_not_yet_in_effect_can_still_be_corrected_and_deleted(admin_client):
    make_policy()
    future = make_policy(effective_from=timezone.now() + datetime.timedelta(days=30), name="来年度から")
    response = admin_client.post(f"{URL}{future.pk}/change/", _form(
        future, effective_from=future.effective_from, name="来年度から（訂正）", change_reason="誤記の訂正"))
    assert response.status_code == 302
    future.refresh_from_db()
    assert future.name == "来年度から（訂正）"
    assert admin_client.post(f"{URL}{future.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not TransitionPolicy.objects.filter(pk=future.pk).exists()


def test_policy_a_request_was_filed_under_is_locked_and_protected():
    future = make_policy(effective_from=timezone.now() + datetime.timedelta(days=30))
    TransitionRequest.objects.filter(pk=TransitionRequest.objects.first().pk).update(policy=future)
    future.name = "書き換え"
    with pytest.raises(services.PolicyLocked):
        services.policy_save(policy=future)
    with pytest.raises(services.PolicyLocked):
        services.policy_delete(policy=future, by=None)
    with pytest.raises(ProtectedError):
        TransitionPolicy.objects.filter(pk=future.pk).delete()
