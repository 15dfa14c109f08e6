"""Audit outcomes long enough for every repair action ("consulted_supervisor" is 20).

Revision ID: 0511_audit_outcome
Revises: 0100_staff, 0200_delivery, 0302_course_state (one head from here on)
"""

import sqlalchemy as sa
from alembic import op

revision = "0511_audit_outcome"
down_revision = ("0100_staff", "0200_delivery", "0302_course_state")
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.alter_column("outcome", type_=sa.String(length=32),
                           existing_type=sa.String(length=16), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.alter_column("outcome", type_=sa.String(length=16),
                           existing_type=sa.String(length=32), existing_nullable=False)
