"""Webhook endpoints record whether an operator allowed a loopback or private target.

Revision ID: 0512_webhook_private
Revises: 0512_audit_key
"""

import sqlalchemy as sa
from alembic import op

revision = "0512_webhook_private"
down_revision = "0512_audit_key"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Endpoints added before the check existed are checked from now on too: one pointing at
    # a private or loopback host stops until an operator re-adds it with --allow-private.
    with op.batch_alter_table("webhook_endpoint") as batch:
        batch.add_column(sa.Column("allow_private", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("webhook_endpoint") as batch:
        batch.drop_column("allow_private")
