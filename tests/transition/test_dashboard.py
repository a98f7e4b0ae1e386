"""The staff dashboard: counts against hand-counted data, the tile map, progress by month, the
labs at risk with their one-click reminder, the exports, and a query count that does not grow."""

import datetime
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from labportal.models import Lab, OutboxMail
from transition import selectors, services
from transition.models import TransitionRequest
from transition.tilemap import TILE_COLUMNS, TILE_POSITIONS, TILE_ROWS
from tests.factories import OrganisationFactory, member_of

from .conftest import fill_plan, iot_lab, jst, make_policy, request_of

pytestmark = pytest.mark.django_db
State = TransitionRequest.State


@pytest.fixture
def scene(staff):
    """Hand-made: 会津若松市 approved (2026-05), 札幌市 submitted, 仙台市 declined, 宮城県 drafting."""
    make_policy(starts_on=datetime.date(2025, 4, 1), ends_on=datetime.date(2028, 3, 31),
                effective_from=jst(2025, 1, 1))
    people = {}
    for name in ("会津若松市", "札幌市", "仙台市", "宮城県"):
        organisation = OrganisationFactory(name=name)
        people[name] = member_of(organisation)
        services.request_link_organisation(transition_request=request_of(iot_lab(name)), organisation=organisation, by=staff)
    with time_machine.travel(jst(2026, 5, 20, 10), tick=False):
        aizu = fill_plan(services.request_start(transition_request=request_of(iot_lab("会津若松市")), user=people["会津若松市"]))
        services.request_decide(transition_request=services.request_submit(transition_request=aizu, user=people["会津若松市"]),
                                to_state=State.APPROVED, by=staff)
        sapporo = fill_plan(services.request_start(transition_request=request_of(iot_lab("札幌市")), user=people["札幌市"]))
        services.request_submit(transition_request=sapporo, user=people["札幌市"])
        services.request_decline(transition_request=request_of(iot_lab("仙台市")), user=people["仙台市"])
        services.request_start(transition_request=request_of(iot_lab("宮城県")), user=people["宮城県"])
    return people


def test_counts_overall_by_bureau_round_and_kind_match_hand_counts(scene):
    b = selectors.dashboard_breakdowns(selectors.state_counts())
    assert dict(b["overall"].counts) == {State.APPROVED: 1, State.SUBMITTED: 1, State.DECLINED: 1,
                                         State.DRAFT: 1, State.NOT_STARTED: 101}
    bureaus = {row.label: row for row in b["by_bureau"]}
    assert (bureaus["東北経済産業局"].total, dict(bureaus["東北経済産業局"].counts)) == (
        10, {State.APPROVED: 1, State.DECLINED: 1, State.DRAFT: 1, State.NOT_STARTED: 7})
    assert dict(bureaus["北海道経済産業局"].counts) == {State.SUBMITTED: 1, State.NOT_STARTED: 10}
    assert bureaus["九州経済産業局"].total == 14 and bureaus["沖縄総合事務局"].total == 3
    rounds = {row.label: row for row in b["by_round"]}
    assert [r.label for r in b["by_round"]] == ["第1弾", "第2弾", "第3弾", "第4弾", "第5弾", "第6弾"]
    assert (rounds["第1弾"].total, rounds["第1弾"].moved, rounds["第1弾"].counts[State.NOT_STARTED]) == (29, 1, 26)
    assert dict(rounds["第2弾"].counts)[State.DECLINED] == 1
    kinds = {row.key: row for row in b["by_kind"]}
    assert (kinds["prefecture"].total, dict(kinds["prefecture"].counts)) == (
        41, {State.DRAFT: 1, State.NOT_STARTED: 40})
    assert (kinds["municipality"].total, kinds["municipality"].moved) == (61, 1)
    assert kinds["collaboration"].total == 3


def test_tile_map_has_47_prefectures_on_distinct_cells():
    assert sorted(TILE_POSITIONS) == [f"{code:02d}" for code in range(1, 48)]
    assert len(set(TILE_POSITIONS.values())) == 47
    assert all(0 <= c < TILE_COLUMNS and 0 <= r < TILE_ROWS for c, r in TILE_POSITIONS.values())


def test_tile_map_colours_by_share_moved_with_text(scene, staff, client):
    tiles = {t.prefecture.name: t for t in selectors.tile_map(
        selectors.dashboard_breakdowns(selectors.state_counts())["by_prefecture"])}
    assert (tiles["福島県"].breakdown.total, tiles["福島県"].breakdown.moved, tiles["福島県"].level) == (1, 1, "all")
    assert (tiles["北海道"].breakdown.total, tiles["北海道"].level) == (11, "0")
    assert (tiles["東京都"].breakdown.total, tiles["東京都"].level) == (1, "0")  # 大田区
    assert selectors.Tile(tiles["東京都"].prefecture, 0, 0, selectors.Breakdown("13", "東京都")).level == "none"
    client.force_login(staff)
    page = client.get("/transition/dashboard/").content.decode()
    assert "IoTラボ1件のうち1件が移行済（100%）" in page


def test_tile_click_lists_the_prefectures_labs(scene, staff, client):
    client.force_login(staff)
    response = client.get("/transition/dashboard/", {"prefecture": "01"})
    names = [r.lab.name for r in response.context["prefecture_labs"]]
    assert sorted(names) == sorted(Lab.objects.filter(programme__code="iot", region__prefecture__code="01")
                                   .values_list("name", flat=True))
    assert len(names) == 11


def test_progress_by_month_against_the_line_to_finish_on_time(scene):
    policy = make_policy(starts_on=datetime.date(2026, 4, 1), ends_on=datetime.date(2027, 3, 31),
                         effective_from=jst(2026, 1, 1), name="1年")
    progress = selectors.progress_by_month(policy, 105, now=jst(2026, 6, 15, 12))
    assert progress["labels"][:3] == ["2026年4月", "2026年5月", "2026年6月"] and len(progress["labels"]) == 12
    assert progress["per_month"][:3] == [0, 1, 0]
    assert progress["cumulative"][:4] == [0, 1, 1, None]  # no running total in the future
    assert progress["target"][-1] == 105.0
    assert progress["target"][0] == round(105 * 30 / 365, 1)
    assert (progress["moved"], progress["remaining"], progress["months_left"]) == (1, 104, 10)
    assert progress["needed_per_month"] == 10.4


def test_at_risk_lists_labs_with_nothing_submitted_when_the_end_is_near(scene):
    policy = make_policy(starts_on=datetime.date(2025, 4, 1), ends_on=datetime.date(2026, 7, 31),
                         effective_from=jst(2026, 1, 2), name="短縮")
    assert selectors.at_risk(policy, now=jst(2026, 4, 1, 9)) == []  # 121 days before the end
    risky = selectors.at_risk(policy, now=jst(2026, 6, 1, 9))
    assert len(risky) == 102  # every lab but the approved, the submitted and the declined
    assert {r.state for r in risky} == {State.NOT_STARTED, State.DRAFT}


def test_one_click_reminder_never_twice_the_same_day(scene, staff, client):
    make_policy(starts_on=datetime.date(2025, 4, 1), ends_on=datetime.date(2026, 7, 31),
                effective_from=jst(2026, 1, 2), name="短縮")
    client.force_login(staff)
    miyagi = request_of(iot_lab("宮城県"))
    with time_machine.travel(jst(2026, 6, 1, 9), tick=False):
        client.post("/transition/dashboard/remind/", {"request": [miyagi.pk]})
        client.post("/transition/dashboard/remind/", {"request": [miyagi.pk]})
        risky = {r.pk: r for r in selectors.at_risk(services.TransitionPolicy.objects.in_force())}
        assert risky[miyagi.pk].reminded_today is True
    assert OutboxMail.objects.filter(event="transition_reminder").count() == 1
    with time_machine.travel(jst(2026, 6, 2, 0, 1), tick=False):
        client.post("/transition/dashboard/remind/", {"request": [miyagi.pk]})
    assert OutboxMail.objects.filter(event="transition_reminder").count() == 2


def test_one_click_reminder_skips_labs_without_organisation_or_submitted(scene, staff):
    reached = services.reminder_send_now(request_ids=[request_of(iot_lab("札幌市")).pk,
                                                      request_of(iot_lab("福岡市")).pk], by=staff)
    assert reached == 0
    assert not OutboxMail.objects.filter(event="transition_reminder").exists()


def test_export_csv_has_every_lab_with_its_state(scene, staff, client):
    client.force_login(staff)
    response = client.get("/transition/dashboard/export.csv")
    text = response.content.decode("utf-8")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert text.startswith("\ufeffラボID,ラボ名,都道府県")
    lines = text.strip().split("\r\n")
    assert len(lines) == 106
    aizu = next(line for line in lines if ",会津若松市," in line)
    assert ",移行完了,DXラボへ移行済,会津若松市," in aizu


def test_export_xlsx_opens_with_openpyxl(scene, staff, client):
    client.force_login(staff)
    response = client.get("/transition/dashboard/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert sheet.title == "移行状況" and len(rows) == 106
    header = rows[0]
    aizu = next(r for r in rows if r[1] == "会津若松市")
    assert aizu[header.index("移行の状態")] == "移行完了"
    assert aizu[header.index("IoTラボの状態")] == "DXラボへ移行済"
    assert aizu[header.index("決定年度")] == "令和8年度"
    assert aizu[header.index("移行先DXラボID")] == Lab.objects.get(predecessor=iot_lab()).pk


def test_export_neutralises_formula_like_cells(scene, staff, client):
    TransitionRequest.objects.filter(lab__name="札幌市").update(decision_message="=HYPERLINK(\"x\")")
    client.force_login(staff)
    text = client.get("/transition/dashboard/export.csv").content.decode()
    assert "'=HYPERLINK" in text


def _keep_only(count):
    named = [iot_lab(name).pk for name in ("会津若松市", "札幌市", "仙台市", "宮城県")]
    keep = named + list(Lab.objects.filter(programme__code="iot").exclude(pk__in=named).order_by("pk")
                        .values_list("pk", flat=True)[:count - len(named)])
    TransitionRequest.objects.exclude(lab_id__in=keep).delete()
    Lab.objects.filter(programme__code="iot").exclude(pk__in=keep).delete()


@pytest.mark.parametrize("labs", [10, 105])
def test_dashboard_query_count_is_the_same_for_10_and_105_labs(scene, staff, client, labs):
    make_policy(starts_on=datetime.date(2025, 4, 1), ends_on=datetime.date(2026, 7, 31),
                effective_from=jst(2026, 1, 2), name="短縮")
    if labs < 105:
        _keep_only(labs)
    assert TransitionRequest.objects.count() == labs
    client.force_login(staff)
    with time_machine.travel(jst(2026, 6, 1, 9), tick=False):
        client.get("/transition/dashboard/", {"prefecture": "07"})
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/transition/dashboard/", {"prefecture": "07"})
    assert response.status_code == 200
    assert len(queries) == 14
