"""The bare stack fic's form path is measured beside: Flask + SQLAlchemy, one validated INSERT.

It takes the same form body as fic's alliance check (four scores 0-10, a tension choice,
an optional comment), checks it by hand (422 on error), inserts one ORM row in its own
session, commits and answers 303 like fic does. No CSRF, no link, no encryption, no queue:
the floor a Flask app on this machine cannot go below.

    BARE_DATABASE_URL=postgresql+psycopg://... gunicorn -w 2 bench.bare_app:app
"""

from __future__ import annotations

import math
import os
import uuid
from datetime import UTC, datetime

from flask import Flask, redirect, request
from sqlalchemy import DateTime, Integer, String, Uuid, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

ITEMS = ("safety", "heard", "goals", "approach")
TENSION = ("none", "a_little", "some", "a_lot")


class Base(DeclarativeBase):
    pass


class FormRow(Base):
    __tablename__ = "bare_form"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    token: Mapped[str] = mapped_column(String(64))
    safety: Mapped[int] = mapped_column(Integer)
    heard: Mapped[int] = mapped_column(Integer)
    goals: Mapped[int] = mapped_column(Integer)
    approach: Mapped[int] = mapped_column(Integer)
    tension: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(String(2000))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


engine = create_engine(os.environ.get("BARE_DATABASE_URL", "sqlite:///bare.db"))
app = Flask(__name__)


@app.post("/f/<token>")
def submit(token: str):
    form = request.form
    values: dict[str, int] = {}
    for item in ITEMS:
        try:
            number = float(form.get(item, ""))
        except ValueError:
            return "bad score", 422
        if not math.isfinite(number) or not 0 <= number <= 10:
            return "bad score", 422
        values[item] = round(number * 10)
    tension = form.get("tension", "none")
    if tension not in TENSION:
        return "bad choice", 422
    comment = form.get("comment") or None
    if comment is not None and len(comment) > 2000:
        return "too long", 422
    with Session(engine) as session, session.begin():
        session.add(FormRow(id=uuid.uuid4(), token=token[:64], tension=TENSION.index(tension),
                            comment=comment, submitted_at=datetime.now(UTC), **values))
    return redirect("/thanks", code=303)


@app.get("/ping")
def ping():
    return "ok"
