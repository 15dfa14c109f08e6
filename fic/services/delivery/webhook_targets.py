"""Where a clinic's webhooks may point: https, and not into the machine or its network.

A webhook URL is typed by an operator but fetched by the worker, so an unchecked one makes
fic a request forger (SSRF) against loopback services, cloud metadata (169.254.169.254) or
the clinic's private network. Targets must be https to a host whose every address is
public; an operator who runs the receiver on the same host or LAN says so explicitly
(`fic webhook add --allow-private`), which also allows plain http. The check runs when
the endpoint is added and again before every delivery (a name may later resolve elsewhere).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from fic.errors import InvalidRequest

MAX_URL = 500


def check(url: str, allow_private: bool = False) -> None:
    """InvalidRequest naming what is wrong with the target, or nothing."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL or any(
        ch.isspace() or ord(ch) < 32 for ch in url
    ):
        raise InvalidRequest.about("url", f"an https URL of at most {MAX_URL} characters")
    parts = urlsplit(url)
    allowed = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in allowed:
        raise InvalidRequest.about("url", "the URL must start with https://")
    if not parts.hostname or parts.username or parts.password:
        raise InvalidRequest.about("url", "a host name, without a user name or password")
    if allow_private:
        return
    try:
        port = parts.port or 443
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port)}
    except (OSError, ValueError, UnicodeError):
        raise InvalidRequest.about("url", "the host name does not resolve") from None
    for address in addresses:
        ip = ipaddress.ip_address(str(address).split("%")[0])
        if not ip.is_global or ip.is_multicast:
            raise InvalidRequest.about("url", "the host is loopback, link-local or private; "
                                       "an operator may allow that with --allow-private")
