"""Embedded mode never makes a client wait for the mail server: with one that accepts
connections and never answers, an urgent form is thanked (crisis text and all) while its
alert's send is still waiting on that server, on the process's background thread.
(bench/embedded_silent_smtp.py shows the email going out once the server answers.)"""

from __future__ import annotations

import socket
import threading
from pathlib import Path

from flask.testing import FlaskClient

from fic import create_app, dispatch
from fic.storage.models import utcnow
from tests.conftest import make_settings
from tests.flows import answers, csrf_token, new_session, path_of, set_up_clinic


class SilentServer:
    """Accepts connections on a port and says nothing until told to go away."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted = threading.Event()
        self.held: list[socket.socket] = []
        self.lock, self.gone = threading.Lock(), False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                if self.gone:
                    conn.close()
                    return
                self.held.append(conn)
            self.accepted.set()

    def hang_up(self) -> None:
        """Close every connection: the waiting send fails at once, and is tried again."""
        with self.lock:
            self.gone = True
            for conn in self.held:
                conn.close()
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.thread.join(5)


def test_an_urgent_form_is_thanked_while_the_silent_mail_server_holds_its_alert(
        tmp_path: Path):
    silent = SilentServer()
    app = create_app(make_settings(tmp_path / "instance", smtp_host="127.0.0.1",
                                   smtp_port=silent.port, smtp_timeout=60.0))
    app.test_client_class = FlaskClient  # returns as the client would: not after the jobs
    app.extensions["fic"].db.upgrade()
    try:
        clinic = set_up_clinic(app)
        url = new_session(app.test_client(), clinic, "C-1", utcnow())["feedback_url"]
        client = app.test_client()
        page = client.get(path_of(url)).get_data(as_text=True)
        fields = {"csrf_token": csrf_token(page),
                  **answers(3.0, comment="I keep thinking about suicide.")}
        response = client.post(path_of(url), data=fields)
        assert response.status_code == 303
        thanks = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "emergency" in thanks
        # Only now does the alert's send reach the mail server, which says nothing.
        assert silent.accepted.wait(30)
        assert not dispatch.dispatcher(app).wait(0)
    finally:
        silent.hang_up()
        assert dispatch.dispatcher(app).wait(120)
        app.extensions["fic"].db.dispose()
