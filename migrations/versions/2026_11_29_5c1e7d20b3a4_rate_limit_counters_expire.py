"""rate limit counters expire: one row per limit key with the end of its window

Flask-Limiter's fixed window starts at a key's first hit, so a counter holds its expiry
instead of a calendar window. The counts live a minute or an hour; the table is made anew
rather than converted.

Revision ID: 5c1e7d20b3a4
Revises: 9f1fa57cdf08
Create Date: 2026-11-29 21:20:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "5c1e7d20b3a4"
down_revision = "9f1fa57cdf08"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table("rate_limit_counters")
    op.create_table(
        "rate_limit_counters",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit_counters")),
    )


def downgrade():
    op.drop_table("rate_limit_counters")
    op.create_table(
        "rate_limit_counters",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start", name=op.f("pk_rate_limit_counters")),
    )
