"""Where the rules stood after each client's latest answered session.

Revision ID: 0302_course_state
Revises: 0301_reports
"""

import sqlalchemy as sa
from alembic import op

revision = "0302_course_state"
down_revision = "0301_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "course_state",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("policy_key", sa.String(length=64), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["client.id"],
                                name=op.f("fk_course_state_client_id_client")),
        sa.ForeignKeyConstraint(["session_id"], ["therapy_session.id"],
                                name=op.f("fk_course_state_session_id_therapy_session")),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_course_state")),
    )


def downgrade() -> None:
    op.drop_table("course_state")
