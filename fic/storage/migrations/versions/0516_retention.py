"""Per-clinic retention periods.

Revision ID: 0516_retention
Revises: 0510_alert_reason, 0514_integration (one head after the merge)
"""

import sqlalchemy as sa
from alembic import op

revision = "0516_retention"
down_revision = "0512_audit_via"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clinic_retention",
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("data_days", sa.Integer(), nullable=False),
        sa.Column("comment_days", sa.Integer(), nullable=False),
        sa.Column("audit_days", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"],
                                name=op.f("fk_clinic_retention_clinic_id_clinic")),
        sa.PrimaryKeyConstraint("clinic_id", name=op.f("pk_clinic_retention")),
    )


def downgrade() -> None:
    op.drop_table("clinic_retention")
