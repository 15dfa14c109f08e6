"""A delivery channel is one module: a Channel subclass registered here, and a clinic routing
alerts to it, is all it takes (nothing in fic.services changes)."""

from __future__ import annotations

import pytest

from fic.delivery.email import Mailer
from fic.errors import InvalidRequest
from fic.services.alerts import notifications
from fic.services.alerts.notifications import Senders
from fic.services.clinic import delivery_settings
from fic.services.core.channels import Address, Channel
from tests.delivery.helpers import CLIENT_REF, alert_case


@pytest.fixture
def chat():
    """A chat room channel, as an installation might add one: it records what it sends."""

    class ChatChannel(Channel):
        name = "chat"
        sent: list[tuple[str, str, dict[str, object], str]] = []

        def recipients(self, session, senders, clinic_id):
            return [Address("room-1", "https://chat.clinic.test/rooms/1")]

        def send(self, senders, to, content, delivery_id):
            ChatChannel.sent.append((to.target, content.short, content.payload, delivery_id))
            return 200

    yield ChatChannel.sent
    Channel.registry.pop("chat")


def test_an_alert_routed_to_a_channel_registered_in_a_test_module_goes_out_on_it_once(
    sqlite_app, mail, chat
):
    svc = sqlite_app.extensions["fic"]
    case = alert_case(sqlite_app)
    with svc.db.session() as session:
        delivery_settings.update(session, case.clinic_id,
                                 routing={"rupture": ["clinician", "chat"]})
    senders = Senders(Mailer(svc.settings), svc.keys, svc.settings)
    assert notifications.notify_alert(svc.db, senders, case.alert_id).sent == 2
    assert notifications.notify_alert(svc.db, senders, case.alert_id).sent == 0
    [(room, text, payload, delivery_id)] = chat
    assert room == "https://chat.clinic.test/rooms/1" and delivery_id
    assert payload["alert_id"] == str(case.alert_id) and payload["level"] == "rupture"
    assert f"/staff/alerts/{case.alert_id}" in text and CLIENT_REF not in text + str(payload)
    assert [m["To"] for m in mail.wait_for(1)] == [case.clinic.clinician]


def test_a_routing_may_name_only_people_and_registered_channels(sqlite_app, chat):
    svc = sqlite_app.extensions["fic"]
    case = alert_case(sqlite_app)
    with svc.db.session() as session:
        delivery_settings.update(session, case.clinic_id, routing={"urgent": ["chat"]})
        with pytest.raises(InvalidRequest, match="routing: targets are .*chat"):
            delivery_settings.update(session, case.clinic_id, routing={"urgent": ["pager"]})
