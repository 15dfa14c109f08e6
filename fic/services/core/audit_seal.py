"""The audit trail's keys, and its checkpoints kept outside the database.

Threat model: someone who can write to the database (a DBA, a restored and altered backup)
but does not hold the key ring. Each row's chain hash is an HMAC-SHA256 under a key derived
from one key of the ring (the row names the key id; the key itself is never stored), so an
edited, reordered or recomputed row cannot be given a matching hash. Cutting rows off the
end leaves a valid shorter chain, so after every commit that appended rows a signed
checkpoint (the row count and the head hash) is appended to a file outside the database
(FIC_AUDIT_CHECKPOINTS, default instance/audit-checkpoints.jsonl) and logged on the
`fic.audit` logger (FIC_AUDIT_SYSLOG sends it to syslog too): a trail shorter than its
newest checkpoint, or a head rolled back, is then found by `fic audit verify`. Ship that
file or the syslog stream off the host: whoever can rewrite both can hide a truncation.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import logging.handlers
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

from fic import clock
from fic.crypto import KeyRing
from fic.errors import ConfigurationError

PURPOSE = "audit-chain-v1"
INFO_KEY = "audit_seal"
_PENDING = "audit_pending_head"
_LISTENING = "audit_listening"
log = logging.getLogger("fic.audit")


@dataclass(frozen=True)
class Checkpoint:
    line: int
    seq: int
    hash: str
    at: str
    problem: str | None = None  # why this line cannot be trusted, if it cannot


@dataclass
class AuditSeal:
    keys: KeyRing
    checkpoint_path: Path
    _derived: dict[str, bytes] = field(default_factory=dict, repr=False)

    @property
    def kid(self) -> str:
        return self.keys.current

    def has(self, kid: str) -> bool:
        return self.keys.has(kid)

    def mac(self, kid: str, message: bytes) -> str:
        if kid not in self._derived:
            self._derived[kid] = self.keys.derive(kid, PURPOSE)
        return hmac.new(self._derived[kid], message, hashlib.sha256).hexdigest()

    def checkpoint(self, seq: int, head_hash: str, now: datetime | None = None) -> None:
        """Append one signed line (and log it); a failure to write is logged, never raised."""
        at = (now or clock.now()).isoformat(timespec="seconds")
        body = {"seq": seq, "hash": head_hash, "at": at, "kid": self.kid}
        body["sig"] = self.mac(self.kid, _signed(body))
        line = json.dumps(body, sort_keys=True, separators=(",", ":"))
        log.info("audit checkpoint %s", line)
        try:
            self.checkpoint_path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.checkpoint_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "a") as fh:
                fh.write(line + "\n")
        except OSError as error:
            log.error("audit checkpoint not written to its file: %s", type(error).__name__)

    def checkpoints(self) -> Iterator[Checkpoint]:
        """Every line of the checkpoint file, each checked against its signature."""
        if not self.checkpoint_path.exists():
            return
        with self.checkpoint_path.open() as fh:
            for number, text in enumerate(fh, start=1):
                yield self._read(number, text)

    def _read(self, number: int, text: str) -> Checkpoint:
        try:
            body = json.loads(text)
            seq, head, at, kid, sig = (body["seq"], str(body["hash"]), str(body["at"]),
                                       str(body["kid"]), str(body["sig"]))
            if not isinstance(seq, int):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return Checkpoint(number, 0, "", "", "is not a checkpoint")
        if not self.has(kid):
            return Checkpoint(number, seq, head, at, f"is signed by key {kid!r}, not in the ring")
        if not hmac.compare_digest(sig, self.mac(kid, _signed(body))):
            return Checkpoint(number, seq, head, at, "has a bad signature")
        return Checkpoint(number, seq, head, at)


def _signed(body: dict[str, object]) -> bytes:
    return f"checkpoint|{body['seq']}|{body['hash']}|{body['at']}|{body['kid']}".encode()


def of(session: Session) -> AuditSeal:
    seal = session.info.get(INFO_KEY)
    if not isinstance(seal, AuditSeal):
        raise ConfigurationError("the audit trail needs the key ring (Database info)")
    return seal


def note_head(session: Session, seq: int, head_hash: str) -> None:
    """Checkpoint this head once the transaction has committed (never for a rolled-back one)."""
    session.info[_PENDING] = (seq, head_hash)
    if not session.info.get(_LISTENING):
        session.info[_LISTENING] = True
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_rollback", _after_rollback)


def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending is not None:
        of(session).checkpoint(*pending)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def send_to_syslog(address: str) -> None:
    """FIC_AUDIT_SYSLOG: "/dev/log", or "host:port" (UDP)."""
    host, _, port = address.rpartition(":")
    target: str | tuple[str, int] = (host, int(port)) if host and port.isdigit() else address
    handler = logging.handlers.SysLogHandler(address=target)
    handler.setFormatter(logging.Formatter("fic: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
