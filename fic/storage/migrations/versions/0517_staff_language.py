"""The language a staff member reads fic's pages in (None = the clinic's).

Revision ID: 0517_staff_language
Revises: 0516_retention
"""

import sqlalchemy as sa
from alembic import op

revision = "0517_staff_language"
down_revision = "0516_retention"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("language", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("language")
