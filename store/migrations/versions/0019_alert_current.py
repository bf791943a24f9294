"""alerts.is_current, alerts.is_current_overall: each (message, recipient)'s current level, kept by the writers.

The alerts page showed one row per message per recipient at its current level by an anti-join over every
alert (about 10 ms of each request at 10,000 alerts on PostgreSQL). The writers now mark the current rows
(``store.models.alerts.refresh_current_alerts``) and the page reads the marked ones. ``is_current``: the
highest level (then the newest alert) of its message and recipient among the alerts in its state;
``is_current_overall``: among all of them. An alert without a message (an early warning) is always current.
Existing alerts are marked here; ``ix_alerts_current_firing`` holds the firing rows shown, in the page's order
(unacknowledged, level, due date, id), so that a page is read from the index rather than sorted.

Revision ID: 0019_alert_current
Revises: 0018_message_sightings
"""
import sqlalchemy as sa
from alembic import op

revision = "0019_alert_current"
down_revision = "0018_message_sightings"
branch_labels = None
depends_on = None

# The ranking as of this revision (store.models.alerts.ALERT_LEVELS, least urgent first), frozen here.
_LEVELS = ("warning", "due_soon", "overdue", "seriously_overdue", "supervision")
_RANK = ("\nCASE\n" + "".join(f"    WHEN level = '{name}' THEN {position}\n" for position, name in enumerate(_LEVELS))
         + "    ELSE -1\nEND")

_BACKFILL = f"""
UPDATE alerts SET is_current = ranked.in_state, is_current_overall = ranked.overall
FROM (SELECT id,
             row_number() OVER (PARTITION BY message_id, recipient, state ORDER BY {_RANK} DESC, id DESC) = 1
                 AS in_state,
             row_number() OVER (PARTITION BY message_id, recipient ORDER BY {_RANK} DESC, id DESC) = 1 AS overall
      FROM alerts WHERE message_id IS NOT NULL) AS ranked
WHERE alerts.id = ranked.id AND NOT (ranked.in_state AND ranked.overall)
"""


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("is_current", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("is_current_overall", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.execute(_BACKFILL)
    # The where clause as an expression, not text: each dialect spells it as its queries do (SQLite:
    # is_current = 1), or the index would not match them. The order: store.models.alerts.WORK_LIST_ORDER.
    current_firing = sa.column("is_current", sa.Boolean) & (sa.column("state", sa.String) == "firing")
    op.create_index("ix_alerts_current_firing", "alerts",
                    [sa.text("(acknowledged_at IS NOT NULL)"), sa.text(f"({_RANK}) DESC"), "due_on", "id"],
                    unique=False, postgresql_where=current_firing, sqlite_where=current_firing)


def downgrade() -> None:
    op.drop_index("ix_alerts_current_firing", table_name="alerts")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("is_current_overall")
        batch.drop_column("is_current")
