"""対象地域 is chosen with a type-to-search picker (static/js/region-picker.js): a person types part
of a name in kana or kanji, picks a suggestion, sees it as a chip and can take it out again."""

import pytest

from applications.models import Organisation

from .person import DESKTOP, PHONE, Person, expect, log_in, open_dx_round, sapporo_draft

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_region_picker_finds_by_kana_and_kanji_and_removes_a_chip(live_server, page, viewport):
    page.set_viewport_size(viewport)
    sapporo_draft(open_dx_round(1))
    person = Person(page, "region-picker")
    log_in(person, live_server.url, "officer@city.example.jp")
    person.follow("別の団体を登録")
    person.type("団体名", "熊本県市長会", exact=True)
    person.check("地方公共団体（都道府県・市区町村）")

    regions = page.get_by_role("combobox", name="対象地域")
    person.type(regions, "くまもと")  # hiragana finds the names written in kanji, by their reading
    expect(page.get_by_role("option", name="熊本県", exact=True)).to_be_visible()
    person.snap("suggestions")
    page.get_by_role("option", name="熊本市（熊本県）", exact=True).click()
    person.type(regions, "宮崎")
    expect(page.get_by_role("option").first).to_have_accessible_name("宮崎県")
    regions.press("ArrowDown")  # the keyboard: from 宮崎県 down to 宮崎市, then Enter
    regions.press("Enter")
    person.type(regions, "ミヤザキケン")  # katakana too
    page.get_by_role("option", name="宮崎県", exact=True).click()
    chosen = page.get_by_role("list", name="選んだ地域")
    expect(chosen.get_by_role("listitem")).to_have_text(["熊本市（熊本県）×", "宮崎県×", "宮崎市（宮崎県）×"])
    person.snap("chips")

    # 宮崎県 was not meant: its chip's button takes it out again.
    person.press("宮崎県を外す")
    expect(chosen.get_by_role("listitem")).to_have_count(2)
    person.press("登録する")
    expect(page.get_by_text("「熊本県市長会」を登録しました")).to_be_visible()

    organisation = Organisation.objects.get(name="熊本県市長会")
    assert sorted(str(r) for r in organisation.regions.select_related("prefecture")) == [
        "宮崎市（宮崎県）", "熊本市（熊本県）"]
    assert person.violations == []
