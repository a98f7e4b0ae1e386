"""Reference data that submitted applications use is retired, never deleted (issue 15): the
admin has no delete for it and says so in Japanese, a retired activity is no longer offered to a
new application but stays on the submitted one, and a delete elsewhere meets PROTECT."""

import pytest
from django.db.models import ProtectedError
from django.urls import reverse

from applications import services
from applications.models import Activity, Application, Invitation, Quadrant
from labportal.models import Prefecture, Region, Role
from tests.factories import OrganisationFactory, UserFactory, member_of

from .conftest import fill_completely

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = UserFactory(email="staff@meti.example.jp", is_staff=True, role=Role.STAFF)
    client.force_login(user)
    return user


@pytest.fixture
def submitted(organisation, applicant, selection_round):
    application = fill_completely(services.application_create(
        organisation=organisation, selection_round=selection_round, user=applicant))
    services.application_submit(application_id=application.pk, user=applicant)
    return Application.objects.get(pk=application.pk)


def _messages(response):
    return [str(message) for message in response.context["messages"]]


def test_activity_delete_in_the_admin_is_refused_in_japanese(client, staff, submitted):
    activity = Activity.objects.get(code="consultation")
    response = client.post(reverse("admin:applications_activity_delete", args=[activity.pk]), {"post": "yes"},
                           follow=True)
    assert Activity.objects.filter(pk=activity.pk).exists()
    assert _messages(response) == [
        "「相談窓口」は削除できません。提出済みの申請・評点・決定などが参照している（または参照しうる）データは、"
        "削除すると過去の記録が変わってしまうためです。新しい申請で選べないようにするには、一覧で選んで操作「廃止する」を"
        "実行してください。"]


@pytest.mark.parametrize("model", ["activity", "quadrant", "initiative", "regionalityaspect", "region", "prefecture",
                                   "bureau", "programme", "lab"])
def test_reference_admin_offers_no_delete(client, staff, model):
    changelist = client.get(reverse(f"admin:{_app(model)}_{model}_changelist"))
    assert (changelist.status_code, "delete_selected" in changelist.content.decode()) == (200, False)


def _app(model):
    return "applications" if model in ("activity", "quadrant", "initiative", "regionalityaspect") else "labportal"


def test_activity_chosen_by_a_submitted_application_is_protected(submitted):
    with pytest.raises(ProtectedError):
        Activity.objects.get(code="consultation").delete()
    with pytest.raises(ProtectedError):
        Region.objects.get(name="札幌市").delete()
    with pytest.raises(ProtectedError):
        Quadrant.objects.get(code="II").delete()
    assert list(submitted.innovation.activities.values_list("code", flat=True).order_by("code")) == [
        "consultation", "expert_dispatch"]


def test_retired_activity_not_offered_to_a_new_application_but_shown_on_the_submitted(
        client, staff, submitted, applicant, selection_round):
    activity = Activity.objects.get(code="consultation")
    response = client.post(reverse("admin:applications_activity_changelist"),
                           {"action": "retire", "_selected_action": [activity.pk]}, follow=True)
    activity.refresh_from_db()
    assert (activity.retired_at is not None, _messages(response)) == (True, [
        "1件を廃止しました。新しい申請の選択肢には表示しません。既に選んだ申請には残り、そのまま表示されます。"])
    other = OrganisationFactory(name="会津若松市", regions=[Region.objects.get(name="会津若松市")])
    newcomer = member_of(other)
    draft = services.application_create(organisation=other, selection_round=selection_round, user=newcomer)
    client.force_login(newcomer)
    page = client.get(reverse("applications:section", args=[draft.pk, "innovation"]))
    offered = [choice.choice_label for choice in page.context["form"]["activities"]]
    assert ("相談窓口" in offered, "専門家派遣" in offered) == (False, True)
    client.force_login(applicant)
    detail = client.get(reverse("applications:print", args=[submitted.pk])).content.decode()
    assert "相談窓口" in detail


def test_retired_activity_stays_offered_and_kept_on_the_draft_that_chose_it(applicant, organisation,
                                                                            selection_round):
    from applications.forms import InnovationForm

    draft = fill_completely(services.application_create(
        organisation=organisation, selection_round=selection_round, user=applicant))
    services_retire([Activity.objects.get(code="consultation")])
    form = InnovationForm(instance=draft.innovation)
    assert list(form.fields["activities"].queryset.filter(code="consultation").values_list("code", flat=True)) == [
        "consultation"]


def services_retire(items):
    from labportal.services import reference_retire

    return reference_retire(items=items, by=None)


def test_retired_region_reinstated_is_offered_again(client, staff):
    region = Region.objects.get(name="会津若松市")
    services_retire([region])
    client.post(reverse("admin:labportal_region_changelist"), {"action": "reinstate", "_selected_action": [region.pk]})
    region.refresh_from_db()
    assert region.retired_at is None


def test_prefecture_delete_page_refused_with_a_message(client, staff):
    prefecture = Prefecture.objects.get(code="01")
    response = client.get(reverse("admin:labportal_prefecture_delete", args=[prefecture.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:labportal_prefecture_change", args=[prefecture.pk])
    assert "「北海道」は削除できません。" in _messages(response)[0]


def test_accepted_invitation_cannot_be_deleted_and_pending_one_is_revoked(client, staff, organisation, applicant):
    accepted = services.invitation_create(organisation=organisation, email="a@city.example.jp", by=applicant)
    pending = services.invitation_create(organisation=organisation, email="b@city.example.jp", by=applicant)
    services.invitation_accept(invitation=accepted, user=UserFactory(email="a@city.example.jp"))
    refused = client.post(reverse("admin:applications_invitation_delete", args=[accepted.pk]), {"post": "yes"},
                          follow=True)
    assert _messages(refused) == ["「a@city.example.jp」への招待は受諾済みのため削除できません（メンバーになった記録として残します）。"]
    response = client.post(reverse("admin:applications_invitation_changelist"),
                           {"action": "revoke", "_selected_action": [accepted.pk, pending.pk]}, follow=True)
    assert list(Invitation.objects.values_list("email", flat=True)) == ["a@city.example.jp"]
    assert _messages(response) == ["1件の招待を取り消しました。", "1件は受諾済みのため取り消していません（記録として残します）。"]
