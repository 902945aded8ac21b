"""users.timezone: the clock a user reads history in

Submissions, reviews, jobs and audit entries are shown on the reader's clock. Everyone
starts on China time (Beijing time, Asia/Shanghai), as the department's staff and
Sichuan's enterprises keep; the profile page changes it.

Revision ID: 3d7c2a9e51f4
Revises: b488457ceeb9
Create Date: 2026-11-29 23:40:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "3d7c2a9e51f4"
down_revision = "b488457ceeb9"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "timezone",
                sa.String(length=64),
                nullable=False,
                server_default="Asia/Shanghai",
            )
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("timezone")
