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


# --- 対象地域: every prefecture and municipality (labportal/data/municipalities.csv) -----------------------

def test_register_has_every_municipality_and_prefecture_with_a_code():
    with_code = Region.objects.exclude(local_government_code="")
    counts = Counter(with_code.values_list("kind", flat=True))
    assert (counts["prefecture"], counts["municipality"]) == (47, 1741)


def test_register_has_the_23_special_wards_of_tokyo():
    wards = Region.objects.filter(prefecture__name="東京都", kind="municipality", name__endswith="区")
    assert wards.exclude(local_government_code="").count() == 23


def test_register_municipality_codes_have_valid_check_digits():
    from labportal.seed_data import local_government_check_digit

    codes = Region.objects.exclude(local_government_code="").values_list("local_government_code", flat=True)
    assert [c for c in codes if local_government_check_digit(c[:5]) != int(c[5])] == []


def test_register_has_kumamoto_and_miyazaki_cities_with_their_readings():
    found = {r.name: (r.local_government_code, r.name_kana, r.prefecture.name)
             for r in Region.objects.filter(name__in=["熊本市", "宮崎市"]).select_related("prefecture")}
    assert found == {"熊本市": ("431001", "クマモトシ", "熊本県"), "宮崎市": ("452017", "ミヤザキシ", "宮崎県")}


def test_register_lab_regions_kept_and_completed_by_the_municipality_list():
    municipal_labs = _iot_labs().filter(region__kind="municipality")
    assert (municipal_labs.count(), municipal_labs.filter(region__local_government_code="").count()) == (61, 0)


def test_register_northern_territories_villages_left_out():
    assert Region.objects.filter(local_government_code__in=["016951", "017001"]).count() == 0


def test_register_every_region_with_a_code_has_a_katakana_reading():
    from labportal.normalise import KATAKANA

    readings = Region.objects.exclude(local_government_code="").values_list("name_kana", flat=True)
    assert [r for r in readings if not KATAKANA.match(r)] == []


def test_register_municipality_load_again_adds_nothing():
    from labportal.register_load import load_municipalities

    before = Region.objects.count()
    assert (load_municipalities(Region, Prefecture), Region.objects.count()) == (0, before)
