"""One door for every state (issue 15): organisations, memberships, labs and rounds change state
only through their services, checked against their machine's table, with a history row naming
who did it; the admin offers the services' actions."""

import pytest
from django.urls import reverse

from applications import services as application_services
from applications.models import Membership, Organisation
from labportal import services
from labportal.models import Lab, Role, SelectionRound, StateChange
from labportal.state_machine import Actor, TransitionNotAllowed
from tests.factories import OrganisationFactory, UserFactory, make_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = UserFactory(email="staff@meti.example.jp", is_staff=True, role=Role.STAFF)
    client.force_login(user)
    return user


def _history(target):
    return [(c.from_state, c.to_state, c.actor, c.user_id) for c in
            StateChange.objects.filter(object_id=target.pk, machine=_machine(target)).order_by("id")]


def _machine(target):
    return {Organisation: "organisation", Membership: "membership", Lab: "lab",
            SelectionRound: "selection_round"}[type(target)]


def _action(client, model_admin_url, action, objects):
    return client.post(reverse(model_admin_url), {"action": action, "_selected_action": [o.pk for o in objects]},
                       follow=True)


def _iot_lab(status):
    lab = Lab.objects.filter(programme__code="iot").order_by("pk").first()
    Lab.objects.filter(pk=lab.pk).update(status=status)  # the test's starting point, not a move
    lab.refresh_from_db()
    return lab


# --- 申請主体 ---------------------------------------------------------------------------------

def test_organisation_reject_records_staff_and_reason(staff):
    organisation = OrganisationFactory()
    application_services.organisation_reject(organisation=organisation, by=staff, reason="実在を確認できず")
    organisation.refresh_from_db()
    assert (organisation.status, _history(organisation)) == (
        Organisation.Status.REJECTED, [("pending", "rejected", "staff", staff.pk)])


def test_organisation_reject_of_a_confirmed_one_is_refused(staff):
    organisation = OrganisationFactory()
    application_services.organisation_confirm(organisation=organisation, by=staff)
    with pytest.raises(TransitionNotAllowed, match="「確認済」から「確認できず」へ変更することはできません"):
        application_services.organisation_reject(organisation=organisation, by=staff)


def test_organisation_admin_reject_action_calls_the_service(client, staff):
    organisation = OrganisationFactory()
    response = _action(client, "admin:applications_organisation_changelist", "reject", [organisation])
    organisation.refresh_from_db()
    assert (organisation.status, "1件を「確認できず」にしました。" in response.content.decode(),
            _history(organisation)) == (Organisation.Status.REJECTED, True, [("pending", "rejected", "staff", staff.pk)])


def test_organisation_admin_change_form_keeps_the_status(client, staff):
    organisation = OrganisationFactory()
    url = reverse("admin:applications_organisation_change", args=[organisation.pk])
    page = client.get(url).content.decode()
    client.post(url, {"name": organisation.name, "kind": organisation.kind, "status": "confirmed",
                      "regions": [r.pk for r in organisation.regions.all()],
                      "memberships-TOTAL_FORMS": 0, "memberships-INITIAL_FORMS": 0})
    organisation.refresh_from_db()
    assert ('name="status"' in page, organisation.status) == (False, Organisation.Status.PENDING)


# --- 所属 -------------------------------------------------------------------------------------

def test_membership_admin_approve_action_records_staff(client, staff):
    organisation = OrganisationFactory()
    membership = application_services.membership_request(user=UserFactory(), organisation=organisation)
    _action(client, "admin:applications_membership_changelist", "approve", [membership])
    membership.refresh_from_db()
    assert (membership.state, membership.approved_by_id, _history(membership)) == (
        Membership.State.ACTIVE, staff.pk, [("pending", "active", "staff", staff.pk)])


def test_membership_approve_by_a_member_records_the_organisation_as_actor():
    organisation = OrganisationFactory()
    admin_member = UserFactory()
    membership = application_services.membership_request(user=UserFactory(), organisation=organisation)
    application_services.membership_approve(membership=membership, by=admin_member)
    assert _history(membership) == [("pending", "active", "organisation", admin_member.pk)]


# --- ラボ -------------------------------------------------------------------------------------

def test_lab_set_status_refuses_a_move_not_in_the_table():
    lab = _iot_lab(Lab.Status.MOVED)
    with pytest.raises(TransitionNotAllowed, match="「DXラボへ移行済」から「活動中」へ変更することはできません"):
        services.lab_set_status(labs=[lab], status=Lab.Status.ACTIVE, actor=Actor.STAFF)
    lab.refresh_from_db()
    assert lab.status == Lab.Status.MOVED


def test_lab_admin_abolish_action_records_staff(client, staff):
    lab = _iot_lab(Lab.Status.ACTIVE)
    _action(client, "admin:labportal_lab_changelist", "abolish", [lab])
    lab.refresh_from_db()
    assert (lab.status, _history(lab)) == (Lab.Status.ABOLISHED, [("active", "abolished", "staff", staff.pk)])


def test_lab_admin_abolish_leaves_a_moved_lab_alone(client, staff):
    lab = _iot_lab(Lab.Status.MOVED)
    _action(client, "admin:labportal_lab_changelist", "abolish", [lab])
    lab.refresh_from_db()
    assert (lab.status, _history(lab)) == (Lab.Status.MOVED, [])


def test_lab_create_records_who_registered_it(staff):
    selection_round = make_round()
    iot = Lab.objects.filter(programme__code="iot").order_by("pk").first()
    lab = services.lab_create(programme=selection_round.programme, region=iot.region, name="テスト地域DX推進ラボ",
                              selection_round=selection_round, user=staff)
    assert _history(lab) == [("", "active", "staff", staff.pk)]


# --- 公募回 -----------------------------------------------------------------------------------

def test_round_admin_action_records_the_staff_member(client, staff):
    selection_round = make_round(state=SelectionRound.State.PREPARING)
    _action(client, "admin:labportal_selectionround_changelist", "open_now", [selection_round])
    selection_round.refresh_from_db()
    assert (selection_round.state, _history(selection_round)) == (
        SelectionRound.State.OPEN, [("preparing", "open", "staff", staff.pk)])
