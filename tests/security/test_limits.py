"""Guessing meets a 429, per real client address; behind a trusted TLS proxy HSTS is sent."""

from __future__ import annotations

from pathlib import Path

from fic import create_app
from tests.conftest import make_settings
from tests.flows import csrf_token


def _wrong_codes(client, count: int, **environ) -> list[int]:
    token = csrf_token(client.get("/c", **environ).get_data(as_text=True))
    return [client.post("/c", data={"csrf_token": token, "code": f"ZZZZ{n:02d}"},
                        **environ).status_code for n in range(count)]


def test_forty_wrong_room_codes_from_one_address_meet_a_429(app):
    statuses = _wrong_codes(app.test_client(), 40)
    assert statuses[0] == 410
    assert 429 in statuses and statuses[-1] == 429
    assert statuses.index(429) <= 20


def test_forty_wrong_room_codes_meet_a_429_with_the_counters_in_redis(tmp_path, postgres_url,
                                                                      redis_url):
    app = create_app(make_settings(tmp_path / "instance", database_url=postgres_url,
                                   redis_url=redis_url))
    app.extensions["fic"].db.upgrade()
    try:
        assert _wrong_codes(app.test_client(), 40)[-1] == 429
        import redis

        assert any(b"fic-limits" in key for key in redis.Redis.from_url(redis_url).keys())
    finally:
        app.extensions["fic"].db.dispose()


def _proxied_app(tmp_path: Path, hops: int):
    app = create_app(make_settings(tmp_path / f"instance{hops}", trusted_proxies=hops))
    app.extensions["fic"].db.upgrade()
    return app


def test_hsts_is_sent_behind_a_trusted_tls_proxy_and_not_for_a_forged_header(tmp_path):
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    behind = _proxied_app(tmp_path, 1).test_client().get("/staff/sign-in", headers=proxied)
    assert behind.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    direct = _proxied_app(tmp_path, 0).test_client().get("/staff/sign-in", headers=proxied)
    assert "Strict-Transport-Security" not in direct.headers


def test_behind_a_trusted_proxy_limits_count_per_client_not_per_proxy(tmp_path):
    app = _proxied_app(tmp_path, 1)
    client = app.test_client()
    one = {"headers": {"X-Forwarded-For": "203.0.113.9"}}
    two = {"headers": {"X-Forwarded-For": "198.51.100.7"}}
    assert _wrong_codes(client, 25, **one)[-1] == 429
    assert _wrong_codes(client, 1, **two) == [410]


def test_without_a_trusted_proxy_a_forged_forwarded_for_does_not_escape_the_limit(tmp_path):
    client = _proxied_app(tmp_path, 0).test_client()
    statuses = [
        _wrong_codes(client, 1, headers={"X-Forwarded-For": f"198.51.100.{n}"})[0]
        for n in range(25)
    ]
    assert statuses[-1] == 429


def test_the_api_limits_each_key_and_answers_in_json(tmp_path):
    from tests.flows import set_up_clinic

    app = create_app(make_settings(tmp_path / "instance", api_rate_limit="5 per minute"))
    app.extensions["fic"].db.upgrade()
    clinic = set_up_clinic(app)
    client = app.test_client()
    answers = [client.get(f"/api/v1/reports/{'0' * 8}-0000-0000-0000-{'0' * 12}",
                          headers={"Authorization": f"Bearer {clinic.api_key}"})
               for _ in range(6)]
    assert [a.status_code for a in answers] == [404] * 5 + [429]
    assert answers[-1].get_json()["error"] == "too_many_requests"
    other = client.get("/api/v1/deliveries", headers={"Authorization": "Bearer another-key"})
    assert other.status_code == 401
