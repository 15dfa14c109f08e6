"""Audit rows say through what an action came: the CLI, a task, or which API key.

Revision ID: 0512_audit_via
Revises: 0512_pending_sign_in
"""

import sqlalchemy as sa
from alembic import op

revision = "0512_audit_via"
down_revision = "0512_pending_sign_in"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("via", sa.String(length=48), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("via")
