"""Issue 16: a municipality officer or a journalist reads the programme's public pages, reached from
the top page by their links, at 1280 and 390 px; axe-core finds nothing serious on any of them."""

import pytest
from playwright.sync_api import expect

from labportal.models import Notice

from .person import PHONE, Person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PAGES = [
    ("地域DX推進ラボとは", "地域DX推進ラボとは"),
    ("地方版IoT推進ラボからの移行について", "移行について"),
    ("公募", "公募"),
    ("お知らせ", "お知らせ"),
    ("個人情報の取扱い", "個人情報の取扱い（案）"),
    ("利用規約", "利用規約（案）"),
    ("アクセシビリティ方針", "アクセシビリティ方針"),
]


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["1280", "390"])
def test_public_programme_pages_are_linked_from_the_top_and_pass_axe(live_server, page, viewport):
    Notice.objects.create(title="地域DX推進ラボ 第1弾の公募を開始しました", body="詳しくは公募のページをご覧ください。")
    if viewport:
        page.set_viewport_size(viewport)
    person = Person(page, "public-programme")
    person.go_to_site(f"{live_server.url}/")
    guide = page.get_by_role("navigation", name="ご案内")
    for link, heading in PAGES:
        person.follow(link, exact=True, within=guide)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        person.snap(link)
        person.go_to_site(f"{live_server.url}/")
    person.follow("地域DX推進ラボとは", exact=True, within=guide)
    expect(page.get_by_role("table", name="地方版IoT推進ラボと地域DX推進ラボの相違点")).to_be_visible()
    expect(page.get_by_text("知る・相談する・試す・導入する・使う")).to_be_visible()
    person.go_to_site(f"{live_server.url}/")
    person.follow("お知らせ", exact=True, within=guide)
    person.follow("地域DX推進ラボ 第1弾の公募を開始しました")
    expect(page.get_by_role("heading", level=1)).to_have_text("地域DX推進ラボ 第1弾の公募を開始しました")
    person.snap("notice")
    assert person.violations == []
