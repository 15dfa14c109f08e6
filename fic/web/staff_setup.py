"""Wiring of the staff side into the app: cookies, blueprints, and NotFound as a 404."""

from __future__ import annotations

import logging
import re

from flask import Flask, render_template, request

from fic.errors import NotFound

# staff_send, staff_goals, staff_clinic and staff_transitions add their routes to the staff
# and admin blueprints
from fic.web import (  # noqa: F401
    staff,
    staff_admin,
    staff_auth,
    staff_clinic,
    staff_goals,
    staff_send,
    staff_session,
    staff_transitions,
)


def register_staff(app: Flask) -> None:
    staff_session.configure(app)
    app.register_blueprint(staff_auth.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(staff_admin.bp)
    app.register_error_handler(NotFound, _not_found)
    _install_redaction()


def _not_found(error: NotFound):
    """Outside the caller's scope and nonexistent look the same."""
    if request.path.startswith("/api/"):
        return {"error": "not_found", "message": "No such object."}, 404
    return render_template("error.html", code=404, title="Not found",
                           message="There is nothing here, or it is not yours to see."), 404


_STAFF_TOKEN_PATH = re.compile(r"/staff/(password/reset|invitations)/[A-Za-z0-9_-]{8,}")


class RedactStaffTokens(logging.Filter):
    """Keep reset and invitation tokens out of access logs, like the form's link tokens."""

    def filter(self, record: logging.LogRecord) -> bool:
        def clean(value: object) -> object:
            return _STAFF_TOKEN_PATH.sub(r"/staff/\1/[token]", value) if isinstance(
                value, str) else value

        if isinstance(record.args, tuple):
            record.args = tuple(clean(a) for a in record.args)
        record.msg = clean(record.msg)
        return True


def _install_redaction() -> None:
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactStaffTokens) for f in logger.filters):
        logger.addFilter(RedactStaffTokens())
