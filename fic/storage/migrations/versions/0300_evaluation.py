"""Rupture episodes, the episode an alert belongs to, and each clinic's form instruments.

Revision ID: 0300_evaluation
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0300_evaluation"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "episode",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("opened_session_id", sa.Uuid(), nullable=False),
        sa.Column("closed_session_id", sa.Uuid(), nullable=True),
        sa.Column("escalated_session_id", sa.Uuid(), nullable=True),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('open','repaired','escalated','closed')", name=op.f("ck_episode_state")
        ),
        sa.ForeignKeyConstraint(["client_id"], ["client.id"],
                                name=op.f("fk_episode_client_id_client")),
        sa.ForeignKeyConstraint(["opened_session_id"], ["therapy_session.id"],
                                name=op.f("fk_episode_opened_session_id_therapy_session")),
        sa.ForeignKeyConstraint(["closed_session_id"], ["therapy_session.id"],
                                name=op.f("fk_episode_closed_session_id_therapy_session")),
        sa.ForeignKeyConstraint(["escalated_session_id"], ["therapy_session.id"],
                                name=op.f("fk_episode_escalated_session_id_therapy_session")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_episode")),
        sa.UniqueConstraint("client_id", "number", name=op.f("uq_episode_client_id")),
    )
    with op.batch_alter_table("episode") as batch:
        batch.create_index(batch.f("ix_episode_client_id"), ["client_id"], unique=False)
    with op.batch_alter_table("alert") as batch:
        batch.add_column(sa.Column("episode", sa.Integer(), nullable=True))
    with op.batch_alter_table("clinic") as batch:
        batch.add_column(sa.Column("form_instruments", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("clinic") as batch:
        batch.drop_column("form_instruments")
    with op.batch_alter_table("alert") as batch:
        batch.drop_column("episode")
    with op.batch_alter_table("episode") as batch:
        batch.drop_index(batch.f("ix_episode_client_id"))
    op.drop_table("episode")
