"""Each admin list offers one 状態 filter: two filters with the same title (an application's 状態
beside its organisation's 状態) leave staff guessing which is which. Walks every registered list,
so a new one is covered too."""

import re

import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _lists():
    return sorted(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist" for model in admin.site._registry)


def test_admin_lists_offer_one_state_filter_each(admin_client):
    doubled = {}
    for name in _lists():
        titles = re.findall(r'data-filter-title="([^"]*)"', admin_client.get(reverse(name)).content.decode())
        if titles.count("状態") > 1 or len(titles) != len(set(titles)):
            doubled[name] = titles
    assert doubled == {}
