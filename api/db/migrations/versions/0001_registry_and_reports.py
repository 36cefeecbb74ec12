"""Registry (organisations, official contacts) and user reports.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organizations",
        sa.Column("slug", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("aliases", sa.Text(), nullable=False),
        sa.Column("region", sa.String(2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "official_contacts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "org",
            sa.String(64),
            sa.ForeignKey("organizations.slug", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("value", sa.String(512), nullable=False),
        sa.Column("normalized", sa.String(512), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("verified_at", sa.String(10), nullable=True),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("org", "type", "normalized", name="uq_official_contact"),
    )
    op.create_index("ix_official_contacts_key", "official_contacts", ["type", "normalized"])
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("normalized", sa.String(512), nullable=False),
        sa.Column("reporter_hash", sa.String(64), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("flagged", sa.Boolean(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_reports_key_time", "reports", ["type", "normalized", "reported_at"])


def downgrade() -> None:
    op.drop_index("ix_reports_key_time", table_name="reports")
    op.drop_table("reports")
    op.drop_index("ix_official_contacts_key", table_name="official_contacts")
    op.drop_table("official_contacts")
    op.drop_table("organizations")
