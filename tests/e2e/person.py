"""The ONE helper module of the browser tests: a person at a browser.

Every action goes through Playwright's ordinary click/fill/select_option/check/press on a locator
found by its role or visible label, with the actionability checks on: a field is clicked before it
is typed into (so a clipped or covered field fails the test as it fails a person), files are
attached through the file chooser the person opens, links are followed by their names. No
script run in the page, no forcing past actionability, no hand-fired events, no hidden inputs, no CSS ids
(tests/e2e/test_person_rules.py keeps it so).

    person = Person(page, journey="applicant")
    person.go_to_site(live_server.url)
    person.follow("アカウント作成")
    person.type("メールアドレス", "hanako@example.jp")
    person.press("アカウントを作成する")
    person.snap("signup")            # var/screenshots/applicant/1280/01-signup.png + axe + no sideways scroll
    assert person.violations == []

The set-ups several browser tests start from (an open round, 札幌市 with a draft) live here too.
"""

from __future__ import annotations

import datetime
import re
import struct
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

PASSWORD = "kita-no-daichi-2026"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SERIOUS = ("serious", "critical")


def _png_width(data: bytes) -> int:
    return struct.unpack(">I", data[16:20])[0]


class AxeLog:
    """Runs axe-core on each page it is given and keeps the serious and critical violations."""

    def __init__(self, page: Page):
        from axe_playwright_python.sync_playwright import Axe

        self.page, self.axe, self.violations = page, Axe(), []

    def check(self, name: str, page: Page | None = None) -> list:
        found = self.axe.run(page or self.page).response["violations"]
        new = [(name, v["id"], [n["target"] for n in v["nodes"]][:3]) for v in found if v["impact"] in SERIOUS]
        self.violations += new
        return new


class Person:
    """A person at one browser page. `journey` names the screenshot folder; the width folder is the
    page's viewport width. `snap(step)` saves a numbered full-page screenshot, runs axe-core and
    records a page that scrolls sideways (wider than the viewport) as a violation too."""

    def __init__(self, page: Page, journey: str = "misc", *, axe: AxeLog | None = None, accept_dialogs=True,
                 keyboard: bool = False):
        """keyboard=True: the same person without a mouse — every action reaches its control with
        Tab (Shift+Tab) and acts with Enter, Space, arrows and typing."""
        self.page, self.journey, self.steps, self.keyboard = page, journey, 0, keyboard
        self.axe = axe or AxeLog(page)
        if accept_dialogs:
            page.on("dialog", lambda dialog: dialog.accept())

    # --- what the tests read --------------------------------------------------------------------------

    @property
    def violations(self) -> list:
        return self.axe.violations

    @property
    def width(self) -> int:
        return self.page.viewport_size["width"]

    # --- finding things -------------------------------------------------------------------------------

    def field(self, label: str | re.Pattern | Locator, *, exact: bool = False, within: Locator | None = None,
              nth: int | None = None) -> Locator:
        if isinstance(label, Locator):
            return label
        if exact and isinstance(label, str):  # the label's own words, with or without 「※必須」/「※任意」
            label, exact = re.compile(r"^\s*" + re.escape(label) + r"\s*(※必須.*|※任意)?\s*$"), False
        found = (within or self.page).get_by_label(label, exact=exact)
        return found.nth(nth) if nth is not None else found

    # --- acting ---------------------------------------------------------------------------------------

    def go_to_site(self, url: str) -> None:
        """The first visit (typing the site's address), or a link read from a sent mail."""
        self.page.goto(url)

    open_mail_link = go_to_site

    def follow(self, name: str | re.Pattern, *, exact: bool = False, within: Locator | None = None) -> None:
        """Click the link with this visible name."""
        link = (within or self.page).get_by_role("link", name=name, exact=exact).first
        if self.keyboard:
            self.tab_to(link)
            self.page.keyboard.press("Enter")
        else:
            link.click()

    def press(self, name: str | re.Pattern, *, exact: bool = False, within: Locator | None = None) -> None:
        """Click the button with this visible name."""
        button = (within or self.page).get_by_role("button", name=name, exact=exact)
        if self.keyboard:
            self.tab_to(button)
            self.page.keyboard.press("Enter")
        else:
            button.click()

    def type(self, label, text: str, **find) -> Locator:
        """Click the field found by its label, then type (replacing what is there)."""
        field = self.field(label, **find)
        if self.keyboard:
            return self.keyboard_type(field, text)
        field.click()
        field.fill(text)
        return field

    def choose(self, label, option: str, **find) -> Locator:
        """Choose an option (by its visible text) in the select found by its label."""
        field = self.field(label, **find)
        if not self.keyboard:
            field.select_option(label=option)
            return field
        self.tab_to(field)
        self.page.keyboard.press("Home")
        for _ in range(300):
            if field.locator("option:checked").inner_text().strip() == option:
                return field
            self.page.keyboard.press("ArrowDown")
        raise AssertionError(f"{option} is not among the options of {field}")

    def pick_suggestion(self, label, typed: str, option: str, **find) -> Locator:
        """A type-to-search picker (対象地域, static/js/region-picker.js): type part of the name
        into the combobox found by its label, then click the suggestion `option` — or, by
        keyboard, move with ↓ until it is the highlighted one and press Enter. The chosen one
        becomes a chip with a 「〈name〉を外す」 button."""
        combobox = self.page.get_by_role("combobox", name=label, **find)
        self.type(combobox, typed)
        wanted = self.page.get_by_role("option", name=option, exact=True)
        expect(wanted).to_be_visible()
        if not self.keyboard:
            wanted.click()
            return combobox
        for _ in range(40):
            if wanted.get_attribute("aria-selected") == "true":
                self.page.keyboard.press("Enter")
                return combobox
            self.page.keyboard.press("ArrowDown")
        raise AssertionError(f"{option} never became the highlighted suggestion of {label}")

    def check(self, label, **find) -> Locator:
        """Tick the checkbox or radio found by its label (clicking it, as a person does)."""
        field = self.field(label, **find)
        if not self.keyboard:
            field.check()
        elif field.get_attribute("type") == "radio":
            # A radio group is one Tab stop: Tab into the group, then arrows to the choice.
            group = field.locator("xpath=ancestor::fieldset[1]").get_by_role("radio")
            focused = self.page.locator(":focus")
            for _ in range(150):
                self.page.keyboard.press("Tab")
                if group.and_(focused).count():
                    break
            for _ in range(group.count()):
                if field.and_(focused).count():
                    break
                self.page.keyboard.press("ArrowDown")
            if not field.is_checked():  # Tab lands on an unchecked first radio: Space chooses it
                self.page.keyboard.press("Space")
            expect(field).to_be_checked()
        elif not field.is_checked():
            self.tab_to(field)
            self.page.keyboard.press("Space")
        return field

    def uncheck(self, label, **find) -> Locator:
        field = self.field(label, **find)
        field.uncheck()
        return field

    def attach(self, label: str | re.Pattern | Locator, name: str, content: bytes, mime: str = "application/pdf",
               *, button: bool = False, within: Locator | None = None) -> None:
        """Click the visible file field found by its label (or, with button=True, the button with
        that name) so that the file chooser opens, and pick a file in it."""
        if button and not isinstance(label, Locator):
            target = (within or self.page).get_by_role("button", name=label)
        else:
            target = self.field(label, within=within)
        if not self.keyboard:
            with self.page.expect_file_chooser() as chooser:
                target.click()
            chooser.value.set_files(files=[{"name": name, "mimeType": mime, "buffer": content}])
            return
        self.tab_to(target)
        for key in ("Space", "Enter"):  # either key opens a focused file field; Chromium sometimes misses Space
            try:
                with self.page.expect_file_chooser(timeout=5000) as chooser:
                    self.page.keyboard.press(key)
            except PlaywrightTimeout:
                continue
            chooser.value.set_files(files=[{"name": name, "mimeType": mime, "buffer": content}])
            return
        raise AssertionError(f"neither Space nor Enter opened the file chooser of {target}")

    def open_menu(self) -> None:
        """On a narrow screen the main menu is behind 「メニューを開く」: open it when it is shown."""
        toggle = self.page.get_by_role("button", name="メニューを開く")
        if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
            toggle.click()

    # --- the keyboard alone ---------------------------------------------------------------------------

    def key(self, key: str, times: int = 1) -> None:
        for _ in range(times):
            self.page.keyboard.press(key)

    def tab_to(self, target: Locator, *, limit: int = 200, backwards: bool = False) -> Locator:
        """Press Tab (Shift+Tab) until `target` has the focus; fail after `limit` presses."""
        focused = self.page.locator(":focus")
        if target.and_(focused).count():
            return target
        for _ in range(limit):
            self.page.keyboard.press("Shift+Tab" if backwards else "Tab")
            if target.and_(focused).count():
                return target
        raise AssertionError(f"Tab never reached {target}")

    def keyboard_type(self, target: Locator, text: str, **tab) -> Locator:
        """Tab to the field, select what is there and type."""
        self.tab_to(target, **tab)
        self.page.keyboard.press("ControlOrMeta+a")
        self.page.keyboard.type(text)
        return target

    # --- looking --------------------------------------------------------------------------------------

    def assert_in_view(self, target: Locator) -> None:
        """After scrolling to it, `target` has a box inside the viewport's visible area and is the
        element a click there would reach (not clipped to nothing, not covered)."""
        target.scroll_into_view_if_needed()
        box = target.bounding_box()
        viewport = self.page.viewport_size
        assert box is not None, f"{target} has no box"
        assert box["width"] >= 8 and box["height"] >= 8, f"{target} is drawn {box['width']}x{box['height']}"
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 1, (target, box, viewport)
        assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"] + 1, (target, box, viewport)
        target.click(trial=True, timeout=5000)  # the hit-target check: nothing clips or covers it

    def assert_table_in_view(self, table: Locator) -> None:
        """A table's first cell lies inside the visible area after scrolling to it."""
        self.assert_in_view(table.get_by_role("cell").first)

    def snap(self, step: str, *, axe: bool = True) -> Path:
        """Full-page screenshot var/screenshots/<journey>/<width>/NN-step.png; axe-core on the page;
        a page wider than its viewport (sideways scrolling) is recorded as a violation."""
        self.steps += 1
        folder = SCREENSHOTS / self.journey / str(self.width)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.steps:02d}-{step}.png"
        # A person looks once the page has loaded: on a busy machine a screenshot taken while the
        # style sheets are still arriving measures an unstyled page.
        self.page.wait_for_load_state("load")
        data = self.page.screenshot(path=path, full_page=True)
        if _png_width(data) > self.width:
            self.axe.violations.append((step, "page-scrolls-sideways", [f"{_png_width(data)}px > {self.width}px"]))
        if axe:
            self.axe.check(f"{self.width}/{step}", self.page)
        return path

    def assert_no_sideways_scroll(self) -> None:
        data = self.page.screenshot(full_page=True)
        assert _png_width(data) <= self.width, f"the page is {_png_width(data)}px wide at {self.width}px"


# --- logging in -------------------------------------------------------------------------------------------


def type_code(person: Person, secret: str) -> None:
    """On the code page after the password: type what the authenticator app shows."""
    from tests.two_factor import totp_code

    person.type("確認コード", totp_code(secret))
    person.press("ログイン", exact=True)


def log_in(person: Person | Page, base_url: str, email: str, password: str = PASSWORD, *,
           secret: str | None = None, admin: bool = False) -> Person:
    """Log in through the form (the admin's with admin=True), typing the authenticator code when
    `secret` is given (staff and reviewers)."""
    person = person if isinstance(person, Person) else Person(person)
    person.go_to_site(f"{base_url}/admin/login/" if admin else f"{base_url}/accounts/login/")
    person.type("メールアドレス", email)
    person.type("パスワード", password, exact=True)
    person.press("ログイン", exact=True)
    if secret:
        type_code(person, secret)
    return person


def fresh_rate_limits() -> None:
    """allauth rate-limits mails per address in the cache, which outlives one test: start afresh."""
    from django.core.cache import cache

    cache.clear()


def open_draft(person: Person, section: str | None = None) -> None:
    """From any page of a logged-in applicant: the menu's 申請, the draft of the open round, and
    (optionally) one of its sections from the section list."""
    person.open_menu()
    person.follow("申請", exact=True, within=person.page.get_by_role("navigation", name="メインメニュー"))
    person.follow("作成済みの申請書を開く")
    if section:
        person.follow(section, within=person.page.get_by_role("navigation", name="申請書の項目"))


def new_person(browser, journey: str, viewport: dict = DESKTOP, axe: AxeLog | None = None,
               keyboard: bool = False) -> Person:
    """A person in their own browser context (the applicant, a colleague, staff). Reduced motion, so
    that axe reads a button's settled colours rather than a hover's 0.15 s fade caught half-way."""
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", viewport=viewport,
                                  reduced_motion="reduce")
    page = context.new_page()
    return Person(page, journey, axe=axe, keyboard=keyboard)


# --- set-ups several browser tests start from -----------------------------------------------------------------


def open_dx_round(number: int):
    from labportal.models import Programme, SelectionRound

    now = timezone.now()
    return SelectionRound.objects.create(
        programme=Programme.objects.get(code="dx"), number=number, state=SelectionRound.State.OPEN,
        opens_at=now - datetime.timedelta(days=1), closes_at=now + datetime.timedelta(days=14))


def sapporo_draft(selection_round, email="officer@city.example.jp"):
    """(user, application): an active admin member of 札幌市 with a draft in `selection_round`."""
    from applications import services
    from applications.models import Membership, Organisation
    from labportal.models import Region, Role, User

    user = User.objects.create_user(email=email, password=PASSWORD)
    user.groups.add(Group.objects.get(name=Role.APPLICANT))
    organisation = Organisation.objects.create(name="札幌市", kind="municipality")
    organisation.regions.set([Region.objects.get(name="札幌市")])
    Membership.objects.create(user=user, organisation=organisation, state="active", role="admin")
    return user, services.application_create(organisation=organisation, selection_round=selection_round, user=user)


__all__ = ["PASSWORD", "PDF", "DESKTOP", "PHONE", "AxeLog", "Person", "expect", "log_in", "type_code",
           "open_draft", "new_person", "fresh_rate_limits", "open_dx_round", "sapporo_draft"]
