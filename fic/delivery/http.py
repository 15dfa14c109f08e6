"""One small HTTP POST for webhooks and SMS providers: bounded time, no redirects.

The standard library is enough for a POST with a timeout; callers pass the finished body.
Errors are reduced to their class name or status code, since providers may echo the
request (and so a phone number) back in an error body.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from fic.errors import DeliveryFailed


@dataclass(frozen=True)
class Reply:
    status: int

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a redirect is an answer (3xx), never followed with our body


_OPENER = urllib.request.build_opener(_NoRedirects)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Reply:
    """POST and return the status; DeliveryFailed when no HTTP answer came back."""
    if urlsplit(url).scheme not in ("https", "http"):
        raise DeliveryFailed("only http(s) URLs are delivered to")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - scheme checked above
    try:
        with _OPENER.open(request, timeout=timeout) as answer:
            answer.read(4096)
            return Reply(answer.status)
    except urllib.error.HTTPError as error:
        error.close()
        return Reply(error.code)
    except (OSError, ValueError) as error:
        raise DeliveryFailed(f"HTTP delivery failed: {type(error).__name__}") from None
