"""What every v1 route shares: the OpenAPI 3.1 document (spectree, from the pydantic models
on each route), API-key authentication and scopes, RFC 9457 problem details (keeping the
older `error`, `message` and `fields` members), Idempotency-Key on POST, ETags on GET, and
one audit row per call.

A route is thin: `@bp.<method>`, then `@spec.validate(...)` for its models and `@scope(...)`
for what the key must allow; it reads its body with `body()` and its caller with `caller()`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, g, jsonify, request
from pydantic import BaseModel, ValidationError
from spectree import SecurityScheme, SecuritySchemeData, SpecTree
from spectree.models import SecureType
from werkzeug.http import HTTP_STATUS_CODES

from fic.errors import InvalidJson, InvalidRequest, NotFound, Unauthorized
from fic.extensions import csrf, services
from fic.services.integration import api_keys, idempotency
from fic.services.integration.api_keys import Caller, Forbidden

M = TypeVar("M", bound=BaseModel)
F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("fic.api")
PROBLEM = "application/problem+json"


class Problem(BaseModel):
    """RFC 9457 problem details; `error`, `message` and `fields` as v1 always answered."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    error: str
    message: str
    fields: dict[str, str] | None = None


def _before(req: Any, resp: Any, error: Exception | None, instance: Any, adapter: Any) -> None:
    """spectree's hook: hand a bad body to our error handlers (which never echo values)."""
    if error is None:
        return
    if req.method in ("POST", "PUT", "PATCH") and not isinstance(req.get_json(silent=True), dict):
        raise InvalidJson
    raise error


def _after(req: Any, resp: Any, error: Exception | None, instance: Any, adapter: Any) -> None:
    if error is not None:
        log.error("response of %s does not match its schema", req.endpoint)


spec = SpecTree(
    "flask",
    mode="strict",
    path="_spectree",  # spectree's own pages are not registered; ours are below
    annotations=False,
    title="fic API",
    version="1",
    description=(
        "The JSON API a clinic's own systems (EHR, scheduling, research) use. Authenticate "
        "with `Authorization: Bearer <API key>`; each key has scopes. Errors are RFC 9457 "
        "problem details. POST accepts an `Idempotency-Key` header; GET answers carry an ETag."
    ),
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
    before=_before,
    after=_after,
    validation_error_model=Problem,
    security_schemes=[SecurityScheme(
        name="bearer", data=SecuritySchemeData(type=SecureType.HTTP, scheme="bearer"))],
    security={"bearer": []},
)


def scope(name: str | None) -> Callable[[F], F]:
    """The scope an API key needs for this route (None: any valid key)."""

    def mark(view: F) -> F:
        view._fic_scope = name  # type: ignore[attr-defined]
        return view

    return mark


def public(view: F) -> F:
    """A route that needs no API key (the documentation; signed inbound webhooks)."""
    view._fic_public = True  # type: ignore[attr-defined]
    return view


def body(model: type[M]) -> M:
    """The request body spectree validated against `model`."""
    found = getattr(getattr(request, "context", None), "json", None)
    if not isinstance(found, model):
        raise InvalidJson
    return found


def query(model: type[M]) -> M:
    found = getattr(getattr(request, "context", None), "query", None)
    return found if isinstance(found, model) else model()


def caller() -> Caller:
    found: Caller = g.api_caller
    return found


def problem(status: int, code: str, message: str,
            fields: dict[str, str] | None = None) -> Response:
    payload: dict[str, object] = {
        "type": "about:blank", "title": HTTP_STATUS_CODES.get(status, "Error"),
        "status": status, "detail": message, "error": code, "message": message,
    }
    if fields:
        payload["fields"] = fields
    response = jsonify(payload)
    response.status_code = status
    response.mimetype = PROBLEM
    return response


def install_api(blueprint: Blueprint) -> None:
    """Authentication, scopes, idempotency, ETags, audit and errors for one v1 blueprint."""
    csrf.exempt(blueprint)
    blueprint.before_request(_authenticate)
    blueprint.after_request(_finish)
    blueprint.register_error_handler(Unauthorized, _unauthorized)
    blueprint.register_error_handler(Forbidden, lambda error: problem(
        403, "forbidden", f"This API key lacks the scope {error.scope}."))
    blueprint.register_error_handler(InvalidJson, lambda _: problem(
        400, "invalid_json", "The body must be a JSON object."))
    blueprint.register_error_handler(ValidationError, lambda error: problem(
        422, "invalid_request", "Some fields are missing or malformed.", _field_errors(error)))
    blueprint.register_error_handler(idempotency.KeyReused, lambda error: problem(
        422, "idempotency_key_reused", str(error)))
    blueprint.register_error_handler(InvalidRequest, _invalid_request)
    blueprint.register_error_handler(NotFound, lambda _: problem(
        404, "not_found", "No such object in your clinic."))


def _unauthorized(_: Exception) -> Response:
    response = problem(401, "unauthorized", "Send a valid API key as 'Authorization: Bearer …'.")
    response.headers["WWW-Authenticate"] = "Bearer"
    return response


def _invalid_request(error: InvalidRequest) -> Response:
    fields = {error.field: error.problem} if error.field else None
    return problem(422, "invalid_request", str(error), fields)


def _field_errors(error: ValidationError) -> dict[str, str]:
    """Which field and what is wrong with it; never the value that was sent."""
    fields = {}
    for item in error.errors(include_input=False, include_url=False, include_context=False):
        name = ".".join(str(p) for p in item["loc"]) or "body"
        fields[name] = item["msg"]
    return fields


def _authenticate() -> Response | None:
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None:
        return None
    request.max_content_length = getattr(view, "_fic_max_body", None)
    if getattr(view, "_fic_public", False):
        return None
    svc = services()
    presented = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    try:
        g.api_caller = api_keys.authenticate(svc.db, presented)
    except NotFound:
        raise Unauthorized from None
    g.api_caller.require(getattr(view, "_fic_scope", None))
    raw_key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or raw_key is None:
        return None
    key = idempotency.check_key(raw_key)
    g.idempotency = (key, idempotency.fingerprint(request.method, request.full_path,
                                                  request.get_data()))
    earlier = idempotency.earlier(svc.db, svc.keys, g.api_caller.clinic_id, *g.idempotency)
    if earlier is None:
        return None
    response = jsonify(earlier.body)
    response.status_code = earlier.status
    if earlier.status >= 400:
        response.mimetype = PROBLEM
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _finish(response: Response) -> Response:
    who: Caller | None = g.get("api_caller")
    if who is None:
        return response
    svc = services()
    pending = g.get("idempotency")
    if (pending and response.status_code < 500 and response.is_json
            and "Idempotent-Replayed" not in response.headers):
        reply = idempotency.Reply(response.status_code, response.get_json())
        key, print_ = pending
        idempotency.remember(svc.db, svc.keys, who.clinic_id, key, print_, reply)
    if request.method == "GET" and response.status_code == 200 and not response.direct_passthrough:
        response.add_etag()
        response.make_conditional(request)
    api_keys.record_call(svc.db, who, response.status_code)
    return response
