"""対象地域 without JavaScript: the server's form is a complete multiple select of every
prefecture, municipality and 地域連携 (static/js/region-picker.js only enhances it), each option
with its reading for the picker's kana search; the field posts as `regions` either way."""

import re

import pytest
from django.urls import reverse

from applications.models import Organisation
from labportal.models import Region

from .conftest import UserFactory

pytestmark = pytest.mark.django_db


def test_region_choice_without_javascript_is_a_plain_multiple_select_of_every_region(client):
    client.force_login(UserFactory(email="new@city.example.jp"))
    page = client.get(reverse("applications:organisation_new")).content.decode()
    select = re.search(r'<select multiple[^>]*name="regions"[^>]*>(.*?)</select>', page, re.S)
    options = re.findall(r'<option value="\d+" data-kana="([^"]*)"[^>]*>([^<]+)</option>', select.group(1))
    assert (len(options), ("クマモトシ", "熊本市（熊本県）") in options, ("ミヤザキシ", "宮崎市（宮崎県）") in options) == (
        Region.objects.count(), True, True)


def test_region_choice_posted_as_regions_registers_the_organisation(client):
    client.force_login(UserFactory(email="new@city.example.jp"))
    chosen = list(Region.objects.filter(name__in=["熊本市", "宮崎市"]).values_list("pk", flat=True))
    client.post(reverse("applications:organisation_new"), {"name": "南九州連携", "kind": "association", "regions": chosen})
    assert sorted(Organisation.objects.get(name="南九州連携").regions.values_list("name", flat=True)) == [
        "宮崎市", "熊本市"]
