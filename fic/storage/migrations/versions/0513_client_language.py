"""The language each client reads fic in (None = the clinic's).

Revision ID: 0513_client_language
Revises: 0511_audit_outcome
"""

import sqlalchemy as sa
from alembic import op

revision = "0513_client_language"
down_revision = "0511_audit_outcome"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("client") as batch:
        batch.add_column(sa.Column("language", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("client") as batch:
        batch.drop_column("language")
