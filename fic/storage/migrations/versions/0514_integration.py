"""Integration: API key scopes, discharge, external session ids, idempotent replies, inbound.

Revision ID: 0514_integration
Revises: 0513_client_goals
"""

import sqlalchemy as sa
from alembic import op

revision = "0514_integration"
down_revision = "0513_client_goals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_key") as batch:
        batch.add_column(sa.Column("scopes", sa.JSON(), nullable=True))
    with op.batch_alter_table("client") as batch:
        batch.add_column(sa.Column("discharged_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("therapy_session") as batch:
        batch.add_column(sa.Column("external_ref", sa.String(length=128), nullable=True))
    op.create_table(
        "idempotent_reply",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("body_ct", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"],
                                name=op.f("fk_idempotent_reply_clinic_id_clinic")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotent_reply")),
        sa.UniqueConstraint("clinic_id", "key", name=op.f("uq_idempotent_reply_clinic_id")),
    )
    op.create_index(op.f("ix_idempotent_reply_created_at"), "idempotent_reply", ["created_at"])
    op.create_table(
        "inbound_secret",
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("secret_ct", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"],
                                name=op.f("fk_inbound_secret_clinic_id_clinic")),
        sa.PrimaryKeyConstraint("clinic_id", name=op.f("pk_inbound_secret")),
    )
    op.create_table(
        "inbound_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"],
                                name=op.f("fk_inbound_event_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["session_id"], ["therapy_session.id"],
                                name=op.f("fk_inbound_event_session_id_therapy_session")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_event")),
        sa.UniqueConstraint("clinic_id", "event_id", name=op.f("uq_inbound_event_clinic_id")),
    )


def downgrade() -> None:
    op.drop_table("inbound_event")
    op.drop_table("inbound_secret")
    op.drop_index(op.f("ix_idempotent_reply_created_at"), table_name="idempotent_reply")
    op.drop_table("idempotent_reply")
    with op.batch_alter_table("therapy_session") as batch:
        batch.drop_column("external_ref")
    with op.batch_alter_table("client") as batch:
        batch.drop_column("discharged_at")
    with op.batch_alter_table("api_key") as batch:
        batch.drop_column("scopes")
