"""Webhooks go to https on public hosts unless an operator explicitly allows otherwise."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from fic.cli.delivery import webhook_group
from fic.errors import InvalidRequest
from fic.services.delivery import webhook_targets
from fic.storage.models_delivery import WebhookEndpoint
from tests.flows import set_up_clinic


def _endpoints(app) -> int:
    with app.extensions["fic"].db.session() as session:
        return session.scalar(select(func.count(WebhookEndpoint.id)))


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/hook", "https://localhost/hook", "https://[::1]/hook",
    "https://169.254.169.254/latest/meta-data", "https://10.0.0.5/hook",
    "https://192.168.1.20/hook", "https://0.0.0.0/hook", "https://[fe80::1]/hook",
    "http://203.0.113.10/hook", "ftp://example.org/hook", "https://user:pw@example.org/",
    "https://exa mple.org/", "https://example.org/\r\nX: y", "https:///nohost",
])
def test_a_loopback_private_or_non_https_webhook_target_is_refused(url):
    with pytest.raises(InvalidRequest):
        webhook_targets.check(url)


def test_fic_webhook_add_refuses_a_loopback_target_and_stores_nothing(sqlite_app):
    clinic = set_up_clinic(sqlite_app)
    result = sqlite_app.test_cli_runner().invoke(
        webhook_group, ["add", "--clinic", clinic.name, "--url", "http://127.0.0.1:9/hook"])
    assert result.exit_code == 1 and "https://" in result.output
    result = sqlite_app.test_cli_runner().invoke(
        webhook_group, ["add", "--clinic", clinic.name, "--url", "https://127.0.0.1:9/hook"])
    assert result.exit_code == 1 and "--allow-private" in result.output
    assert _endpoints(sqlite_app) == 0


def test_an_operator_may_allow_a_receiver_on_the_same_host_explicitly(sqlite_app):
    clinic = set_up_clinic(sqlite_app)
    result = sqlite_app.test_cli_runner().invoke(webhook_group, [
        "add", "--clinic", clinic.name, "--url", "http://127.0.0.1:9/hook", "--allow-private"])
    assert result.exit_code == 0 and "whsec_" in result.output
    with sqlite_app.extensions["fic"].db.session() as session:
        assert session.scalar(select(WebhookEndpoint.allow_private)) is True
