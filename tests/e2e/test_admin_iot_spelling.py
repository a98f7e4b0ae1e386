"""The admin shows the programme's name as written, 「IoT」: Django's admin draws its captions in
capitals (CSS text-transform), and staff read 「IOTラボからDXラボへの移行」 on the index and in the
side menu. Checked on the text as drawn (inner text), which is what a person sees."""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_admin_axe import _log_in
from tests.review.factories import StaffFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_admin_index_and_menu_spell_iot_as_written(live_server, page):
    staff = StaffFactory(email="staff-iot@example.go.jp")
    _log_in(page, live_server.url, staff)
    section = page.get_by_role("link", name="IoTラボからDXラボへの移行")
    expect(section.first).to_have_text("IoTラボからDXラボへの移行", use_inner_text=True)
    section.first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert "IOT" not in page.locator("body").inner_text()
