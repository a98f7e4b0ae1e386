"""A person opens the lab directory in a real browser and filters it by bureau."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_directory_filtered_by_bureau_shows_the_bureaus_labs(live_server, page):
    page.goto(f"{live_server.url}/labs/")
    expect(page.get_by_test_id("lab-count")).to_have_text("105")

    page.get_by_label("経済産業局").select_option(label="九州")
    page.get_by_role("button", name="この条件で表示").click()

    expect(page.get_by_test_id("lab-count")).to_have_text("14")
    expect(page.get_by_role("link", name="嘉飯桂地域")).to_be_visible()
    expect(page.get_by_role("link", name="札幌市")).to_have_count(0)


def test_directory_skip_link_moves_focus_to_main(live_server, page):
    page.goto(f"{live_server.url}/labs/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="本文へ移動")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_public_pages_have_no_serious_accessibility_violations(live_server, page):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    for path in ("/", "/labs/", "/opendata/", "/accounts/login/"):
        page.goto(f"{live_server.url}{path}")
        violations = [v for v in axe.run(page).response["violations"]
                      if v["impact"] in ("serious", "critical")]
        assert [(path, v["id"]) for v in violations] == []
