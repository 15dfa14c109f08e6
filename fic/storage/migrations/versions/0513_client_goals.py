"""Goals named by client and clinician together, worded by the client (sealed).

Revision ID: 0513_client_goals
Revises: 0513_client_language
"""

import sqlalchemy as sa
from alembic import op

revision = "0513_client_goals"
down_revision = "0513_client_language"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "client_goal",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("wording_ct", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["client_id"], ["client.id"],
                                name=op.f("fk_client_goal_client_id_client")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_goal")),
    )
    op.create_index(op.f("ix_client_goal_client_id"), "client_goal", ["client_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_client_goal_client_id"), table_name="client_goal")
    op.drop_table("client_goal")
