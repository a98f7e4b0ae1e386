"""The transition dashboard's tile map legend, as staff read it at 1280 and at 390 px wide: it is
titled, says what a tile's numbers (「0/5」) mean, and its colour swatches are as tall as the
text beside them (they were a 1rem speck beside small print, with nothing on the numbers)."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import expect

from labportal.models import User
from tests.two_factor import secret_of, type_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "chizu-no-hanrei-2026"
SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots" / "tilemap-legend"


@pytest.mark.parametrize("width", [1280, 390])
def test_tilemap_legend_explains_numbers_and_colours(live_server, page, width):
    call_command("demo_data", stdout=io.StringIO())
    staff = User.objects.get(email="staff@labportal.example")
    staff.set_password(PASSWORD)
    staff.save()
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("メールアドレス").fill(staff.email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    type_code(page, secret_of(staff))
    if width < 768:
        page.get_by_role("button", name="メニューを開く").click()
    page.get_by_role("link", name="移行状況").click()
    legend = page.get_by_role("list", name="凡例")
    expect(legend).to_be_visible()
    expect(page.get_by_text("凡例", exact=True)).to_be_visible()
    expect(page.get_by_text("マスの数字は「移行済のラボ数／IoTラボの数」です", exact=False)).to_be_visible()
    items = legend.get_by_role("listitem")
    expect(items).to_have_count(7)
    text_height = items.first.bounding_box()["height"]
    swatches = [items.nth(i).locator(".tile-swatch").bounding_box() for i in range(7)]
    assert all(box["height"] >= 20 and box["width"] >= 20 for box in swatches), (swatches, text_height)
    SHOTS.mkdir(parents=True, exist_ok=True)
    legend.scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / f"{width}.png", full_page=True)
    legend.screenshot(path=SHOTS / f"{width}-legend.png")
    page.get_by_role("region", name="都道府県別の移行率").first.screenshot(path=SHOTS / f"{width}-map.png")
