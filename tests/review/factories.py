"""Old import path, kept for the browser tests and the other areas' tests that still name it
(tests/e2e/*, tests/labportal/*, tests/integration/*: other helpers were editing them when the
factories moved, issue 18). The factories live in tests/factories.py; import from there.

`make_round` here is tests.factories.make_review_round (a round in review with its settings),
which is what it meant in the review tests."""

from tests.factories import (  # noqa: F401
    PASSWORD,
    ApplicantFactory,
    OrganisationFactory,
    RegionFactory,
    ReviewerFactory,
    StaffFactory,
    UserFactory,
    assign,
    criteria,
    dx_criteria_set,
    make_application,
    member_of,
    raw_scores,
    score_inputs,
    submitted_review,
)
from tests.factories import make_review_round as make_round  # noqa: F401
