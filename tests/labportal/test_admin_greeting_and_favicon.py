"""The admin greets staff by family name, as Japanese does (「ようこそ、札幌 様」, not Django's
「ようこそ 花子」), and every page, public or admin, names the portal's icon for the browser tab."""

import re

import pytest
from django.contrib.auth.models import Group
from django.contrib.staticfiles import finders
from django.urls import reverse

from labportal.models import Role, User
from tests.two_factor import give_totp

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", response.content.decode()))


@pytest.fixture
def staff(client):
    user = User.objects.create_user("hanako@example.go.jp", "pw-staff-123456", is_staff=True,
                                    last_name="札幌", first_name="花子")
    user.groups.add(Group.objects.get(name=Role.STAFF))
    give_totp(user)
    client.force_login(user)
    return user


def test_admin_greeting_uses_the_family_name(client, staff):
    text = _text(client.get(reverse("admin:index")))
    assert ("ようこそ、札幌 様" in text, "花子" in text) == (True, False)


def test_admin_greeting_without_a_family_name_uses_the_address(client, staff):
    User.objects.filter(pk=staff.pk).update(last_name="")
    assert "ようこそ、hanako@example.go.jp 様" in _text(client.get(reverse("admin:index")))


def _icon_of(html: str) -> bool:
    icons = re.findall(r'<link rel="icon" href="/static/([^"]+)" type="image/svg\+xml">', html)
    return len(icons) == 1 and open(finders.find(icons[0]), encoding="utf-8").read().startswith("<svg")


@pytest.mark.parametrize("url", ["/", "/labs/", "/accounts/login/"])
def test_favicon_named_on_public_pages(client, url):
    assert _icon_of(client.get(url).content.decode())


def test_favicon_named_in_the_admin(client, staff):
    assert _icon_of(client.get(reverse("admin:index")).content.decode())
