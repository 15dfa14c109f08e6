"""Link tasks: the first link by email or SMS, and the one reminder."""

import uuid

from celery import shared_task

from fic import clock
from fic.extensions import services
from fic.services.delivery import link_messages, reminders
from tasks.senders import link_senders


@shared_task(name="fic.deliver_link")
def deliver_link(session_id: str) -> None:
    link_messages.deliver_link(services().db, link_senders(), uuid.UUID(session_id), "email")


@shared_task(name="fic.deliver_link_sms")
def deliver_link_sms(session_id: str) -> None:
    link_messages.deliver_link(services().db, link_senders(), uuid.UUID(session_id), "sms")


@shared_task(name="fic.send_reminder")
def send_reminder(session_id: str) -> None:
    reminders.send_reminder(services().db, link_senders(), uuid.UUID(session_id), clock.now())


@shared_task(name="fic.send_reminders")
def send_reminders() -> None:
    """Beat: every reminder that is due and allowed now."""
    reminders.send_due(services().db, link_senders(), clock.now())
