"""Operator routes and hooks: token-protected /metrics, request ids, structured logs."""

from __future__ import annotations

import hmac

from flask import Blueprint, Flask, Response, abort, request
from prometheus_client import CONTENT_TYPE_LATEST

from fic.extensions import services
from fic.ops import logs, metrics

bp = Blueprint("ops", __name__)


def register_ops(app: Flask) -> None:
    settings = app.extensions["fic"].settings
    logs.configure(settings.log_format)
    logs.request_ids(app)
    metrics.install()
    app.register_blueprint(bp)


@bp.get("/metrics")
def metrics_page() -> Response:
    """Prometheus text format; 404 unless FIC_METRICS_TOKEN is set, 401 without it."""
    svc = services()
    token = svc.settings.metrics_token
    if not token:
        abort(404)
    given = request.headers.get("Authorization", "").encode()
    if not hmac.compare_digest(given, f"Bearer {token}".encode()):
        return Response("metrics need the bearer token\n", 401,
                        {"WWW-Authenticate": 'Bearer realm="metrics"'}, mimetype="text/plain")
    body = metrics.exposition(svc.db, svc.settings.redis_url)
    return Response(body, mimetype=CONTENT_TYPE_LATEST)
