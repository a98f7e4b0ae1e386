"""The Content Security Policy: every page carries it, and no template or rendered page needs
what it forbids — inline <script>, inline event handlers (onclick=…), style attributes,
javascript: links. (tests/e2e/test_csp.py checks in a real browser that nothing is blocked.)"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from labportal.models import Lab
from tests.factories import (
    ReviewerFactory,
    StaffFactory,
    assign,
    make_application,
    make_review_round,
    member_of,
)

ROOT = Path(settings.BASE_DIR)
POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
          "connect-src 'self'; object-src 'none'; frame-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
          "form-action 'self'; report-uri /csp-report/; report-to csp-endpoint")
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}  # data, never run: CSP does not apply


def _directives(header: str) -> dict[str, str]:
    return dict((part.strip().split(" ", 1) + [""])[:2] for part in header.split(";") if part.strip())


class _InlineCode(HTMLParser):
    """Collects what the policy would block: scripts without src, on…= handlers, style attributes,
    javascript: URLs, and <style> elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and "src" not in attributes and attributes.get("type") not in DATA_SCRIPT_TYPES:
            self.found.append(f"<script> without src at line {self.getpos()[0]}")
        if tag == "style":
            self.found.append(f"<style> at line {self.getpos()[0]}")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.found.append(f"<{tag} {name}=…> at line {self.getpos()[0]}")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                    "javascript:"):
                self.found.append(f"<{tag} {name}=javascript:…> at line {self.getpos()[0]}")


def _inline_code(html: str) -> list[str]:
    parser = _InlineCode()
    parser.feed(html)
    return parser.found


# --- The header --------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/labs/", "/opendata/labs.json", "/accounts/login/"])
def test_public_response_carries_the_policy(client, path):
    assert _directives(client.get(path)["Content-Security-Policy"]) == _directives(POLICY)


@pytest.mark.django_db
def test_admin_response_carries_the_policy(client):
    client.force_login(StaffFactory())
    assert _directives(client.get("/admin/")["Content-Security-Policy"]) == _directives(POLICY)


@pytest.mark.django_db
def test_not_found_page_carries_the_policy(client):
    assert _directives(client.get("/labs/99999999/")["Content-Security-Policy"]) == _directives(POLICY)


def test_policy_forbids_inline_script_and_foreign_sources():
    directives = _directives(POLICY)
    assert (directives["script-src"], directives["object-src"], directives["frame-ancestors"]) == (
        "'self'", "'none'", "'none'")


# --- Templates, read as files ----------------------------------------------------------------

def _templates():
    folders = [ROOT / "templates", *sorted(ROOT.glob("*/templates"))]
    return sorted(path for folder in folders for path in folder.rglob("*.html"))


@pytest.mark.parametrize("template", _templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_template_has_no_inline_script_handler_or_style(template):
    # Template tags are replaced by a neutral word first, so that {% if %} inside a tag parses.
    text = re.sub(r"{%.*?%}|{{.*?}}|{#.*?#}", "x", template.read_text(encoding="utf-8"), flags=re.S)
    assert _inline_code(text) == []


def test_every_template_found():
    assert len(_templates()) > 50


# --- Pages, as rendered for each kind of user ------------------------------------------------

@pytest.fixture
def people(db):
    selection_round = make_review_round()
    application = make_application(selection_round)
    applicant = member_of(application.organisation)
    reviewer = ReviewerFactory()
    review = assign(application, reviewer)
    return {"applicant": applicant, "reviewer": reviewer, "staff": StaffFactory(), "application": application,
            "review": review}


def _pages(people):
    application, review = people["application"], people["review"]
    lab = Lab.objects.get(name="札幌市")
    return [
        (None, "/"), (None, "/labs/"), (None, lab.get_absolute_url()), (None, "/opendata/"),
        (None, "/accounts/login/"), (None, "/accounts/signup/"), (None, "/accounts/password/reset/"),
        ("applicant", "/applications/"), ("applicant", "/transition/"),
        ("applicant", "/accounts/2fa/"),
        ("reviewer", "/admin/"), ("reviewer", reverse("admin:review_assignedreview_changelist")),
        ("reviewer", reverse("admin:review_assignedreview_change", args=[review.pk])),
        ("staff", "/admin/"), ("staff", reverse("admin:applications_application_changelist")),
        ("staff", reverse("admin:applications_application_change", args=[application.pk])),
        ("staff", reverse("admin:labportal_lab_add")), ("staff", reverse("admin:labportal_securityevent_changelist")),
        ("staff", reverse("admin:labportal_loginlock_changelist")), ("staff", "/transition/dashboard/"),
    ]


@pytest.mark.django_db
def test_rendered_pages_have_no_inline_script_handler_or_style(people):
    found = {}
    for who, path in _pages(people):
        client = Client()
        if who:
            client.force_login(people[who])
        response = client.get(path)
        assert response.status_code == 200, (who, path, response.status_code)
        problems = _inline_code(response.content.decode())
        if problems:
            found[(who, path)] = problems
    assert found == {}
