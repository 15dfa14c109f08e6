"""Goals a client and clinician set together: name, reword, retire; and their ratings.

At most three goals are live at once, each in its own slot (the goals instrument's items
goal_1..goal_3). The wording is the client's and is sealed under the client's data key with
its row bound in the associated data. A rating stored under goal_N belongs to the goal that
held slot N when the form was answered, so a slot freed and reused never mixes two goals.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fic.crypto import KeyRing, binding
from fic.domain.answers import N_, clean_text
from fic.errors import DecryptionFailed, InvalidRequest, NotFound
from fic.services.core import audit, vault
from fic.storage.models import Client
from fic.storage.models_goals import ClientGoal

SLOTS = (1, 2, 3)
MAX_LENGTH = 200
GOALS = "goals"


@dataclass(frozen=True)
class Goal:
    id: uuid.UUID
    slot: int
    wording: str
    created_at: datetime
    retired_at: datetime | None

    @property
    def item(self) -> str:
        return f"goal_{self.slot}"

    def held_at(self, moment: datetime) -> bool:
        """Whether this goal held its slot at `moment`."""
        return self.created_at <= moment and (self.retired_at is None or moment < self.retired_at)


def wording_binding(goal_id: uuid.UUID) -> bytes:
    return binding("client_goal", "wording", goal_id)


def name_goal(session: Session, keys: KeyRing, client: Client, wording: str,
              actor_id: uuid.UUID, at: datetime) -> ClientGoal:
    text = _checked(wording)
    taken = {g.slot for g in _live_rows(session, client.id)}
    free = [slot for slot in SLOTS if slot not in taken]
    if not free:
        raise InvalidRequest.about(
            "goal", N_("three goals are set; retire one before naming another"))
    goal = ClientGoal(id=uuid.uuid4(), client_id=client.id, slot=free[0], created_at=at)
    goal.wording_ct = vault.seal(keys, client, text, wording_binding(goal.id))
    session.add(goal)
    _audit(session, "goal_named", client, actor_id, goal.id, at)
    return goal


def reword(session: Session, keys: KeyRing, client: Client, goal_id: uuid.UUID, wording: str,
           actor_id: uuid.UUID, at: datetime) -> None:
    goal = _live(session, client, goal_id)
    goal.wording_ct = vault.seal(keys, client, _checked(wording), wording_binding(goal.id))
    _audit(session, "goal_reworded", client, actor_id, goal.id, at)


def retire(session: Session, client: Client, goal_id: uuid.UUID, actor_id: uuid.UUID,
           at: datetime) -> None:
    goal = _live(session, client, goal_id)
    goal.retired_at = at
    _audit(session, "goal_retired", client, actor_id, goal.id, at)


def goals_of(session: Session, keys: KeyRing, client: Client, live_only: bool = False
             ) -> list[Goal]:
    """The client's goals, oldest first (live ones only if asked), with their wording."""
    query = select(ClientGoal).where(ClientGoal.client_id == client.id)
    if live_only:
        query = query.where(ClientGoal.retired_at.is_(None))
    return [Goal(row.id, row.slot, _wording(keys, client, row), row.created_at, row.retired_at)
            for row in session.scalars(query.order_by(ClientGoal.created_at, ClientGoal.slot))]


def form_goals(session: Session, keys: KeyRing, client: Client) -> tuple[str | None, ...]:
    """The wording in slots 1–3 for the form; None where no goal is live."""
    if client.dek_wrapped is None:  # erased: nothing of theirs is shown any more
        return ()
    live = {g.slot: g.wording for g in goals_of(session, keys, client, live_only=True)}
    return tuple(live.get(slot) for slot in SLOTS) if live else ()


def ratings(goals: list[Goal], answered: list[tuple[int, datetime, dict[str, int]]]
            ) -> dict[uuid.UUID, list[tuple[int, float | None]]]:
    """Per goal, (session number, rating 0–10 or None) over the sessions it was live for.

    `answered` holds (session number, when the form was answered, its stored values).
    """
    lines: dict[uuid.UUID, list[tuple[int, float | None]]] = {g.id: [] for g in goals}
    for number, when, values in answered:
        for goal in goals:
            if goal.held_at(when):
                stored = values.get(goal.item)
                lines[goal.id].append((number, None if stored is None else stored / 10))
    return lines


def _checked(wording: str) -> str:
    text = " ".join(clean_text(wording or "").split())
    if not text:
        raise InvalidRequest.about("goal", N_("write the goal in the client's words"))
    if len(text) > MAX_LENGTH:
        raise InvalidRequest.about("goal", f"at most {MAX_LENGTH} characters")
    return text


def _live_rows(session: Session, client_id: uuid.UUID) -> list[ClientGoal]:
    return list(session.scalars(select(ClientGoal).where(
        ClientGoal.client_id == client_id, ClientGoal.retired_at.is_(None))))


def _live(session: Session, client: Client, goal_id: uuid.UUID) -> ClientGoal:
    goal = session.get(ClientGoal, goal_id)
    if goal is None or goal.client_id != client.id or goal.retired_at is not None:
        raise NotFound("no such goal")
    return goal


def _wording(keys: KeyRing, client: Client, row: ClientGoal) -> str:
    try:
        return vault.unseal(keys, client, row.wording_ct, wording_binding(row.id))
    except DecryptionFailed:
        return "(erased)"


def _audit(session: Session, action: str, client: Client, actor_id: uuid.UUID,
           goal_id: uuid.UUID, at: datetime) -> None:
    audit.record(session, action, actor_id=actor_id, clinic_id=client.clinic_id,
                 object_type="client_goal", object_id=goal_id, at=at)


def goal_lines(own: list[Goal], answered: list[tuple[int, datetime, dict[str, int]]]
               ) -> list[dict[str, object]]:
    """Each goal with its wording, whether it is live, its ratings by session, the latest
    rating and how far it moved from the first rating to the last."""
    lines = ratings(own, answered)
    shown = []
    for goal in own:
        rated = [v for _, v in lines[goal.id] if v is not None]
        shown.append({
            "id": str(goal.id), "name": f"Goal {goal.slot}", "slot": goal.slot,
            "wording": goal.wording, "live": goal.retired_at is None,
            "points": lines[goal.id], "latest": rated[-1] if rated else None,
            "moved": round(rated[-1] - rated[0], 1) if len(rated) > 1 else 0.0,
        })  # fmt: skip
    return shown
