"""Why each alert and episode was raised, in plain words with its numbers.

Revision ID: 0510_alert_reason
Revises: 0513_client_goals
"""

import sqlalchemy as sa
from alembic import op

revision = "0510_alert_reason"
down_revision = "0513_client_goals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alert") as batch:
        batch.add_column(sa.Column("reason", sa.Text(), nullable=True))
    with op.batch_alter_table("episode") as batch:
        batch.add_column(sa.Column("reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("episode") as batch:
        batch.drop_column("reason")
    with op.batch_alter_table("alert") as batch:
        batch.drop_column("reason")
