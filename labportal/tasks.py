"""Celery tasks of labportal: thin, they take ids and call a service (labportal.services, clock)."""

import logging

from celery import shared_task

from . import clock, services

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=None)
def send_outbox_mail(self, mail_id: int):
    """Send one outbox mail; on a transient error, retry when the service says (backoff on the row)."""
    outcome = services.outbox_send(mail_id=mail_id)
    if outcome is not None and outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)


@shared_task
def enqueue_outbox_mails(mail_ids: list[int]):
    """Publish one send task per mail: a big batch is fanned out here, not in the caller."""
    services.outbox_enqueue(mail_ids=mail_ids)


@shared_task
def clock_sweep():
    """Run every deadline handler once (beat sends this every CLOCK_SWEEP_SECONDS)."""
    report = clock.sweep()
    if report is not None and (report.failed or any(report.acted.values())):
        logger.info("期限処理の巡回: %s", report.as_json())
