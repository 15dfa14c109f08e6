"""Link tasks: the first link by email or SMS, and the one reminder."""

import uuid

from celery import shared_task

from fic import clock, jobs
from fic.extensions import services
from fic.services.delivery import link_messages, reminders
from tasks.senders import link_senders


@shared_task(name=jobs.DELIVER_LINK)
def deliver_link(session_id: str) -> None:
    link_messages.deliver_link(services().db, link_senders(), uuid.UUID(session_id), "email")


@shared_task(name=jobs.DELIVER_LINK_SMS)
def deliver_link_sms(session_id: str) -> None:
    link_messages.deliver_link(services().db, link_senders(), uuid.UUID(session_id), "sms")


@shared_task(name=jobs.SEND_REMINDER)
def send_reminder(session_id: str) -> None:
    reminders.send_reminder(services().db, link_senders(), uuid.UUID(session_id), clock.now())


@shared_task(name=jobs.SEND_REMINDERS)
def send_reminders() -> None:
    """Beat: every reminder that is due and allowed now."""
    reminders.send_due(services().db, link_senders(), clock.now())
