"""Issue 16's public pages: 地域DX推進ラボとは, 移行について, 公募, お知らせ (Atom), 個人情報の取扱い,
利用規約, アクセシビリティ方針 — linked from the top page, their texts edited by staff and shown
safely, their numbers read from the register."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from labportal.models import Lab, Notice, Programme, PublicPage, Region, RoundGuide, SelectionRound
from labportal.models.public import validate_pdf

pytestmark = pytest.mark.django_db

PAGES = ["about", "transition_info", "calls", "notices", "privacy", "terms", "accessibility"]


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


@pytest.mark.parametrize(("name", "queries"), [
    ("about", 6), ("transition_info", 3), ("calls", 2), ("notices", 1), ("privacy", 1), ("terms", 1),
    ("accessibility", 1)])
def test_public_page_renders_for_anonymous_with_pinned_queries(client, django_assert_num_queries, name, queries):
    with django_assert_num_queries(queries):
        response = client.get(reverse(name))
    assert response.status_code == 200


def test_every_public_page_is_linked_from_the_top_page(client):
    home = client.get(reverse("home")).content.decode()
    for name in PAGES:
        assert f'href="{reverse(name)}"' in home, name


def test_about_has_the_comparison_table_role_image_and_criteria(client):
    text = _text(client.get(reverse("about")))
    assert "地方版IoT推進ラボと地域DX推進ラボの相違点" in text
    assert "経済産業省・IPAの役割 選定ラボの支援 選定ラボの支援" in text
    assert "他地域との交流機会の創出" in text
    assert "地域全体（点ではなく面）の視点で対象を捉える" in text
    assert "地域全体（面）と個別企業（点）の視点で対象を捉える" in text
    assert "知る・相談する・試す・導入する・使う" in text and "出会う・育てる" in text
    assert "分野ごとに、自治体、大学、公設試、ITベンダー、ユーザー企業等による地域の産官学プロジェクト等" in text
    assert "1. 方向性" in text and "2. 地域性" in text
    assert "地方版IoT推進ラボ 第7弾: 選定中（令和4年1月現在）" in text
    assert "全国105地域" in text


def test_about_text_is_what_staff_edit(client):
    PublicPage.objects.filter(slug="about").update(body="事務局が書き換えた説明", is_draft=True)
    text = _text(client.get(reverse("about")))
    assert "事務局が書き換えた説明" in text
    assert "地域DX推進ラボとは（案）" in text


def test_staff_text_is_escaped_with_headings_lists_and_links(client):
    PublicPage.objects.filter(slug="terms").update(
        body="<script>alert(1)</script>\n\n## 見出し\n- 項目一\n- 項目二\n\n詳しくは https://example.go.jp/a をご覧ください。")
    content = client.get(reverse("terms")).content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "<h2>見出し</h2>" in content and "<li>項目一</li>" in content
    assert '<a href="https://example.go.jp/a">https://example.go.jp/a</a>' in content


def test_transition_page_shows_the_policy_and_only_states_staff_made_public(client):
    from transition.models import TransitionPolicy, TransitionRequest

    TransitionPolicy.objects.create(name="移行方針（テスト）", period_starts_on=datetime.date(2026, 4, 1),
                                    period_ends_on=datetime.date(2029, 3, 31),
                                    effective_from=timezone.now() - datetime.timedelta(days=1))
    text = _text(client.get(reverse("transition_info")))
    assert "2026年4月1日 〜 2029年3月31日" in text
    assert "計画変更手続きの提出のみ（提出により手続きが完了し、事務局が受理します）" in text
    assert "移行しなかった地方版IoT推進ラボは「廃止」" in text
    assert "当ポータルの運用上の読み方" in text
    assert "札幌市 北海道 北海道経済産業局 第1弾 非公開" in text
    assert "北海道経済産業局 11 0 11" in text
    TransitionRequest.objects.filter(lab__name="札幌市").update(is_public=True)
    text = _text(client.get(reverse("transition_info")))
    assert "札幌市 北海道 北海道経済産業局 第1弾 未着手" in text
    assert "北海道経済産業局 11 0 10" in text
    assert "地方版IoT推進ラボの移行の状況（105地域）" in text


def test_calls_page_shows_iot_round_7_as_in_selection(client):
    text = _text(client.get(reverse("calls")))
    assert "地方版IoT推進ラボ 第7弾（選定中（令和4年1月現在））" in text


def test_calls_page_after_the_announcement_lists_the_selected_regions_and_serves_the_pdf(client):
    dx = Programme.objects.get(code="dx")
    dx_round = SelectionRound.objects.create(programme=dx, number=31, state=SelectionRound.State.ANNOUNCED,
                                             announced_on=datetime.date(2026, 7, 20))
    region = Region.objects.get(kind="prefecture", name="東京都")
    Lab.objects.create(name="東京都地域DX推進ラボ", region=region, programme=dx, selection_round=dx_round)
    guide = RoundGuide.objects.create(selection_round=dx_round, guidelines="## 応募資格\n- 自治体", faq="## Q. 締切は？\nA. 5月末です。",
                                      review_period="2026年6月", notification_on="2026年7月上旬", pdf_title="公募要領（第31弾）")
    guide.guidelines_pdf.save("x.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    text = _text(client.get(reverse("calls")))
    assert "地域DX推進ラボ 第31弾（公表済）" in text
    assert "審査 2026年6月 内示 2026年7月上旬 公表 2026年7月20日" in text
    assert "選定地域一覧（1地域）" in text
    assert "東京都地域DX推進ラボ 東京都 関東経済産業局" in text
    assert "公募要領（第31弾）（PDF）" in text
    pdf = client.get(reverse("round_guide_pdf", args=[guide.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")


def test_a_guide_pdf_must_be_a_pdf():
    with pytest.raises(ValidationError):
        validate_pdf(SimpleUploadedFile("a.pdf", b"<html>not a pdf</html>"))


def test_notices_and_their_atom_feed_show_published_notices_only(client):
    Notice.objects.create(title="第1弾の公募を開始しました", body="詳しくは公募のページをご覧ください。")
    Notice.objects.create(title="予約中のお知らせ", body="まだ", published_at=timezone.now() + datetime.timedelta(days=1))
    page = client.get(reverse("notices")).content.decode()
    assert "第1弾の公募を開始しました" in page and "予約中のお知らせ" not in page
    feed = client.get(reverse("notice_feed"))
    assert feed["Content-Type"].startswith("application/atom+xml")
    body = feed.content.decode()
    assert "<feed" in body and "第1弾の公募を開始しました" in body and "予約中のお知らせ" not in body


def test_accessibility_page_states_the_target_and_the_last_check(client):
    PublicPage.objects.filter(slug="accessibility").update(last_checked_on=datetime.date(2026, 12, 4))
    text = _text(client.get(reverse("accessibility")))
    assert "適合目標 JIS X 8341-3:2016 の適合レベルAAに準拠（目標）" in text
    assert "最終確認日 2026年12月4日" in text


def test_draft_privacy_and_terms_say_they_are_drafts(client):
    assert "個人情報の取扱い（案）" in _text(client.get(reverse("privacy")))
    assert "利用規約（案）" in _text(client.get(reverse("terms")))
