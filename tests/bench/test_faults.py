"""make faults' building blocks, cheaply: how an answer is classified (against the portal's real
error page) and the SMTP server that refuses on demand. `make faults` runs the real thing."""

import smtplib
from email.message import EmailMessage
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client

from bench.client import Response
from bench.faults import FaultySMTPServer, classify
from bench.run import free_port

pytestmark = pytest.mark.django_db


def _as_bench_response(django_response) -> Response:
    return Response(django_response.status_code, {}, django_response.content, 0.0)


def test_classify_the_portal_503_page_as_the_expected_error_page():
    with mock.patch("labportal.views.selectors.open_rounds", side_effect=OperationalError("gone")):
        response = Client(raise_request_exception=False).get("/")
    assert classify(_as_bench_response(response)) == "error_page_503"


def test_classify_a_bare_500_as_an_error():
    assert classify(Response(500, {}, b"Internal Server Error", 0.0)) == "http_500"


def _message(message_id: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.jp", "b@example.jp", "受付"
    message["Message-ID"] = message_id
    message.set_content("本文")
    return message


def test_faulty_smtp_server_refuses_rcpt_then_data_and_counts_accepted_by_message_id():
    port = free_port()
    with FaultySMTPServer(port) as server:
        server.mode = "refuse"
        outcomes = []
        for _ in range(2):
            with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
                try:
                    smtp.send_message(_message("<1@test>"))
                except smtplib.SMTPException as error:
                    outcomes.append(type(error).__name__)
        server.mode = "accept"
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
            smtp.send_message(_message("<1@test>"))
    assert (outcomes, dict(server.by_message_id)) == (
        ["SMTPRecipientsRefused", "SMTPDataError"], {"<1@test>": 1})
