"""Issue 16's rounds and lineage: a moved IoT lab keeps its IoT round and gains a 移行日, its DX lab
takes no DX 第n弾 and one name rule; a region selected as a DX lab in an ordinary round records
its IoT lab as predecessor and ends that lab's transition in the same transaction."""

import json

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from labportal.models import Lab, Programme, SelectionRound
from labportal.services import lab_create
from labportal.models import OutboxMail
from transition import services
from transition.models import TransitionRequest

from .conftest import iot_lab, request_of

pytestmark = pytest.mark.django_db
State = TransitionRequest.State


def test_a_moved_iot_lab_keeps_its_round_and_gains_a_transition_date(submitted, staff, client):
    services.request_decide(transition_request=submitted, to_state=State.APPROVED, by=staff)
    iot = iot_lab()
    dx = Lab.objects.get(predecessor=iot)
    today = timezone.localdate()
    assert (iot.status, iot.selection_round.number, iot.transitioned_on) == (Lab.Status.MOVED, 1, today)
    assert dx.selection_round is None
    assert dx.transitioned_on == today
    assert dx.name == "会津若松市地域DX推進ラボ"
    assert dx.round_label == "地方版IoT推進ラボ 第1弾から移行"
    labs = {lab["id"]: lab for lab in json.loads(client.get(reverse("opendata_labs_json")).content)["labs"]}
    assert labs[dx.pk]["round"] is None
    assert labs[dx.pk]["transitioned_on"] == today.isoformat()
    assert (labs[dx.pk]["predecessor_id"], labs[dx.pk]["predecessor_name"]) == (iot.pk, "会津若松市")
    assert labs[iot.pk]["transitioned_on"] == today.isoformat() and labs[iot.pk]["round"] == 1
    page = client.get(dx.get_absolute_url()).content.decode()
    assert "移行日" in page and "移行元（前身）のIoTラボ" in page


def test_a_region_selected_in_an_ordinary_round_ends_its_iot_labs_transition(transition_request):
    dx = Programme.objects.get(code="dx")
    dx_round = SelectionRound.objects.create(programme=dx, number=41, state=SelectionRound.State.ANNOUNCED)
    iot = iot_lab()
    with transaction.atomic():
        lab = lab_create(programme=dx, region=iot.region, selection_round=dx_round,
                         name="会津若松市地域DX推進ラボ", selected_on=timezone.localdate())
        # Same transaction: the request has already ended before the announcement commits.
        assert request_of(iot).state == State.APPROVED
    iot.refresh_from_db()
    assert lab.predecessor_id == iot.pk
    assert lab.selection_round == dx_round
    assert iot.status == Lab.Status.MOVED
    assert "地域DX推進ラボ 第41弾" in request_of(iot).events.last().message
    assert not OutboxMail.objects.filter(event="transition_approved").exists()


def test_a_dx_lab_of_a_region_without_an_iot_lab_has_no_predecessor(db):
    from labportal.models import Region

    dx = Programme.objects.get(code="dx")
    dx_round = SelectionRound.objects.create(programme=dx, number=41, state=SelectionRound.State.ANNOUNCED)
    region = Region.objects.get(kind="prefecture", name="東京都")
    lab = lab_create(programme=dx, region=region, selection_round=dx_round, name="東京都地域DX推進ラボ",
                     selected_on=timezone.localdate())
    assert lab.predecessor is None and lab.status == Lab.Status.ACTIVE
