"""sessions can all be ended: users.sessions_ended_at

Set by "sign out everywhere" and by signing out of a remembered browser; it changes the
session stamp that sessions and remember-me cookies carry. NULL for existing users, whose
stamp stays that of their last password change, so nobody is signed out by the upgrade.

Revision ID: a6b0e48acb15
Revises: 5c1e7d20b3a4
Create Date: 2026-11-29 22:00:29.719982

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a6b0e48acb15"
down_revision = "5c1e7d20b3a4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sessions_ended_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("sessions_ended_at")
