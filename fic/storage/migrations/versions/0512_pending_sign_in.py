"""Pending sign-ins live server-side (staff_session.stage); clinicians need a second factor by
default.

Revision ID: 0512_pending_sign_in
Revises: 0512_client_erased
"""

import sqlalchemy as sa
from alembic import op

revision = "0512_pending_sign_in"
down_revision = "0512_client_erased"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_session") as batch:
        batch.add_column(sa.Column("stage", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_session") as batch:
        batch.drop_column("stage")
