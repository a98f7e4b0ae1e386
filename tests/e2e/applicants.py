"""An applicant of 札幌市 with a draft in an open round, and logging in through the real form:
what several browser tests start from."""

import datetime

from django.contrib.auth.models import Group
from django.utils import timezone

PASSWORD = "kita-no-daichi-2026"


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


def log_in(page, base_url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("メールアドレス").fill(email)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="ログイン").click()
