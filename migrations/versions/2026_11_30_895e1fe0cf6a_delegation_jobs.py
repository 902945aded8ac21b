"""delegation jobs: every member's invitation letter or itinerary, one file per member

Revision ID: 895e1fe0cf6a
Revises: 2454a57acb72
Create Date: 2026-11-30 19:51:06.510379

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "895e1fe0cf6a"
down_revision = "2454a57acb72"
branch_labels = None
depends_on = None

ACTIVE = "status IN ('queued', 'running')"

# A job's file is an application's (badges) or a delegation member's, never both or none.
ONE_SUBJECT = "(application_id IS NULL) <> (member_id IS NULL)"


def upgrade():
    with op.batch_alter_table("document_job_files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("member_id", sa.Integer(), nullable=True))
        batch_op.alter_column("application_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(
            batch_op.f("ix_document_job_files_member_id"), ["member_id"], unique=False
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_document_job_files_job_id_member_id"), ["job_id", "member_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_document_job_files_member_id_delegation_members"),
            "delegation_members",
            ["member_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_check_constraint(op.f("ck_document_job_files_one_subject"), ONE_SUBJECT)

    with op.batch_alter_table("document_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delegation_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_document_jobs_delegation_id"), ["delegation_id"], unique=False
        )
        batch_op.create_index(
            "uq_document_jobs_active_delegation_kind",
            ["delegation_id", "kind"],
            unique=True,
            postgresql_where=sa.text(ACTIVE),
            sqlite_where=sa.text(ACTIVE),
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_document_jobs_delegation_id_delegations"),
            "delegations",
            ["delegation_id"],
            ["id"],
            ondelete="CASCADE",
        )
    _kinds("'certificates', 'badges', 'results', 'invitations', 'itineraries'")


def _kinds(values: str) -> None:
    """Replace the check constraint on document_jobs.kind (SQLite recreates the table)."""
    with op.batch_alter_table("document_jobs", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_document_jobs_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_document_jobs_kind"), f"kind IN ({values})")


def downgrade():
    # The delegations' jobs and their files have no place in the older schema.
    op.execute("DELETE FROM document_job_files WHERE application_id IS NULL")
    op.execute("DELETE FROM document_jobs WHERE kind IN ('invitations', 'itineraries')")
    _kinds("'certificates', 'badges', 'results'")
    with op.batch_alter_table("document_jobs", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_document_jobs_delegation_id_delegations"), type_="foreignkey"
        )
        batch_op.drop_index(
            "uq_document_jobs_active_delegation_kind",
            postgresql_where=sa.text(ACTIVE),
            sqlite_where=sa.text(ACTIVE),
        )
        batch_op.drop_index(batch_op.f("ix_document_jobs_delegation_id"))
        batch_op.drop_column("delegation_id")

    with op.batch_alter_table("document_job_files", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_document_job_files_one_subject"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_document_job_files_member_id_delegation_members"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("uq_document_job_files_job_id_member_id"), type_="unique"
        )
        batch_op.drop_index(batch_op.f("ix_document_job_files_member_id"))
        batch_op.alter_column("application_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("member_id")
