"""Issue 16's open data: member codes, フリガナ, programme and round, 選定時期 by month, 移行日 and
predecessor, the licence, last-updated date and row count, a stable order, the column table."""

import csv
import io
import json

import pytest
from django.urls import reverse

from labportal import opendata
from labportal.models import Lab, Region

pytestmark = pytest.mark.django_db

KAHIKEI_CODES = {"嘉麻市": "402273", "飯塚市": "402052", "桂川町": "404217"}


def _json(client):
    return json.loads(client.get(reverse("opendata_labs_json")).content)


def _csv(client):
    response = client.get(reverse("opendata_labs_csv"))
    return response, list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def _give_kahikei_members_their_codes():
    # H4 loads every municipality with its code; here only the three the test needs.
    for name, code in KAHIKEI_CODES.items():
        Region.objects.filter(kind="municipality", name=name, local_government_code="").update(
            local_government_code=code)


def test_opendata_lists_every_member_code_of_a_collaboration(client):
    _give_kahikei_members_their_codes()
    labs = {lab["name"]: lab for lab in _json(client)["labs"]}
    assert sorted(labs["嘉飯桂地域"]["local_government_codes"]) == sorted(KAHIKEI_CODES.values())
    assert labs["嘉飯桂地域"]["members_note"] == ""


def test_opendata_says_when_the_register_does_not_know_a_collaborations_members(client):
    labs = {lab["name"]: lab for lab in _json(client)["labs"]}
    assert labs["秋田横連携"]["local_government_codes"] == []
    assert labs["秋田横連携"]["members_note"] == "構成自治体は台帳に未登録"


def test_opendata_gives_a_prefectures_own_code_and_the_csv_joins_codes_with_spaces(client):
    _give_kahikei_members_their_codes()
    labs = {lab["name"]: lab for lab in _json(client)["labs"]}
    assert labs["宮城県"]["local_government_codes"] == ["040002"]
    _response, rows = _csv(client)
    kahikei = next(row for row in rows if row["name"] == "嘉飯桂地域")
    assert sorted(kahikei["local_government_codes"].split(" ")) == sorted(KAHIKEI_CODES.values())


def test_opendata_gives_selection_by_year_and_month_only_where_the_seed_does(client):
    labs = {lab["name"]: lab for lab in _json(client)["labs"]}
    assert (labs["宮城県"]["selected_year"], labs["宮城県"]["selected_month"],
            labs["宮城県"]["selected_on"]) == (2016, 7, None)
    assert labs["宮城県"]["programme"] == "iot" and labs["宮城県"]["round"] == 1
    assert labs["宮城県"]["programme_name"] == "地方版IoT推進ラボ"
    assert "name_kana" in labs["宮城県"]


def test_opendata_states_licence_date_and_count_in_json_and_on_the_page(client):
    data = _json(client)
    meta = data["metadata"]
    assert meta["licence"] == "公共データ利用規約（第1.0版）（PDL1.0）"
    assert "CC BY 4.0" in meta["licence_note"]
    assert meta["count"] == len(data["labs"]) == 105
    assert meta["last_updated"]
    assert [field["name"] for field in data["fields"]] == opendata.FIELDS
    page = client.get(reverse("opendata")).content.decode()
    assert "公共データ利用規約（第1.0版）" in page and "CC BY 4.0" in page
    assert "105件" in page
    year, month, day = (int(part) for part in meta["last_updated"].split("-"))
    assert f"{year}年{month}月{day}日" in page
    for name in opendata.FIELDS:
        assert f"<code>{name}</code>" in page


def test_opendata_csv_states_licence_date_and_count_in_its_headers(client):
    response, rows = _csv(client)
    assert 'rel="license"' in response["Link"]
    assert response["X-Data-Rows"] == str(len(rows)) == "105"
    assert response["X-Data-Last-Updated"]
    assert list(rows[0].keys()) == opendata.FIELDS


def test_opendata_order_is_stable_whatever_was_edited_last(client):
    first = [lab["id"] for lab in _json(client)["labs"]]
    lab = Lab.objects.get(name="札幌市")
    lab.implementing_body = "札幌市IoT推進ラボ"
    lab.save()
    assert [lab["id"] for lab in _json(client)["labs"]] == first
    _response, rows = _csv(client)
    assert [int(row["id"]) for row in rows] == first
