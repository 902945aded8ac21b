"""results report jobs: a job kind printing a results report, not tied to one event

Revision ID: a5a854b7db5a
Revises: 6ec2efbf9296
Create Date: 2026-11-30 03:26:42.164107

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a5a854b7db5a"
down_revision = "6ec2efbf9296"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("document_jobs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("parameters", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
        batch_op.alter_column("event_id", existing_type=sa.INTEGER(), nullable=True)
    _kinds("'certificates', 'badges', 'results'")


def _kinds(values: str) -> None:
    """Replace the check constraint on document_jobs.kind (SQLite recreates the table)."""
    with op.batch_alter_table("document_jobs", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_document_jobs_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_document_jobs_kind"), f"kind IN ({values})")


def downgrade():
    op.execute("DELETE FROM document_jobs WHERE kind = 'results' OR event_id IS NULL")
    _kinds("'certificates', 'badges'")
    with op.batch_alter_table("document_jobs", schema=None) as batch_op:
        batch_op.alter_column("event_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("parameters")
