"""The ranking's rows are written in Python for speed (review/templatetags/review_ranking.py),
outside the template's autoescaping: every text the ranking page shows is escaped all the same.

Each text below carries its own markup (<script>, "&", both quotes), so that one left raw is
named by the failing assertion."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from applications.models import Application
from labportal.models import Programme
from review import services
from review.models import Criterion

from tests.factories import (
    ReviewerFactory,
    StaffFactory,
    make_application,
    make_review_round,
    submitted_review,
)

pytestmark = pytest.mark.django_db


def _markup(label: str) -> str:
    return f"<script>alert(\"{label}\")</script>&'{label}"


TEXTS = {
    "lab name": _markup("lab"),
    "organisation name": _markup("org"),
    "receipt number": "<b>\"R&'1</b>",  # 30 characters at most
    "programme name (the round)": "<i>\"P&'</i>",  # 50 at most, shown as 「… 第N弾」
    "criterion name": _markup("crit"),
    "reviewer family name": _markup("rev"),
    "reviewer given name": _markup("given"),
    "conflict reason (the exclusion)": _markup("why"),
    "excluded review's reviewer": _markup("excl"),
}


@pytest.fixture
def ranking_page(client):
    """A round whose every shown text holds markup: a scored application (lab, organisation,
    receipt number), a criterion, reviewers, and a review left out for a conflict declared after
    scoring, with its reason."""
    Programme.objects.filter(code="dx").update(name=TEXTS["programme name (the round)"])
    selection_round = make_review_round()
    Criterion.objects.filter(criteria_set=selection_round.review_settings.criteria_set, order=1).update(
        name=TEXTS["criterion name"])
    application = make_application(selection_round, lab_name=TEXTS["lab name"])
    Application.objects.filter(pk=application.pk).update(receipt_number=TEXTS["receipt number"])
    application.organisation.name = TEXTS["organisation name"]
    application.organisation.save(update_fields=["name"])
    reviewer = ReviewerFactory(last_name=TEXTS["reviewer family name"], first_name=TEXTS["reviewer given name"])
    submitted_review(application, reviewer, [4, 4, 4, 4, 4, None])
    excluded = ReviewerFactory(last_name=TEXTS["excluded review's reviewer"])
    submitted_review(application, excluded, [5, 5, 5, 5, 5, None])
    staff = StaffFactory()
    services.conflict_declare(reviewer=excluded, by=staff, organisation=application.organisation,
                              reason=TEXTS["conflict reason (the exclusion)"])
    client.force_login(staff)
    response = client.get(reverse("admin:review_roundreviewsettings_ranking",
                                  args=[selection_round.review_settings.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_ranking_page_escapes_markup_in_every_text(ranking_page):
    """Names each text that shows raw, or that does not show at all."""
    raw = [what for what, text in TEXTS.items() if text in ranking_page]
    missing = [what for what, text in TEXTS.items() if escape(text) not in ranking_page]
    assert (raw, missing) == ([], [])


def test_ranking_rows_escape_markup_in_the_lab_and_organisation(ranking_page):
    """The row itself (the hand-rendered part): lab name, organisation, receipt number in the link
    and in the checkbox's label when a decision can be recorded."""
    table = ranking_page[ranking_page.index('class="review-ranking"'):]
    row = table[table.index("<tbody>"):]
    row = row[:row.index("</tr>")]
    assert (escape(TEXTS["lab name"]) in row, escape(TEXTS["organisation name"]) in row,
            escape(TEXTS["receipt number"]) in row, "<script>" in row, "<b>" in row) == (
        True, True, True, False, False)
