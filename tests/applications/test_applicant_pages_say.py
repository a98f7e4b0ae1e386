"""What the applicant's pages say agrees with what the portal does (issue 14): the words before
submitting, the organisation's 種別 choices, an empty optional section, the tables' buttons."""

import pytest
from django.urls import reverse

from applications import services

from .conftest import fill_completely

pytestmark = pytest.mark.django_db


def test_detail_before_submitting_says_editing_stops_at_submission_as_the_save_refusal_does(
        client, application, applicant):
    fill_completely(application)
    client.force_login(applicant)
    page = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    assert "提出すると、この申請書は編集できなくなります" in page
    assert "公募締切後は編集できません" not in page
    assert services.edit_block_reason(application) == ""
    application.state = application.State.SUBMITTED  # what the save refusal then says
    assert services.edit_block_reason(application).startswith("提出済みのため編集できません")


def test_organisation_kind_offers_no_blank_radio_checked_by_default(client, applicant):
    client.force_login(applicant)
    page = client.get(reverse("applications:organisation_new")).content.decode()
    assert "---------" not in page
    assert 'value="municipality"' in page


def test_empty_optional_section_is_listed_as_not_entered(client, application, applicant):
    client.force_login(applicant)
    page = client.get(reverse("applications:section", args=[application.pk, "other"])).content.decode()
    assert "未入力（任意）" in page
    other = application.other
    other.open_data = "市のオープンデータを公開"
    other.save()
    page = client.get(reverse("applications:section", args=[application.pk, "other"])).content.decode()
    assert "未入力（任意）" not in page


def test_table_rows_have_a_remove_button_and_the_table_a_named_region(client, application, applicant):
    client.force_login(applicant)
    page = client.get(reverse("applications:section", args=[application.pk, "direction"])).content.decode()
    assert 'aria-label="行を削除（1行目）"' in page
    assert 'role="region" tabindex="0" aria-label="KPIの表"' in page
