"""What a plain email carries to a real SMTP server (aiosmtpd): headers and envelope."""

from __future__ import annotations

import pytest

from fic.delivery.email import Email, Mailer
from tests.conftest import make_settings


def test_a_sender_name_with_umlauts_reaches_the_server_with_its_address_intact(mail, tmp_path):
    settings = make_settings(tmp_path, mail, smtp_sender="Praxis Müller <noreply@praxis.example>")
    Mailer(settings).send(Email(to="Jörg Weiß <clinician@praxis.example>",
                                subject="Neue Meldung für Sie", text="Bitte öffnen Sie fic."))
    message, = mail.wait_for(1)
    assert mail.envelopes == [("noreply@praxis.example", ["clinician@praxis.example"])]
    assert str(message["From"]) == "Praxis Müller <noreply@praxis.example>"
    assert str(message["To"]) == "Jörg Weiß <clinician@praxis.example>"
    assert str(message["Subject"]) == "Neue Meldung für Sie"
    assert "Bitte öffnen Sie fic." in message.get_content()


@pytest.mark.parametrize("subject", ["Clinic\r\nBcc: someone@else.example", "Clinic\n\nbody"])
def test_a_line_break_in_a_header_is_refused_and_nothing_is_sent(mail, tmp_path, subject):
    with pytest.raises(ValueError, match="line break"):
        Mailer(make_settings(tmp_path, mail)).send(
            Email(to="clinician@praxis.example", subject=subject, text="text"))
    assert mail.messages == []
