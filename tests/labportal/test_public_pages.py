import csv
import io
import json

import pytest
from django.urls import reverse

from labportal.models import Lab

pytestmark = pytest.mark.django_db

# Pinned query counts of the public pages (anonymous). A change here is a change in cost.
PUBLIC_PAGES = [
    ("home", {}, 6),  # + the IoT rounds with their counts (全国n地域, 第7弾 選定中)
    ("lab_list", {}, 6),  # + the rounds of the round filter, + the number of IoT labs (全国n地域)
    ("lab_list", {"bureau": "kanto"}, 6),
    ("opendata", {}, 2),  # the number of rows and the last-updated date it states
    ("opendata_labs_json", {}, 3),  # labs, the members of collaborations, the last-updated date
    ("opendata_labs_csv", {}, 3),
]


@pytest.mark.parametrize(("name", "params", "queries"), PUBLIC_PAGES)
def test_public_page_renders_for_anonymous_with_pinned_queries(client, django_assert_num_queries,
                                                               name, params, queries):
    with django_assert_num_queries(queries):
        response = client.get(reverse(name), params)
    assert response.status_code == 200


def test_lab_detail_renders_for_anonymous_with_pinned_queries(client, django_assert_num_queries):
    lab = Lab.objects.get(name="札幌市")
    with django_assert_num_queries(2):
        response = client.get(lab.get_absolute_url())
    assert "北海道経済産業局" in response.content.decode()


def test_lab_detail_unknown_id_is_404(client):
    assert client.get(reverse("lab_detail", args=[999999])).status_code == 404


def test_home_shows_the_six_criteria_in_order(client):
    content = client.get(reverse("home")).content.decode()
    positions = [content.index(f"{n}. {name}") for n, name in enumerate(
        ["方向性", "地域性", "革新性", "自治体の積極性と継続性", "多様性と一体感", "その他"], start=1)]
    assert positions == sorted(positions)


def test_home_draws_the_quadrant_diagram_as_svg_text(client):
    content = client.get(reverse("home")).content.decode()
    svg = content[content.index("<svg"):content.index("</svg>")]
    assert all(name in svg for name in ["新規ビジネスの創出支援", "新規産業の創出", "現行ビジネスの変革支援",
                                          "現行産業の変革"])


def test_directory_lists_every_lab_without_filter(client):
    response = client.get(reverse("lab_list"))
    assert len(response.context["labs"]) == 105


@pytest.mark.parametrize(("params", "count"), [
    ({"bureau": "hokkaido"}, 11), ({"bureau": "okinawa"}, 3), ({"bureau": "kanto"}, 21),
    ({"kind": "collaboration"}, 3), ({"kind": "prefecture"}, 41), ({"round": "iot-5"}, 8),
    ({"programme": "iot", "round": "６"}, 4), ({"programme": "iot", "round": "1"}, 29), ({"prefecture": "13"}, 1),
    ({"bureau": "kyushu", "kind": "municipality"}, 6), ({"programme": "dx"}, 0),
])
def test_directory_filters_count_the_right_labs(client, params, count):
    response = client.get(reverse("lab_list"), params)
    assert len(response.context["labs"]) == count


def test_directory_bad_filter_value_says_what_is_wrong_and_keeps_input(client):
    response = client.get(reverse("lab_list"), {"round": "abc", "bureau": "kanto", "q": "横浜"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "条件に誤りがあります" in content
    assert 'value="横浜"' in content
    assert '<option value="kanto" selected>' in content


def test_directory_facets_count_by_bureau(client):
    response = client.get(reverse("lab_list"), {"kind": "prefecture"})
    assert response.context["facets"]["bureau"]["tohoku"] == 5


def _json_labs(client):
    return json.loads(client.get(reverse("opendata_labs_json")).content)["labs"]


def test_opendata_json_has_every_lab_with_documented_fields(client):
    labs = _json_labs(client)
    assert len(labs) == 105
    assert {"name", "region_kind", "prefecture", "bureau", "programme", "round", "selected_on",
            "status"} <= set(labs[0])


def test_opendata_json_describes_a_lab_as_the_seed(client):
    sapporo = next(lab for lab in _json_labs(client) if lab["name"] == "札幌市")
    assert {k: sapporo[k] for k in ("region_kind", "prefecture", "bureau", "programme", "round",
                                     "selected_year", "selected_month", "selected_on", "status")} == {
        "region_kind": "municipality", "prefecture": "北海道", "bureau": "北海道経済産業局",
        "programme": "iot", "round": 1, "selected_year": 2016, "selected_month": 7, "selected_on": None,
        "status": "unregistered"}


def test_opendata_json_names_okinawa_bureau_and_collaborations(client):
    labs = _json_labs(client)
    assert sorted(lab["name"] for lab in labs if lab["region_kind"] == "collaboration") == \
        sorted(["秋田横連携", "湘南地域", "嘉飯桂地域"])
    assert sum(lab["bureau"] == "沖縄総合事務局" for lab in labs) == 3


def _csv_rows(client):
    body = client.get(reverse("opendata_labs_csv")).content
    assert body.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_opendata_csv_is_utf8_with_bom_one_row_per_lab(client):
    rows = _csv_rows(client)
    assert len(rows) == 105
    assert rows[0].keys() >= {"name", "region_kind", "prefecture", "bureau", "programme", "round",
                              "selected_on", "status"}


def test_opendata_csv_neutralises_formula_like_cells(client):
    Lab.objects.filter(name="札幌市").update(name="=HYPERLINK(\"http://evil\")")
    rows = _csv_rows(client)
    assert any(row["name"] == "'=HYPERLINK(\"http://evil\")" for row in rows)


def test_opendata_json_and_csv_agree(client):
    json_names = sorted(lab["name"] for lab in _json_labs(client))
    csv_names = sorted(row["name"] for row in _csv_rows(client))
    assert json_names == csv_names


def test_healthz_answers_ok(client):
    assert client.get("/healthz").content == b"ok"


def test_home_lists_an_open_round_with_its_deadline_in_japanese(client):
    import datetime
    from zoneinfo import ZoneInfo

    import time_machine

    from labportal.models import Programme, SelectionRound

    jst = ZoneInfo("Asia/Tokyo")
    SelectionRound.objects.create(
        programme=Programme.objects.get(code="dx"), number=9, state=SelectionRound.State.OPEN,
        opens_at=datetime.datetime(2026, 3, 1, 9, 0, tzinfo=jst),
        closes_at=datetime.datetime(2026, 4, 1, 17, 0, tzinfo=jst))
    with time_machine.travel(datetime.datetime(2026, 3, 25, 12, 0, tzinfo=jst), tick=False):
        content = client.get(reverse("home")).content.decode()
    assert "地域DX推進ラボ 第9弾" in content
    assert "2026年4月1日（水）17:00" in content
