"""email verification: users.email_verified_at

A sign-up proves its address by the link it is mailed; until then the account cannot
apply to events. Accounts that exist already count as verified from the time they were
made, so the upgrade stops nobody.

Revision ID: 999583b0da5b
Revises: a6b0e48acb15
Create Date: 2026-11-29 22:12:31.325037

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "999583b0da5b"
down_revision = "a6b0e48acb15"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.execute("UPDATE users SET email_verified_at = created_at")


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email_verified_at")
