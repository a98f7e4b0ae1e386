"""A person opens the lab directory in a real browser and filters it by bureau."""

import pytest
from playwright.sync_api import expect

from .person import PHONE, Person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_directory_filtered_by_bureau_shows_the_bureaus_labs(live_server, page):
    person = Person(page, "directory")
    person.go_to_site(f"{live_server.url}/labs/")
    expect(page.get_by_test_id("lab-count")).to_have_text("105")

    person.choose("経済産業局", "九州経済産業局")
    person.press("この条件で表示")

    expect(page.get_by_test_id("lab-count")).to_have_text("14")
    expect(page.get_by_role("link", name="嘉飯桂地域")).to_be_visible()
    expect(page.get_by_role("link", name="札幌市")).to_have_count(0)


def test_directory_skip_link_moves_focus_to_main(live_server, page):
    person = Person(page, "directory")
    person.go_to_site(f"{live_server.url}/labs/")
    person.key("Tab")
    expect(page.get_by_role("link", name="本文へ移動")).to_be_focused()
    person.key("Enter")
    expect(page.get_by_role("main")).to_be_focused()


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["1280", "390"])
def test_public_pages_have_no_serious_accessibility_violations(live_server, page, viewport):
    if viewport:
        page.set_viewport_size(viewport)
    person = Person(page, "public")
    person.go_to_site(f"{live_server.url}/")
    person.snap("home")
    for name in ("ラボ一覧", "オープンデータ", "ログイン"):
        person.open_menu()
        person.follow(name, within=page.get_by_role("navigation", name="メインメニュー"))
        person.snap(name)
    assert person.violations == []
