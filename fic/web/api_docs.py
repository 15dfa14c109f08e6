"""GET /api/v1/openapi.json (generated from the routes) and the readable docs at /api/v1/docs.

The docs page is Swagger UI, vendored from npm into fic/static/vendor/swagger-ui (no CDN).
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from flask import Blueprint, current_app, render_template
from spectree import Response

from fic.web.api_core import PROBLEM, install_api, public, spec

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")
install_api(bp)

ERRORS = {
    "400": "The body is not JSON, or a header is malformed.",
    "401": "No valid API key.",
    "403": "The API key lacks the scope this route needs.",
    "404": "No such object in your clinic.",
    "422": "Some fields are missing or malformed.",
}



@bp.get("/openapi.json")
@public
@spec.validate(resp=Response("HTTP_200"), tags=["meta"])
def openapi_document():
    """This API described by OpenAPI 3.1."""
    return document(), 200


@bp.get("/docs")
@public
@spec.validate(resp=Response("HTTP_200"), tags=["meta"])
def docs_page():
    """The API reference to read in a browser."""
    page = render_template("api_docs.html")
    return page, 200, {"Content-Type": "text/html; charset=utf-8"}


def document() -> dict[str, Any]:
    """The spec for this app, made once and kept with it."""
    cached = current_app.extensions.get("fic_openapi")
    if cached is None:
        cached = _finish(deepcopy(spec.spec))
        current_app.extensions["fic_openapi"] = cached
    return cached


def _finish(document: dict[str, Any]) -> dict[str, Any]:
    """What spectree leaves out: problem+json errors, public routes, Idempotency-Key."""
    problem_ref = {"schema": {"$ref": "#/components/schemas/Problem"}}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            view = current_app.view_functions[_endpoint(path, method)]
            is_public = getattr(view, "_fic_public", False)
            responses = operation.setdefault("responses", {})
            for status, text in ERRORS.items():
                if is_public and status in ("401", "403") and status not in responses:
                    continue
                responses[status] = {"description": text, "content": {PROBLEM: problem_ref}}
            for status, declared in responses.items():
                if status[0] in "45":
                    declared["content"] = {PROBLEM: problem_ref}
            media = getattr(view, "_fic_media", None)
            if media:
                responses["200"]["content"] = {media: {"schema": {"type": "string",
                                                                  "format": "binary"}}}
            if is_public:
                operation["security"] = []
            if method == "get" and not is_public:
                responses["304"] = {"description": "Not modified (If-None-Match matched)."}
            if method == "post" and not is_public:
                responses["409"] = {"description": "A conflicting state.",
                                    "content": {PROBLEM: problem_ref}}
                operation.setdefault("parameters", []).append({
                    "name": "Idempotency-Key", "in": "header", "required": False,
                    "description": "Send the same key again to get the first answer again.",
                    "schema": {"type": "string", "minLength": 1, "maxLength": 200,
                               "pattern": "^[\\x21-\\x7e]+$"},
                })
    return document


def _endpoint(path: str, method: str) -> str:
    for rule in current_app.url_map.iter_rules():
        if rule.methods and method.upper() in rule.methods and _openapi_path(rule.rule) == path:
            return rule.endpoint
    raise LookupError(path)


def _openapi_path(rule: str) -> str:
    out, _, rest = "", "", rule
    while "<" in rest:
        head, _, tail = rest.partition("<")
        name, _, rest = tail.partition(">")
        out += head + "{" + name.rpartition(":")[2] + "}"
    return out + rest
