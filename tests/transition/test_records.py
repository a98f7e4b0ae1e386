"""Every IoT lab of the register has its transition record from the start, and so does a lab
added later."""

import pytest

from labportal.models import Lab, Programme, Region, SelectionRound
from transition.deadlines import records_ensure
from transition.models import TransitionRequest

pytestmark = pytest.mark.django_db


def test_records_every_iot_lab_of_the_register_has_one_not_started():
    assert TransitionRequest.objects.count() == 105
    assert set(TransitionRequest.objects.values_list("state", flat=True)) == {"not_started"}
    assert (set(TransitionRequest.objects.values_list("lab_id", flat=True))
            == set(Lab.objects.filter(programme__code="iot").values_list("pk", flat=True)))


def _round7():
    return SelectionRound.objects.get(programme__code="iot", number=7)


def test_records_a_lab_added_later_gets_one_at_once():
    lab = Lab.objects.create(name="テスト町", region=Region.objects.get(name="北海道", kind="prefecture"),
                             programme=Programme.objects.get(code="iot"), selection_round=_round7())
    assert TransitionRequest.objects.get(lab=lab).state == TransitionRequest.State.NOT_STARTED


def test_records_a_dx_lab_gets_none():
    lab = Lab.objects.create(name="テスト町", region=Region.objects.get(name="北海道", kind="prefecture"),
                             programme=Programme.objects.get(code="dx"),
                             selection_round=SelectionRound.objects.create(
                                 programme=Programme.objects.get(code="dx"), number=90))
    assert not TransitionRequest.objects.filter(lab=lab).exists()


def test_records_labs_loaded_without_signals_get_theirs_at_the_next_sweep():
    Lab.objects.bulk_create([Lab(name=f"一括{i}", region=Region.objects.get(name="北海道", kind="prefecture"),
                                 programme=Programme.objects.get(code="iot"), selection_round=_round7())
                             for i in range(3)])
    assert records_ensure() == 3
    assert records_ensure() == 0
    assert TransitionRequest.objects.count() == 108
