import datetime

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from applications import services
from applications.forms import DirectionForm, KpiFormSet, RoadmapFormSet
from applications.models import Application, ApplicationEvent, ApplicationVersion, Attachment
from labportal.models import OutboxMail
from tests.factories import OrganisationFactory, make_round, member_of

from .conftest import JST, PDF_BYTES, fill_completely, pdf_upload

pytestmark = pytest.mark.django_db

State = Application.State


def test_application_create_makes_every_section(application):
    assert [application.basic.version, application.direction.version, application.other.version] == [0, 0, 0]


def test_application_create_refused_when_round_not_accepting(organisation, applicant):
    closed = make_round(opens_at=timezone.now() - datetime.timedelta(days=10),
                        closes_at=timezone.now() - datetime.timedelta(days=1))
    with pytest.raises(services.ApplicationLocked):
        services.application_create(organisation=organisation, selection_round=closed, user=applicant)


def test_application_create_refused_when_the_organisation_has_one_in_the_round(application, applicant):
    with pytest.raises(services.ApplicationExists) as refused:
        services.application_create(organisation=application.organisation,
                                    selection_round=application.selection_round, user=applicant)
    assert (refused.value.existing.pk, Application.objects.count()) == (application.pk, 1)


def test_application_create_allowed_again_after_withdrawal(application, applicant):
    services.application_withdraw(application_id=application.pk, user=applicant, reason="作り直し")
    again = services.application_create(organisation=application.organisation,
                                        selection_round=application.selection_round, user=applicant)
    assert again.state == State.DRAFT


def test_one_application_constraint_refuses_a_second_row_in_the_database(application):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(organisation=application.organisation,
                                   selection_round=application.selection_round)


def test_one_application_constraint_leaves_out_transition_plans(application):
    for _ in range(2):
        Application.objects.create(organisation=application.organisation,
                                   selection_round=application.selection_round, is_transition_plan=True)
    assert Application.objects.filter(organisation=application.organisation).count() == 3


def test_one_application_constraint_leaves_out_withdrawn_applications(application):
    Application.objects.create(organisation=application.organisation, selection_round=application.selection_round,
                               state=State.WITHDRAWN)
    assert Application.objects.filter(organisation=application.organisation).count() == 2


def test_transition_applicant_cannot_select_own_application(application):
    with pytest.raises(services.TransitionNotAllowed):
        services.application_transition(application=application, to_state=State.SELECTED,
                                        actor=ApplicationEvent.Actor.APPLICANT)


def test_transition_staff_cannot_submit_for_applicant(application):
    with pytest.raises(services.TransitionNotAllowed):
        services.application_transition(application=application, to_state=State.SUBMITTED,
                                        actor=ApplicationEvent.Actor.STAFF)


def test_transition_logged_once(application):
    services.application_transition(application=application, to_state=State.WITHDRAWN,
                                    actor=ApplicationEvent.Actor.APPLICANT)
    assert list(application.events.values_list("from_state", "to_state")) == [(State.DRAFT, State.WITHDRAWN)]


def test_submit_incomplete_lists_what_is_missing(application, applicant):
    with pytest.raises(services.IncompleteApplication) as error:
        services.application_submit(application_id=application.pk, user=applicant)
    labels = [item.label for item in error.value.missing]
    assert labels[:2] == ["ラボの名称", "実施主体の名称"]


def test_submit_complete_gives_receipt_number(application, applicant):
    fill_completely(application)
    result = services.application_submit(application_id=application.pk, user=applicant)
    year = timezone.localtime(application.selection_round.opens_at).year
    assert (result.submitted, result.application.receipt_number) == (
        True, f"DX-{year}-{application.selection_round.number:02d}-0001")


def test_submit_receipt_numbers_count_per_round(organisation, applicant, selection_round):
    numbers = []
    for each in (organisation, OrganisationFactory()):
        application = fill_completely(services.application_create(
            organisation=each, selection_round=selection_round, user=applicant))
        numbers.append(services.application_submit(application_id=application.pk,
                                                   user=applicant).application.receipt_seq)
    assert numbers == [1, 2]


def test_submit_twice_is_one_submission(application, applicant):
    fill_completely(application)
    services.application_submit(application_id=application.pk, user=applicant)
    second = services.application_submit(application_id=application.pk, user=applicant)
    assert (second.submitted, ApplicationVersion.objects.count(),
            OutboxMail.objects.filter(event="applications_submitted").count(),
            application.events.count()) == (False, 1, 1, 1)


def test_submit_queues_receipt_mail_to_every_member(application, applicant, organisation):
    colleague = member_of(organisation, email="colleague@city.example.jp")
    fill_completely(application)
    services.application_submit(application_id=application.pk, user=applicant)
    mails = OutboxMail.objects.filter(event="applications_submitted").order_by("id")
    assert sorted(r for m in mails for r in m.recipients) == sorted([applicant.email, colleague.email])


def test_submit_receipt_mail_names_receipt_number(application, applicant):
    fill_completely(application)
    result = services.application_submit(application_id=application.pk, user=applicant)
    mail = OutboxMail.objects.get(event="applications_submitted")
    assert result.application.receipt_number in mail.subject


def test_submit_snapshot_carries_the_receipt_number(application, applicant):
    fill_completely(application)
    result = services.application_submit(application_id=application.pk, user=applicant)
    assert ApplicationVersion.objects.get().data["receipt_number"] == result.application.receipt_number


def test_submit_keeps_snapshot_of_answers(application, applicant):
    fill_completely(application)
    services.application_submit(application_id=application.pk, user=applicant)
    snapshot = ApplicationVersion.objects.get().data
    basic = snapshot["sections"][0]
    assert dict(basic["fields"])["ラボの名称"] == "札幌市地域DX推進ラボ"


CLOSES = datetime.datetime(2027, 1, 29, 17, 0, tzinfo=JST)


@pytest.fixture
def closing_round():
    return make_round(opens_at=CLOSES - datetime.timedelta(days=30), closes_at=CLOSES)


def test_submit_one_second_before_closing_accepted(organisation, applicant, closing_round):
    with time_machine.travel(CLOSES - datetime.timedelta(days=1), tick=False):
        application = fill_completely(services.application_create(
            organisation=organisation, selection_round=closing_round, user=applicant))
    with time_machine.travel(CLOSES - datetime.timedelta(seconds=1), tick=False):
        result = services.application_submit(application_id=application.pk, user=applicant)
    assert result.application.state == State.SUBMITTED


def test_submit_at_closing_time_refused(organisation, applicant, closing_round):
    with time_machine.travel(CLOSES - datetime.timedelta(days=1), tick=False):
        application = fill_completely(services.application_create(
            organisation=organisation, selection_round=closing_round, user=applicant))
    # 17:00:00 JST is 08:00:00 UTC: the round is closed, whatever the server's time zone.
    with time_machine.travel(datetime.datetime(2027, 1, 29, 8, 0, tzinfo=datetime.UTC), tick=False):
        with pytest.raises(services.ApplicationLocked) as error:
            services.application_submit(application_id=application.pk, user=applicant)
    assert "2027年1月29日（金）17:00" in str(error.value)


def _direction_form(application, data):
    return DirectionForm(data, instance=application.direction)


def _direction_post(vision, version):
    data = {"vision": vision, "goals": "目標", "process": "プロセス", "version": str(version)}
    for prefix in ("kpis", "roadmap"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return data


def _save_direction(application, user, vision, version):
    form = _direction_form(application, _direction_post(vision, version))
    formsets = [KpiFormSet(_direction_post(vision, version), instance=application, prefix="kpis"),
                RoadmapFormSet(_direction_post(vision, version), instance=application, prefix="roadmap")]
    assert form.is_valid() and all(f.is_valid() for f in formsets)
    return services.section_save(application=application, section_key="direction", form=form,
                                 formsets=formsets, expected_version=form.cleaned_data["version"], user=user)


def test_section_save_increments_version(application, applicant):
    section = _save_direction(application, applicant, "第一案", 0)
    assert (section.version, application.direction.__class__.objects.get(pk=section.pk).vision) == (1, "第一案")


def test_section_save_with_stale_version_refused_and_keeps_first(application, applicant):
    _save_direction(application, applicant, "タブAの文章", 0)
    with pytest.raises(services.StaleSection):
        _save_direction(Application.objects.get(pk=application.pk), applicant, "タブBの文章", 0)
    assert application.direction.__class__.objects.get(application=application).vision == "タブAの文章"


def test_section_save_after_submission_refused(application, applicant):
    fill_completely(application)
    services.application_submit(application_id=application.pk, user=applicant)
    with pytest.raises(services.ApplicationLocked):
        _save_direction(Application.objects.get(pk=application.pk), applicant, "後から", 1)


def test_attachment_pdf_stored_under_generated_name(application, applicant):
    attachment = services.attachment_add(application=application, uploaded=pdf_upload("計画書.pdf"),
                                         kind=Attachment.Kind.PLAN, user=applicant)
    assert (attachment.original_name, attachment.content_type, "計画書" in attachment.file.name,
            attachment.file.name.endswith(".pdf")) == ("計画書.pdf", "application/pdf", False, True)


def test_attachment_with_pdf_name_but_other_content_refused(application, applicant):
    with pytest.raises(services.AttachmentRefused):
        services.attachment_add(application=application,
                                uploaded=pdf_upload("plan.pdf", b"<html><script>x</script></html>"),
                                kind=Attachment.Kind.PLAN, user=applicant)


@override_settings(APPLICATION_ATTACHMENT_MAX_BYTES=1024 * 1024)
def test_attachment_over_size_limit_refused(application, applicant):
    with pytest.raises(services.AttachmentRefused) as error:
        services.attachment_add(application=application,
                                uploaded=pdf_upload("big.pdf", PDF_BYTES + b"0" * 1024 * 1024),
                                kind=Attachment.Kind.PLAN, user=applicant)
    assert "1MBまで" in str(error.value)


def test_consent_letter_required_for_non_municipality(application, applicant, organisation):
    organisation.kind = organisation.Kind.ASSOCIATION
    organisation.save()
    fill_completely(application)
    with pytest.raises(services.IncompleteApplication) as error:
        services.application_submit(application_id=application.pk, user=applicant)
    assert [item.section_key for item in error.value.missing] == ["attachments"]


def _submitted(application, applicant):
    fill_completely(application)
    services.application_submit(application_id=application.pk, user=applicant)
    return Application.objects.get(pk=application.pk)


@pytest.fixture
def staff_user():
    from tests.factories import UserFactory

    return UserFactory(email="staff@meti.example.jp", is_staff=True, role="staff")


def test_return_for_revision_mails_members(application, applicant, staff_user):
    _submitted(application, applicant)
    services.application_return_for_revision(application_id=application.pk, by=staff_user,
                                             message="KPIを見直してください",
                                             due_at=timezone.now() + datetime.timedelta(days=7))
    assert (Application.objects.get(pk=application.pk).state,
            OutboxMail.objects.filter(event="applications_returned").count()) == (State.RETURNED, 1)


def test_resubmission_keeps_both_versions_and_diff_shows_change(application, applicant, staff_user):
    _submitted(application, applicant)
    services.application_return_for_revision(application_id=application.pk, by=staff_user, message="修正を",
                                             due_at=timezone.now() + datetime.timedelta(days=7))
    _save_direction(Application.objects.get(pk=application.pk), applicant, "新しいビジョン", 0)
    services.application_submit(application_id=application.pk, user=applicant)
    first, second = ApplicationVersion.objects.order_by("number")
    changes = services.snapshot_diff(first.data, second.data)
    assert [(c["label"], c["before"], c["after"]) for c in changes] == [
        ("DX推進のビジョン", "ビジョン", "新しいビジョン")]


def test_resubmission_keeps_receipt_number(application, applicant, staff_user):
    number = _submitted(application, applicant).receipt_number
    services.application_return_for_revision(application_id=application.pk, by=staff_user, message="修正を",
                                             due_at=timezone.now() + datetime.timedelta(days=7))
    result = services.application_submit(application_id=application.pk, user=applicant)
    assert result.application.receipt_number == number


def test_returned_application_locked_after_revision_due(application, applicant, staff_user):
    _submitted(application, applicant)
    due = timezone.now() + datetime.timedelta(days=2)
    services.application_return_for_revision(application_id=application.pk, by=staff_user, message="修正を",
                                             due_at=due)
    with time_machine.travel(due + datetime.timedelta(seconds=1), tick=False):
        with pytest.raises(services.ApplicationLocked):
            services.application_submit(application_id=application.pk, user=applicant)


def test_withdraw_before_decision(application, applicant):
    _submitted(application, applicant)
    services.application_withdraw(application_id=application.pk, user=applicant, reason="体制変更のため")
    assert Application.objects.get(pk=application.pk).state == State.WITHDRAWN


def test_withdraw_after_decision_refused(application, applicant, staff_user):
    _submitted(application, applicant)
    services.application_start_review(application_id=application.pk, by=staff_user)
    app = Application.objects.get(pk=application.pk)
    services.application_transition(application=app, to_state=State.SELECTED,
                                    actor=ApplicationEvent.Actor.STAFF, user=staff_user)
    with pytest.raises(services.TransitionNotAllowed):
        services.application_withdraw(application_id=application.pk, user=applicant)
