"""The benchmark's building blocks, cheaply: the data set (tiny), the minimal view, and the
harness's form handling and statistics against real pages. `make bench` runs the real thing."""

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse

from applications.models import Application, Attachment, Kpi, Participant
from bench import client as bench_client
from bench.seed import OPEN_ROUND, REVIEW_ROUND, SeedParams, seed
from bench.views import bench_minimal
from labportal.models import OutboxMail, User
from review.models import Review, Score
from transition.models import TransitionRequest

pytestmark = pytest.mark.django_db

TINY = SeedParams(organisations=3, reviewers=4, reviews_per_application=2, kpis=2, participants=3, roadmap=1,
                  attachments=1, attachment_kb=1, outbox=10, drafts=2)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def counts():
    return {
        "reviewed": Application.objects.filter(selection_round__number=REVIEW_ROUND).count(),
        "drafts": Application.objects.filter(selection_round__number=OPEN_ROUND,
                                             state=Application.State.DRAFT).count(),
        "users": User.objects.filter(email__endswith="@bench.labportal.example").count(),
        "reviews": Review.objects.count(),
        "scores": Score.objects.count(),
        "kpis": Kpi.objects.count(),
        "participants": Participant.objects.count(),
        "attachments": Attachment.objects.count(),
        "outbox": OutboxMail.objects.count(),
    }


def test_seed_scale_creates_the_expected_counts():
    seed(TINY, log=lambda line: None)
    assert counts() == {"reviewed": 3, "drafts": 2, "users": 3 + 4 + 1, "reviews": 6, "scores": 6 * 6,
                        "kpis": 5 * 2, "participants": 5 * 3, "attachments": 5, "outbox": 10}


def test_seed_scale_twice_is_idempotent():
    seed(TINY, log=lambda line: None)
    first = counts()
    assert (seed(TINY, log=lambda line: None), counts()) == ("reset", first)


def test_seed_scale_command_with_small_parameters(capsys):
    call_command("seed_scale", organisations=2, reviewers=2, reviews_per_application=1, outbox=3, attachments=0,
                 drafts=1)
    call_command("seed_scale", organisations=2, reviewers=2, reviews_per_application=1, outbox=3, attachments=0,
                 drafts=1)
    assert counts()["reviewed"] == 2 and "reset" in capsys.readouterr().out


def test_seed_scale_reset_puts_back_what_a_run_submitted():
    seed(TINY, log=lambda line: None)
    draft = Application.objects.filter(selection_round__number=OPEN_ROUND).first()
    Application.objects.filter(pk=draft.pk).update(state=Application.State.SUBMITTED, receipt_number="X-1")
    seed(TINY, log=lambda line: None)
    draft.refresh_from_db()
    assert (draft.state, draft.receipt_number) == (Application.State.DRAFT, None)


def test_seed_scale_with_other_parameters_replaces_the_data_set():
    seed(TINY, log=lambda line: None)
    seed(SeedParams(**{**TINY.__dict__, "organisations": 2, "drafts": 1}), log=lambda line: None)
    assert (counts()["reviewed"], counts()["drafts"], counts()["users"]) == (2, 1, 2 + 4 + 1)


def test_seed_scale_replaces_a_data_set_whose_staff_have_signed_in_with_two_factor():
    from bench.run import create_sessions
    from labportal.models import SecurityEvent
    from labportal.services import security_event_record

    seed(TINY, log=lambda line: None)
    staff_and_reviewers = User.objects.filter(email__endswith="@bench.labportal.example", is_staff=True)
    create_sessions(staff_and_reviewers)  # gives them authenticator apps, as a run does
    security_event_record(kind=SecurityEvent.Kind.LOGIN, user=staff_and_reviewers.first())
    seed(SeedParams(**{**TINY.__dict__, "organisations": 2, "drafts": 1}), log=lambda line: None)
    from allauth.mfa.models import Authenticator

    assert (counts()["reviewed"], Authenticator.objects.count(), SecurityEvent.objects.filter(user=None).count()) \
        == (2, 0, 1)


def test_seed_scale_spreads_transition_requests_over_every_state():
    seed(TINY, log=lambda line: None)
    states = set(TransitionRequest.objects.values_list("state", flat=True))
    assert states == set(TransitionRequest.State.values)


def test_bench_minimal_runs_one_query(django_assert_num_queries):
    request = RequestFactory().get("/bench/minimal/", {"prefecture": "01"})
    with django_assert_num_queries(1):
        response = bench_minimal(request)
    assert "北海道" in response.content.decode()


def test_bench_minimal_not_routed_by_default():
    with pytest.raises(NoReverseMatch):
        reverse("bench_minimal")


def test_section_form_as_parsed_by_the_harness_saves(client):
    """What bench.client reads out of a real section page, posted back, is a successful save."""
    seed(TINY, log=lambda line: None)
    draft = Application.objects.filter(selection_round__number=OPEN_ROUND).order_by("pk").first()
    client.force_login(draft.created_by)
    path = reverse("applications:section", args=[draft.pk, "direction"])
    form = bench_client.find_form(client.get(path).content.decode(), having="version")
    form.replace("vision", "ベンチマークで保存した文章")
    data = {}
    for name, value in form.fields:
        data.setdefault(name, []).append(value)
    response = client.post(path, data)
    assert (response.status_code, draft.direction.__class__.objects.get(application=draft).vision) == (
        302, "ベンチマークで保存した文章")


def test_form_parser_reads_what_a_browser_submits():
    html = """<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="t">
      <input name="a" value="1"><input type="checkbox" name="c" value="x" checked>
      <input type="checkbox" name="c" value="y"><textarea name="t">
二行目</textarea><select name="s"><option value="">---</option><option value="2" selected>二</option></select>
      <select name="m" multiple><option value="3" selected>三</option><option value="4" selected>四</option></select>
      <select name="first"><option value="f">f</option></select><input type="submit" name="go" value="送信"></form>"""
    form = bench_client.find_form(html, having="csrfmiddlewaretoken")
    assert form.fields == [("csrfmiddlewaretoken", "t"), ("a", "1"), ("c", "x"), ("t", "二行目"), ("s", "2"),
                           ("m", "3"), ("m", "4"), ("first", "f")]


def test_percentile_is_nearest_rank():
    values = list(range(1, 21))
    assert (bench_client.percentile(values, 95), bench_client.percentile(values, 50),
            bench_client.percentile([7], 99)) == (19, 10, 7)


def test_parse_server_timing_reads_labportal_header():
    header = 'app;dur=12.50, db;dur=3.25;desc="7 queries"'
    assert bench_client.parse_server_timing(header) == (12.5, 3.25, 7)
