"""Clients record when they were erased, so nothing new is sealed for them and no report
built afterwards includes them.

Revision ID: 0512_client_erased
Revises: 0512_webhook_private
"""

import sqlalchemy as sa
from alembic import op

revision = "0512_client_erased"
down_revision = "0512_webhook_private"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("client") as batch:
        batch.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("client") as batch:
        batch.drop_column("erased_at")
