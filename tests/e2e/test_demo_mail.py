"""A newcomer's first run: `fic demo` says where the mail it sends can be read, and answering
its link brings the alert emails there (the embedded worker, no mail server, no broker)."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from tests.flows import answers, csrf_token

RUPTURE = "Possible alliance rupture"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _fic(env: dict[str, str], *args: str) -> str:
    script = Path(sys.executable).parent / "fic"
    done = subprocess.run([str(script), *args], env=env, capture_output=True, text=True,
                          check=True, timeout=60)
    return done.stdout


def _answer(link: str, fields: dict[str, str]) -> int:
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(link, timeout=10) as page:
        token = csrf_token(page.read().decode())
    body = urllib.parse.urlencode({"csrf_token": token, **fields}).encode()
    with opener.open(link, data=body, timeout=10) as sent:
        return sent.status


def test_the_demo_shows_where_its_mail_is_and_the_alert_after_answering_arrives_there(tmp_path):
    port = _free_port()
    env = {**os.environ, "FIC_INSTANCE_PATH": str(tmp_path / "instance"),
           "FIC_BASE_URL": f"http://127.0.0.1:{port}"}
    for name in ("FIC_DATABASE_URL", "FIC_REDIS_URL", "FIC_SECRET_KEY", "FIC_DATA_KEYS",
                 "FIC_SMTP_HOST", "FIC_MAIL_TRANSPORT"):
        env.pop(name, None)
    script = Path(sys.executable).parent / "fic"
    server = subprocess.Popen([str(script), "demo"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        printed = []
        for line in server.stdout:
            printed.append(line)
            if "Running on" in line:
                break
        out = "".join(printed)
        folder = re.search(r"written to (\S+) \(no mail server needed\)", out)
        link = re.search(rf"http://127\.0\.0\.1:{port}/f/[\w-]+", out)
        invitations = re.findall(rf"http://127\.0\.0\.1:{port}/staff/invitations/[\w-]+", out)
        assert folder and link and len(invitations) == 4, out
        assert Path(folder.group(1)) == tmp_path / "instance" / "mail"
        before = _fic(env, "mail").count(RUPTURE)

        wellbeing = dict.fromkeys(("personal", "relationships", "social", "overall"), "5.0")
        assert _answer(link.group(0), {**answers(3.0), **wellbeing}) == 200  # thanked
        deadline = time.monotonic() + 30
        while _fic(env, "mail").count(RUPTURE) < before + 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        listing = _fic(env, "mail")
        assert listing.count(RUPTURE) == before + 2, listing  # the clinician and the supervisor
        newest = len(listing.strip().splitlines()) - 1  # the last line says where the files are
        text = _fic(env, "mail", "--show", str(newest))
        assert RUPTURE in text and "/ack/" in text
        assert "DEMO-101" not in text  # no client details in an alert email
        with urllib.request.urlopen(invitations[0], timeout=10) as page:  # noqa: S310 - ours
            assert page.status == 200
    finally:
        server.terminate()
        server.wait(10)
        server.stdout.close()
