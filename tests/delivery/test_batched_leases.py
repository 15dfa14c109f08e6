"""An alert's messages are claimed together and sent one after another (ledger.deliver_all)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import time_machine

from fic.services.delivery import ledger


def test_a_slow_first_send_never_lets_the_sweep_take_a_later_recipients_message(sqlite_app):
    svc = sqlite_app.extensions["fic"]
    start = datetime(2026, 12, 1, 10, tzinfo=UTC)
    alert = uuid.uuid4()
    specs = [ledger.Spec(f"alert:{alert}:{who}", "alert", "email", alert)
             for who in ("clinician", "supervisor", "on-call")]
    swept_during: list[list[tuple[str, uuid.UUID]]] = []

    with time_machine.travel(start, tick=False) as traveller:
        def slow(_claim: ledger.Claim) -> None:
            # Each send takes as long as a silent server's two timeouts, and the sweep
            # looks for run-out leases as the send returns.
            traveller.shift(timedelta(seconds=2 * 10 + 4))
            swept_during.append(ledger.due(svc.db, datetime.now(UTC)))

        outcomes = ledger.deliver_all(
            svc.db, [ledger.Send(spec, 10.0, slow) for spec in specs], start, svc.settings)

    assert outcomes == [ledger.SENT] * 3
    assert swept_during == [[], [], []]  # no lease ran out while its message waited its turn
