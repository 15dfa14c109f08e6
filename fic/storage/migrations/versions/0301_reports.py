"""Stored, sealed reports with a build state; each clinic's report schedule and retention.

Revision ID: 0301_reports
Revises: 0300_evaluation
"""

import sqlalchemy as sa
from alembic import op

revision = "0301_reports"
down_revision = "0300_evaluation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clinic") as batch:
        batch.add_column(sa.Column("report_weekday", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("report_hour", sa.Integer(), nullable=False,
                                   server_default="7"))
        batch.add_column(sa.Column("report_retention_days", sa.Integer(), nullable=False,
                                   server_default="365"))
        batch.add_column(sa.Column("report_attach_pdf", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    # Reports made before this revision were written to files only: nothing to keep.
    op.execute("DELETE FROM report")
    with op.batch_alter_table("report") as batch:
        batch.add_column(sa.Column("dedupe_key", sa.String(length=200), nullable=False))
        batch.add_column(sa.Column("client_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("period_label", sa.String(length=32), nullable=False))
        batch.add_column(sa.Column("status", sa.String(length=16), nullable=False))
        batch.add_column(sa.Column("file_name", sa.String(length=64), nullable=False))
        batch.add_column(sa.Column("content_ct", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("size_bytes", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("error", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True))
        batch.alter_column("sha256", existing_type=sa.String(length=64), nullable=True)
        batch.create_unique_constraint(batch.f("uq_report_dedupe_key"), ["dedupe_key"])
        batch.create_foreign_key(batch.f("fk_report_client_id_client"), "client",
                                 ["client_id"], ["id"])
        batch.create_check_constraint(
            batch.f("ck_report_status"), "status IN ('building','ready','failed','purged')")


def downgrade() -> None:
    with op.batch_alter_table("report") as batch:
        batch.drop_constraint(batch.f("ck_report_status"), type_="check")
        batch.drop_constraint(batch.f("fk_report_client_id_client"), type_="foreignkey")
        batch.drop_constraint(batch.f("uq_report_dedupe_key"), type_="unique")
        for column in ("emailed_at", "error", "size_bytes", "content_ct", "file_name", "status",
                       "period_label", "client_id", "dedupe_key"):
            batch.drop_column(column)
    with op.batch_alter_table("clinic") as batch:
        for column in ("report_attach_pdf", "report_retention_days", "report_hour",
                       "report_weekday"):
            batch.drop_column(column)
