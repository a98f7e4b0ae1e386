import pytest

from .factories import ReviewerFactory, StaffFactory, make_round


@pytest.fixture
def staff(db):
    return StaffFactory()


@pytest.fixture
def reviewer(db):
    return ReviewerFactory()


@pytest.fixture
def selection_round(db):
    return make_round()
