"""The audit chain is keyed: each row names the key-ring key its MAC is derived from.

Revision ID: 0512_audit_key
Revises: 0510_alert_reason, 0514_integration
"""

import sqlalchemy as sa
from alembic import op

revision = "0512_audit_key"
down_revision = ("0510_alert_reason", "0514_integration")  # joins the two heads of integrate
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("key_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("key_id")
