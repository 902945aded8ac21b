"""campaign certificate runs: a job for a campaign whose event jobs are its children

A run (kind campaign_certs) points to its campaign; each event's certificate job it
started points to it (parent_id). One active run of a kind per campaign.

Revision ID: 8a1b017bc411
Revises: 895e1fe0cf6a
Create Date: 2026-11-30 19:51:36.640851

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "8a1b017bc411"
down_revision = "895e1fe0cf6a"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("document_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("campaign_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_document_jobs_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_document_jobs_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(
            "uq_document_jobs_active_campaign_kind",
            ["campaign_id", "kind"],
            unique=True,
            postgresql_where=sa.text("status IN ('queued', 'running')"),
            sqlite_where=sa.text("status IN ('queued', 'running')"),
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_document_jobs_campaign_id_campaigns"),
            "campaigns",
            ["campaign_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_document_jobs_parent_id_document_jobs"),
            "document_jobs",
            ["parent_id"],
            ["id"],
            ondelete="SET NULL",
        )
    _kinds("'certificates', 'badges', 'results', 'invitations', 'itineraries', 'campaign_certs'")


def _kinds(values: str) -> None:
    """Replace the check constraint on document_jobs.kind (SQLite recreates the table)."""
    with op.batch_alter_table("document_jobs", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_document_jobs_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_document_jobs_kind"), f"kind IN ({values})")


def downgrade():
    op.execute("UPDATE document_jobs SET parent_id = NULL")
    op.execute("DELETE FROM document_jobs WHERE kind = 'campaign_certs'")
    _kinds("'certificates', 'badges', 'results', 'invitations', 'itineraries'")
    with op.batch_alter_table("document_jobs", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_document_jobs_parent_id_document_jobs"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_document_jobs_campaign_id_campaigns"), type_="foreignkey"
        )
        batch_op.drop_index(
            "uq_document_jobs_active_campaign_kind",
            postgresql_where=sa.text("status IN ('queued', 'running')"),
            sqlite_where=sa.text("status IN ('queued', 'running')"),
        )
        batch_op.drop_index(batch_op.f("ix_document_jobs_parent_id"))
        batch_op.drop_index(batch_op.f("ix_document_jobs_campaign_id"))
        batch_op.drop_column("parent_id")
        batch_op.drop_column("campaign_id")
