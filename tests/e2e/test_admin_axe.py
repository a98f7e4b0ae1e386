"""axe-core over the whole admin, as staff and as a reviewer, at 1280 and at 390 px wide.

This is a crawler, not a person's journey: after logging in through the form (password, then the
code from the authenticator app), it opens the admin index and then every admin link it finds on
the pages it has seen (changelists, add and change forms, history pages, the custom pages such as
the ranking, assign and announce pages), with page.goto of the collected hrefs. Pages are
deduplicated by URL shape (numbers become <n>, the query string is dropped), so a new admin page is
covered without anyone writing a test for it. Each shape is checked at both widths; any serious or
critical axe finding fails the test, and so does a changelist offering two 状態 filters or a page
showing the programme's name other than as 「IoT」 (Django's capitals made it 「IOT」). The journeys themselves (tests/e2e/test_review.py and others)
click their way through as a person would.
"""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import expect

from review import services
from review.models import Review
from tests.review.factories import (
    PASSWORD,
    ReviewerFactory,
    StaffFactory,
    make_application,
    make_round,
    member_of,
    submitted_review,
)
from tests.two_factor import type_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WIDTHS = ({"width": 1280, "height": 900}, {"width": 390, "height": 844})
SERIOUS = ("serious", "critical")
MAX_SHAPES = 140
MISSPELT_IOT = re.compile(r"(?<![A-Za-z])(IOT|Iot|ＩｏＴ|ＩＯＴ|Ｉｏｔ)(?![A-Za-z])")  # code "iot" may show
REPORTS = Path(settings.BASE_DIR) / "var" / "axe-admin"  # the last run's findings and shapes, per role
# Links the crawler does not follow: leaving, downloads, and pages outside the admin's own templates.
SKIP = re.compile(r"/logout/|\.(csv|xlsx|json|pdf)$|/download/|/r/\d+/|/jsi18n/|/password/$")


def shape(path: str) -> str:
    return re.sub(r"/\d+/", "/<n>/", path)


class _Page(HTMLParser):
    """What the crawler reads from a page's HTML: its links and its changelist filters' titles."""

    def __init__(self, html: str):
        super().__init__()
        self.hrefs, self.filters = [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])
        if tag == "details" and attrs.get("data-filter-title"):
            self.filters.append(attrs["data-filter-title"])


def _data():
    """Something on every list: a round in review with applications, an assignment for the reviewer,
    a submitted review, mails in the outbox, the demo rounds and transition policy."""
    call_command("demo_data", stdout=open("/dev/null", "w"))
    staff = StaffFactory(email="staff-axe@example.go.jp", last_name="札幌", first_name="花子")
    reviewer = ReviewerFactory(email="reviewer-axe@example.go.jp")
    other = ReviewerFactory()
    selection_round = make_round(per_application=2)
    first = make_application(selection_round, lab_name="クロール市地域DX推進ラボ")
    second = make_application(selection_round)
    member_of(first.organisation)
    services.review_assign(application=first, reviewer=reviewer, by=staff)
    services.review_assign(application=second, reviewer=reviewer, by=staff)
    submitted_review(second, other, [4, 3, 4, 3, 4, 3])
    assert Review.objects.filter(reviewer=reviewer).count() == 2
    return staff, reviewer


def _log_in(page, base_url, user):
    page.goto(f"{base_url}/admin/login/")
    page.get_by_label("メールアドレス").fill(user.email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    type_code(page, user.totp_secret)
    expect(page.get_by_role("link", name="ログアウト").or_(page.get_by_role("button", name="ログアウト"))).to_be_visible()


def crawl(page, base_url: str) -> tuple[dict, list]:
    """Visit the admin's page shapes reachable from the index; returns {shape: url} and findings."""
    from axe_playwright_python.sync_playwright import Axe

    axe, seen, queue, findings = Axe(), {}, [f"{base_url}/admin/"], []
    while queue and len(seen) < MAX_SHAPES:
        url = queue.pop(0)
        path = urlsplit(url).path
        if shape(path) in seen:
            continue
        response = page.goto(url)
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            seen[shape(path)] = url
            continue
        assert response.status < 500, f"{url}: {response.status}"
        seen[shape(path)] = url
        for viewport in WIDTHS:
            page.set_viewport_size(viewport)
            for violation in axe.run(page).response["violations"]:
                if violation["impact"] in SERIOUS:
                    findings.append((viewport["width"], shape(path), violation["id"],
                                     [node["target"] for node in violation["nodes"]][:3]))
        page.set_viewport_size(WIDTHS[0])
        shown = page.locator("body").inner_text()  # as drawn: CSS text-transform applied
        if MISSPELT_IOT.search(shown):
            findings.append(("-", shape(path), "iot-spelling", MISSPELT_IOT.findall(shown)[:3]))
        seen_page = _Page(page.content())
        if sum("状態" in title for title in seen_page.filters) > 1:
            findings.append(("-", shape(path), "two-state-filters", seen_page.filters))
        for href in seen_page.hrefs:
            link = urldefrag(urljoin(url, href)).url
            parts = urlsplit(link)
            if (link.startswith(base_url) and parts.path.startswith("/admin/") and not SKIP.search(parts.path)
                    and shape(parts.path) not in seen):
                queue.append(link)
    return seen, findings


@pytest.mark.parametrize("who", ["staff", "reviewer"])
def test_admin_pages_have_no_serious_axe_findings(live_server, page, who):
    staff, reviewer = _data()
    _log_in(page, live_server.url, staff if who == "staff" else reviewer)
    seen, findings = crawl(page, live_server.url)
    assert len(seen) >= (40 if who == "staff" else 5), sorted(seen)
    report = "\n".join(f"{width} {where} {rule} {targets}" for width, where, rule, targets in findings)
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"{who}.txt").write_text(report + "\n" + "\n".join(sorted(seen)) + "\n", encoding="utf-8")
    assert findings == [], f"{len(findings)} findings over {len(seen)} page shapes:\n{report}"
