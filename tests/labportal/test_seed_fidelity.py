"""Issue 16: what the portal says is what the study group's material (shared/seed/) says, and
what it does not know it does not invent. Each test pins the seed's wording, normalised: the
full-width 「・」 and no stray spaces (the PDF's line breaks and half-width 「･」 removed)."""

import re

import pytest
from django.urls import reverse

from labportal.models import Lab, Programme, Region, SelectionRound

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    """The page's visible text, one space between elements."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


def _home(client) -> str:
    return _text(client.get(reverse("home")))


def test_home_activity_image_has_every_stage_and_the_industry_line(client):
    text = _home(client)
    assert "知る・相談する・試す・導入する・使う" in text
    assert "出会う・育てる" in text
    assert "分野ごとに、自治体、大学、公設試、ITベンダー、ユーザー企業等による地域の産官学プロジェクト等" in text
    for example in ["デジタル推進人材育成講座／研修", "ユーザー企業とITベンダー等のマッチング・交流会",
                    "研究開発", "試行・試作", "製品開発／実証", "実装・製品化", "アイデアソン・ハッカソン"]:
        assert example in text


def test_home_states_the_role_of_meti_and_ipa_beside_the_implementing_body(client):
    text = _home(client)
    assert "経済産業省・IPAの役割 選定ラボの支援" in text
    assert "ラボの実施主体 自治体、公的機関、企業、学校、市民等によって構成される組合・団体等" in text


def test_programme_texts_have_no_pdf_artefacts():
    for programme in Programme.objects.all():
        texts = [programme.purpose, programme.implementing_body, programme.role,
                 *programme.eligible_initiatives, *programme.merits]
        for text in texts:
            assert "･" not in text, text
            assert not re.search(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])", text), text


def test_public_pages_use_no_half_width_middle_dot(client):
    for name in ("home", "lab_list", "opendata"):
        assert "･" not in client.get(reverse(name)).content.decode(), name


def test_iot_round_7_is_public_as_in_selection_in_january_2022(client):
    round_7 = SelectionRound.objects.get(programme__code="iot", number=7)
    assert round_7.public_status == "選定中（令和4年1月現在）"
    assert "地方版IoT推進ラボ 第7弾: 選定中（令和4年1月現在）" in _home(client)


def test_home_lists_the_six_iot_rounds_by_month_with_their_counts(client):
    text = _home(client)
    assert "地方版IoT推進ラボ 第1弾: 2016年7月 29地域選定" in text
    assert "地方版IoT推進ラボ 第6弾: 2021年4月 4地域選定" in text


def test_directory_shows_selection_as_a_month_under_senteijiki(client):
    text = _text(client.get(reverse("lab_list"), {"q": "札幌市"}))
    assert "選定時期" in text
    assert "2016年7月" in text
    assert "2016年7月1日" not in text


def test_iot_labs_status_the_seed_does_not_state_is_unregistered(client):
    assert Lab.objects.filter(programme__code="iot").count() == 105
    assert not Lab.objects.filter(programme__code="iot", status=Lab.Status.ACTIVE).exists()
    content = client.get(reverse("lab_list"), {"q": "札幌市"}).content.decode()
    table = _text(type("R", (), {"content": content[content.index("<table"):].encode()}))
    assert "札幌市 IoTラボ 市区町村 北海道 北海道経済産業局 第1弾 2016年7月 状況未登録" in table
    assert "活動中" not in table


def test_directory_names_bureaus_in_full(client):
    content = client.get(reverse("lab_list")).content.decode()
    for name in ["北海道経済産業局", "東北経済産業局", "関東経済産業局", "中部経済産業局", "近畿経済産業局",
                 "中国経済産業局", "四国経済産業局", "九州経済産業局", "沖縄総合事務局"]:
        assert f">{name}</option>" in content
    assert "<td>北海道</td><td>北海道経済産業局</td>" in re.sub(r">\s+<", "><", content)
    assert ">北海道</option>" in content  # the prefecture, not the bureau


def test_directory_counts_iot_regions_from_the_register_not_the_template(client):
    assert "地方版IoT推進ラボ（全国105地域）" in _text(client.get(reverse("lab_list")))
    round_7 = SelectionRound.objects.get(programme__code="iot", number=7)
    region = Region.objects.get(kind="prefecture", name="東京都")
    Lab.objects.create(name="東京都", region=region, programme=round_7.programme, selection_round=round_7)
    assert "地方版IoT推進ラボ（全国106地域）" in _text(client.get(reverse("lab_list")))
    assert "全国106地域" in _home(client)


def test_directory_round_filter_tells_programmes_apart(client):
    dx = Programme.objects.get(code="dx")
    dx_round = SelectionRound.objects.create(programme=dx, number=1, state="announced")
    region = Region.objects.get(kind="prefecture", name="東京都")
    Lab.objects.create(name="東京都地域DX推進ラボ", region=region, programme=dx, selection_round=dx_round)
    response = client.get(reverse("lab_list"), {"round": "iot-1"})
    assert len(response.context["labs"]) == 29
    response = client.get(reverse("lab_list"), {"round": "dx-1"})
    assert [lab.name for lab in response.context["labs"]] == ["東京都地域DX推進ラボ"]
    content = response.content.decode()
    assert ">地方版IoT推進ラボ 第1弾</option>" in content and ">地域DX推進ラボ 第1弾</option>" in content


def test_phone_examples_are_placeholders_not_a_real_office():
    from applications.models import BasicInfoSection

    help_text = BasicInfoSection._meta.get_field("contact_phone").help_text
    assert "000-0000-0000" in help_text
    assert "011-211-2111" not in help_text


def test_mail_greeting_uses_sama():
    from labportal.services import render_mail

    _subject, body = render_mail("round_opened", {
        "recipient": {"name": "会津 太郎", "organisation": "会津若松市", "email": "a@example.jp"},
        "round_name": "地域DX推進ラボ 第1弾", "closes_at": "2026-04-01T00:00:00+09:00", "url": "/",
        "reminder_days": [7]})
    assert "会津 太郎 様" in body


def test_staff_record_an_unregistered_labs_activity_through_the_service():
    from labportal.services import lab_confirm_active
    from tests.factories import StaffFactory

    staff = StaffFactory()
    sapporo = Lab.objects.get(programme__code="iot", name="札幌市")
    assert lab_confirm_active(labs=[sapporo], by=staff) == 1
    sapporo.refresh_from_db()
    assert sapporo.get_status_display() == "活動中"
    assert lab_confirm_active(labs=[sapporo], by=staff) == 0  # only 状況未登録 labs change


def test_activities_are_worded_as_the_seed_words_them():
    from applications.models import Activity

    names = dict(Activity.objects.values_list("code", "name"))
    assert names["training"] == "デジタル推進人材育成講座／研修"
    assert names["seminar"] == "セミナー等"
    assert names["matching"] == "ユーザー企業とITベンダー等のマッチング・交流会"
    assert Activity.objects.get(code="training").stage == "育てる"


def test_regionality_asks_its_criterion_and_innovation_the_initiatives():
    from applications.forms import InnovationForm, RegionalityForm
    from applications.models import RegionalityAspect

    assert [str(a) for a in RegionalityAspect.objects.order_by("code")] == [
        "1）地域課題の解決や地域産業の競争優位性の確保等に資するDX推進のための取組であること。",
        "2）地域企業の競争優位性の確保等に資するDX推進のための取組であること。"]
    assert "initiatives" not in RegionalityForm.base_fields
    assert "initiatives" in InnovationForm.base_fields


def test_one_honorific_style_sama_in_mail_and_pages():
    from pathlib import Path

    from django.conf import settings

    offenders = [str(path.relative_to(settings.BASE_DIR)) for path in (Path(settings.BASE_DIR) / "templates").rglob("*")
                 if path.suffix in {".txt", ".html"} and re.search(r"\}\} ?さん", path.read_text(encoding="utf-8"))]
    assert offenders == []
