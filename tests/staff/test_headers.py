"""Every page, for every kind of visitor, sends the security headers."""

from __future__ import annotations

import pytest

from tests.staff.world import build_world

ROLES = (None, "clinician", "supervisor", "admin")


def _check(response, path: str) -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp, path
    assert "unsafe-inline" not in csp and "script-src 'self'" in csp, path
    assert headers.get("X-Content-Type-Options") == "nosniff", path
    assert headers.get("Referrer-Policy") == "no-referrer", path
    assert headers.get("X-Frame-Options") == "DENY", path
    if not path.startswith("/static/"):
        assert headers.get("Cache-Control") == "no-store", path
    assert response.status_code < 500, (path, response.status_code)
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and "<script>" not in body and " style=" not in body, path


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from fic import create_app
    from tests.conftest import make_settings
    from tests.mail import MailCatcher

    mail = MailCatcher()
    mail.start()
    app = create_app(make_settings(tmp_path_factory.mktemp("headers") / "instance", mail))
    app.extensions["fic"].db.upgrade()
    yield build_world(app)
    mail.stop()


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_every_page_sends_the_security_headers(world, role):
    app = world.app
    client = world.client_for(role) if role else app.test_client()
    paths = ["/static/fic.css", "/static/staff.css", "/no/such/page",
             f"/staff/clients/{world.ids['client_id']}", f"/staff/alerts/{world.ids['alert_id']}"]
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments:
            paths.append(rule.rule)
    for path in paths:
        response = client.get(path)
        _check(response, path)
        response.close()


def test_https_pages_add_strict_transport_security(world):
    response = world.app.test_client().get("/staff/sign-in", base_url="https://localhost")
    assert "includeSubDomains" in response.headers["Strict-Transport-Security"]
