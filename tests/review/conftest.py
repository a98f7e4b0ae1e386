import pytest

from tests.factories import ReviewerFactory, StaffFactory, make_review_round


@pytest.fixture
def staff(db):
    return StaffFactory()


@pytest.fixture
def reviewer(db):
    return ReviewerFactory()


@pytest.fixture
def selection_round(db):
    return make_review_round()
