"""Embedded mode with a silent mail server: the client is thanked at once, the alert follows.

fic runs as a single-box clinic runs it: `fic run` (embedded mode: SQLite, no broker, the
in-process worker and beat of fic.embedded) with FIC_SMTP_HOST pointing at a server of
ours that accepts connections and never says a word. A client sends a form whose comment
holds risk language (S1: an urgent alert to the clinician and the supervisor). Measured:
the POST until its 303, the thank-you page, and another client's GET of their form while
the worker is stuck waiting for the mail server. Then the server starts answering (a real
SMTP server, aiosmtpd, on the same port) and we wait for both alert emails, counting them.
Targets (issue 15): thanked in under 1 s; the alert goes out once SMTP answers again.

    .venv/bin/python bench/embedded_silent_smtp.py [--silent-seconds 12] [--smtp-timeout 10]
        [--server fic-run|gunicorn]

Everything lives in a temporary folder (instance, SQLite file) removed afterwards; the
servers are stopped by their process id.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from aiosmtpd.controller import Controller

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import support  # noqa: E402

URGENT = {"safety": "3.0", "heard": "4.0", "goals": "3.5", "approach": "4.0",
          "tension": "lot", "talked_through": "no",
          "comment": "I keep thinking about suicide since last week."}


class SilentServer:
    """Accepts TCP connections on a port and never answers (holds them open)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_server(("127.0.0.1", port), reuse_port=False)
        self.sock.settimeout(0.2)
        self.held: list[socket.socket] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.held.append(conn)

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join()
        self.sock.close()
        for conn in self.held:
            conn.close()


class Inbox:
    def __init__(self) -> None:
        self.received: list[tuple[float, str, str]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd API
        subject = re.search(rb"^Subject: (.*)$", envelope.content, re.M)
        self.received.append((time.monotonic(), ",".join(envelope.rcpt_tos),
                              subject.group(1).decode() if subject else ""))
        return "250 OK"

    def urgent(self) -> list[tuple[float, str, str]]:
        return [r for r in self.received if "URGENT" in r[2]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--silent-seconds", type=float, default=12.0,
                        help="how long the mail server stays silent after the POST")
    parser.add_argument("--smtp-timeout", type=float, default=10.0)
    parser.add_argument("--wait-for-mail", type=float, default=120.0,
                        help="seconds to wait for the urgent emails once SMTP answers")
    parser.add_argument("--server", choices=("fic-run", "gunicorn"), default="fic-run",
                        help="fic run (embedded worker and beat in the process), or gunicorn "
                             "-w 2 sync workers (no beat: jobs run on each worker's "
                             "dispatcher thread, failed sends are retried by nothing)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fic-bench-silent-"))
    try:
        figures = run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(figures, args)


def run(args: argparse.Namespace, work: Path) -> dict[str, float]:
    smtp_port, web_port = support.free_port(), support.free_port()
    env = {"FIC_INSTANCE_PATH": str(work / "instance"), "FIC_SMTP_HOST": "127.0.0.1",
           "FIC_SMTP_PORT": str(smtp_port), "FIC_SMTP_TIMEOUT": str(args.smtp_timeout),
           "FIC_BASE_URL": f"http://127.0.0.1:{web_port}", "FIC_RETRY_BASE_SECONDS": "1",
           "FIC_SWEEP_SECONDS": "1"}
    tokens = seed(env)
    silent = SilentServer(smtp_port)
    inbox, controller = Inbox(), None
    if args.server == "gunicorn":
        web = support.gunicorn("fic:create_app()", web_port, env, 2, work / "fic.log")
    else:
        web = subprocess.Popen(  # noqa: S603 - our own fic command and arguments
            [str(Path(sys.executable).with_name("fic")), "run", "--host", "127.0.0.1",
             "--port", str(web_port), "--no-reload", "--no-debugger"],
            cwd=work, env={**support.os.environ, **env}, stdout=subprocess.DEVNULL,
            stderr=(work / "fic.log").open("wb"))
    try:
        support.wait_for_http(f"http://127.0.0.1:{web_port}/healthz")
        figures = answer_urgently(web_port, tokens[0])
        # The worker is now waiting on the silent server: another client opens their form.
        time.sleep(1.0)
        started = time.monotonic()
        with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/f/{tokens[1]}") as page:  # noqa: S310
            page.read()
        figures["other GET during the stall"] = time.monotonic() - started
        figures["connections the silent server held"] = float(len(silent.held))
        time.sleep(max(0.0, args.silent_seconds - 1.0))
        figures["connections the silent server held"] = float(len(silent.held))
        silent.stop()
        controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        answering = time.monotonic()
        deadline = answering + args.wait_for_mail
        while len(inbox.urgent()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        if len(inbox.urgent()) >= 2:
            figures["SMTP answers -> both urgent emails accepted"] = (
                inbox.urgent()[1][0] - answering)
        time.sleep(3.0)  # anything sent twice would arrive by now
        figures["urgent emails accepted (clinician, supervisor)"] = float(len(inbox.urgent()))
        figures["emails accepted in all"] = float(len(inbox.received))
        figures["emails accepted twice"] = float(
            len(inbox.received) - len({(to, subject) for _at, to, subject in inbox.received}))
        for _at, to, subject in inbox.received:
            print(f"accepted: to {to.split('-')[0]}-…: {subject}")
        return figures
    finally:
        support.stop(web)
        if controller is not None:
            controller.stop()
        else:
            silent.stop()


def seed(env: dict[str, str]) -> list[str]:
    """An embedded instance with a clinic, its staff and two live links."""
    from fic import create_app
    from fic.settings import Settings

    app = create_app(Settings(**{k.removeprefix("FIC_").lower(): v for k, v in env.items()}))
    app.extensions["fic"].db.upgrade()
    tokens = support.seed_links(app, 2, clients=2)
    app.extensions["fic"].db.dispose()
    return tokens


def answer_urgently(port: int, token: str) -> dict[str, float]:
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())
    base = f"http://127.0.0.1:{port}"
    with opener.open(f"{base}/f/{token}") as page:
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.read().decode())
    if csrf is None:
        raise SystemExit("the form carries no CSRF token")
    body = urllib.parse.urlencode({"csrf_token": csrf.group(1), **URGENT}).encode()
    started = time.monotonic()
    try:
        opener.open(f"{base}/f/{token}", data=body)
        raise SystemExit("the POST did not redirect to the thank-you page")
    except urllib.error.HTTPError as done:
        if done.code != 303:
            raise SystemExit(f"the POST answered {done.code}") from None
        location = done.headers["Location"]
    posted = time.monotonic()
    with opener.open(urllib.parse.urljoin(base, location)) as thanks:
        page = thanks.read().decode()
    thanked = time.monotonic()
    if "emergency" not in page:
        raise SystemExit("the thank-you page did not show the crisis text")
    return {"urgent POST -> 303": posted - started,
            "POST -> thank-you page shown": thanked - started}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def report(figures: dict[str, float], args: argparse.Namespace) -> None:
    print(f"\nembedded mode ({args.server}, SQLite), mail server silent for "
          f"{args.silent_seconds:.0f} s (SMTP timeout {args.smtp_timeout:.0f} s), then answering")
    print(f"| {'figure':<45} | {'value':>9} | target |")
    print(f"|{'-' * 47}|{'-' * 11}|--------|")
    targets = {"POST -> thank-you page shown": "< 1 s",
               "urgent emails accepted (clinician, supervisor)": "2",
               "emails accepted twice": "0",
               "SMTP answers -> both urgent emails accepted": "arrive"}
    for label, value in figures.items():
        counted = label.startswith(("urgent emails", "emails", "connections"))
        shown = f"{value:.0f}" if counted else f"{value:.3f} s"
        print(f"| {label:<45} | {shown:>9} | {targets.get(label, ''):<6} |")
    if "SMTP answers -> both urgent emails accepted" not in figures:
        print(f"| the urgent emails did not arrive within {args.wait_for_mail:.0f} s of SMTP "
              "answering |")


if __name__ == "__main__":
    main()
