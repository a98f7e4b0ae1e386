from collections import Counter

import pytest

from labportal.models import Lab, Prefecture, Region, SelectionRound

pytestmark = pytest.mark.django_db


def _iot_labs():
    return Lab.objects.filter(programme__code="iot").select_related(
        "selection_round", "region__prefecture__bureau")


def test_register_has_105_iot_labs():
    assert _iot_labs().count() == 105


def test_register_counts_labs_by_round_as_the_seed():
    counts = Counter(lab.selection_round.number for lab in _iot_labs())
    assert [counts[n] for n in range(1, 7)] == [29, 24, 21, 19, 8, 4]


def test_register_counts_labs_by_kind_as_the_seed():
    counts = Counter(lab.region.kind for lab in _iot_labs())
    assert (counts["prefecture"], counts["municipality"], counts["collaboration"]) == (41, 61, 3)


def test_register_counts_labs_by_bureau_as_the_seed():
    counts = Counter(lab.region.prefecture.bureau.short_name for lab in _iot_labs())
    assert counts == {"北海道": 11, "東北": 10, "関東": 21, "中部": 17, "近畿": 14, "中国": 8,
                      "四国": 7, "九州": 14, "沖縄": 3}


def test_register_has_47_prefectures_with_jis_codes():
    codes = list(Prefecture.objects.order_by("code").values_list("code", flat=True))
    assert codes == [f"{n:02d}" for n in range(1, 48)]


def test_register_round_7_is_in_selection():
    round_7 = SelectionRound.objects.get(programme__code="iot", number=7)
    assert round_7.get_state_display() == "審査中"


def test_register_collaborations_name_known_members():
    kahaikei = Region.objects.get(kind="collaboration", name="嘉飯桂地域")
    assert sorted(m.name for m in kahaikei.members.all()) == ["嘉麻市", "桂川町", "飯塚市"]
