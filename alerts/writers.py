"""The bulk writers of an alert run: alerts and ledger entries, built column by column from the run's decision
arrays (no per-alert Python object). New rows go through a narrow scratch table of ints and the database copies
the message's fields (``INSERT … SELECT``); existing rows are updated only when a field moves."""
from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from alerts.bulk import bulk_update, drop_scratch, fill_scratch
from alerts.candidates import Existing
from alerts.directory import UnitInfo
from alerts.ladder import LADDER, NO_DATE, Evaluation
from alerts.recipients import Recipient, recipient_key_sql
from store.models.alerts import Alert, LedgerEntry, refresh_current_alerts


def level_name_sql(rank_column: str) -> str:
    """The ladder level named by its rank (an index into ``LADDER``; -1: none, NULL)."""
    return f"CASE {rank_column} " + " ".join(f"WHEN {r} THEN '{level}'" for r, level in enumerate(LADDER)) + " END"


def _pick(values: tuple[Any, ...], index: list[int]) -> list[Any]:
    return list(map(values.__getitem__, index))


def write_alerts(session: Session, c: dict[str, tuple[Any, ...]], now: dt.datetime, evaluation: Evaluation,
                  existing: dict[str, Existing], firing: dict[str, np.ndarray], notify: dict[str, np.ndarray],
                  any_level: np.ndarray, resolving: dict[str, np.ndarray], units: list[UnitInfo | None],
                  row_unit: np.ndarray, recipients: list[Recipient], row_recipient: dict[str, np.ndarray]) -> None:
    """New alerts inserted; existing ones updated only when their period, state or resolution changes.

    Built column by column from the decision arrays: no per-alert Python object is made.
    """
    table = Alert.__table__
    connection = session.connection()
    message_ids = np.asarray(c["id"], dtype=np.int64)
    late = np.maximum(evaluation.late, 0)
    unit_ids = np.asarray([u.id if u else -1 for u in units], dtype=np.int64)[row_unit]
    recipient_units = np.asarray([-1 if r.unit_id is None else r.unit_id for r in recipients] or [-1], dtype=np.int64)
    new_rows: list[np.ndarray] = []  # per level: the candidate rows that get a new alert
    kept_rows: list[np.ndarray] = []  # per level: the rows whose existing alert fires on
    kept_told: list[np.ndarray] = []  # … and is notified again (else it only comes back from superseded)
    superseded: list[int] = []
    resolved: list[int] = []
    reranked = np.zeros(len(message_ids), bool)  # the messages with an alert added or changing state
    for level in LADDER:
        old, notified = existing[level], notify[level]
        new_rows.append(np.flatnonzero(firing[level] & ~old.present))
        index = np.flatnonzero(firing[level] & old.present & (notified | ~old.firing))
        kept_rows.append(index)
        kept_told.append(notified[index])
        reranked |= (firing[level] & ~old.firing) | resolving[level]  # new, back from superseded, or resolved
        if level == "due_soon":  # overdue now: the due-soon alert ends without a "resolved" notice
            ending = any_level & ~firing[level] & old.present & old.firing
            superseded += old.id[ending].tolist()
            reranked |= ending
        resolved += old.id[resolving[level]].tolist()
    bulk_update(connection, table, superseded, {"state": ["superseded"] * len(superseded)})
    bulk_update(connection, table, resolved, {"state": ["resolved"] * len(resolved),
                                              "resolved_at": [now] * len(resolved)})
    _insert_new_alerts(connection, now, evaluation, notify, new_rows, message_ids, late, unit_ids, recipient_units,
                       row_recipient)
    _update_kept_alerts(connection, now, evaluation, existing, kept_rows, kept_told, message_ids, late)
    refresh_current_alerts(connection, message_ids[reranked].tolist())


def _update_kept_alerts(connection: Any, now: dt.datetime, evaluation: Evaluation, existing: dict[str, Existing],
                        kept_rows: list[np.ndarray], kept_told: list[np.ndarray], message_ids: np.ndarray,
                        late: np.ndarray) -> None:
    """Existing alerts that fire on: notified again (new period) or back from superseded. A narrow temporary
    table of the decisions; the due date is copied by the database from the deadline."""
    if not sum(len(index) for index in kept_rows):
        return
    levels = list(zip(LADDER, kept_rows, strict=True))
    rows = np.concatenate(kept_rows)
    fill_scratch(connection, "alert_run_kept", {
        "alert_id": ("BIGINT", np.concatenate([existing[level].id[index] for level, index in levels]).tolist()),
        "message_id": ("BIGINT", message_ids[rows].tolist()),
        "period": ("INTEGER", np.concatenate([evaluation.periods[level][index] for level, index in levels]).tolist()),
        "overdue_workdays": ("INTEGER", late[rows].tolist()),
        "notified": ("INTEGER", np.concatenate(kept_told).astype(np.int64).tolist())})
    connection.execute(text("""
        UPDATE alerts SET state = 'firing', overdue_workdays = n.overdue_workdays, due_on = d.due_on,
               last_period = CASE WHEN n.notified = 1 THEN n.period ELSE alerts.last_period END,
               last_notified_at = CASE WHEN n.notified = 1 THEN :now ELSE alerts.last_notified_at END
        FROM alert_run_kept n JOIN deadlines d ON d.message_id = n.message_id
        WHERE alerts.id = n.alert_id""").bindparams(
        bindparam("now", now, type_=Alert.__table__.c.last_notified_at.type)))
    drop_scratch(connection, "alert_run_kept")


def _insert_new_alerts(connection: Any, now: dt.datetime, evaluation: Evaluation, notify: dict[str, np.ndarray],
                       new_rows: list[np.ndarray], message_ids: np.ndarray, late: np.ndarray, unit_ids: np.ndarray,
                       recipient_units: np.ndarray,
                       row_recipient: dict[str, np.ndarray]) -> None:
    """The new alerts: only what the run decided goes through Python (a narrow temporary table of ints and the
    recipient key); subject, title and due date are copied by the database from the message and its deadline.
    Rows go in message order (levels in ladder order within a message) so the indexes grow at their ends."""
    rows = np.concatenate(new_rows)
    if not len(rows):
        return
    rank = np.concatenate([np.full(len(index), r, np.int64) for r, index in enumerate(new_rows)])
    period = np.concatenate([evaluation.periods[level][index] for level, index in zip(LADDER, new_rows, strict=True)])
    notified = np.concatenate([notify[level][index] for level, index in zip(LADDER, new_rows, strict=True)])
    who = np.concatenate([row_recipient[level][index] for level, index in zip(LADDER, new_rows, strict=True)])
    order = np.lexsort((rank, rows))
    rows, rank, period, notified, who = rows[order], rank[order], period[order], notified[order], who[order]
    # Only ints: the recipient key is spelled by the database (``alerts.recipients.recipient_key_sql``), and a level is
    # notified exactly when its last period is set.
    fill_scratch(connection, "alert_run_new", {
        "message_id": ("BIGINT", message_ids[rows].tolist()), "level_rank": ("INTEGER", rank.tolist()),
        "unit_id": ("BIGINT", unit_ids[rows].tolist()), "recipient_unit_id": ("BIGINT", recipient_units[who].tolist()),
        "overdue_workdays": ("INTEGER", late[rows].tolist()),
        "last_period": ("INTEGER", np.where(notified, period, -1).tolist())})
    table = Alert.__table__
    level_name = level_name_sql("n.level_rank")
    # CROSS JOIN: SQLite scans the scratch table in order and looks messages up by key (PostgreSQL plans freely).
    connection.execute(text(f"""
        INSERT INTO alerts (subject, message_id, level, unit_id, recipient_unit_id, recipient, state, title, due_on,
                            overdue_workdays, last_period, first_fired_at, last_notified_at, details)
        SELECT 'message:' || CAST(n.message_id AS TEXT), n.message_id, {level_name}, NULLIF(n.unit_id, -1),
               NULLIF(n.recipient_unit_id, -1),
               {recipient_key_sql("n.recipient_unit_id")},
               'firing', substr(COALESCE(m.title, ''), 1, 200), d.due_on, n.overdue_workdays, n.last_period, :now,
               CASE WHEN n.last_period >= 0 THEN :now END, :details
        FROM alert_run_new n CROSS JOIN messages m CROSS JOIN deadlines d
        WHERE m.id = n.message_id AND d.message_id = n.message_id""").bindparams(
        bindparam("now", now, type_=table.c.first_fired_at.type),
        bindparam("details", {}, type_=table.c.details.type)))
    drop_scratch(connection, "alert_run_new")


def write_ledger(session: Session, c: dict[str, tuple[Any, ...]], now: dt.datetime, due: np.ndarray,
                  firing: dict[str, np.ndarray], notify: dict[str, np.ndarray], any_level: np.ndarray,
                  settled: np.ndarray, existing: dict[str, Existing], has_reply: np.ndarray,
                  units: list[UnitInfo | None], row_unit: np.ndarray) -> None:
    """A ledger entry for every alerted message; an existing entry is written only when a field moves."""
    n = len(due)
    if not n:
        return
    table = LedgerEntry.__table__
    connection = session.connection()
    highest = np.full(n, -1, np.int64)
    for rank, level in enumerate(LADDER):
        highest[firing[level]] = rank
    notified = np.logical_or.reduce([notify[level] for level in LADDER])
    alerted_before = np.logical_or.reduce([existing[level].present for level in LADDER])
    touched = any_level | (settled & alerted_before)
    has_entry = np.fromiter((e is not None for e in c["ledger_id"]), dtype=bool, count=n)

    index = np.flatnonzero(touched & ~has_entry)
    unit_ids = np.asarray([u.id if u else -1 for u in units], dtype=np.int64)
    # A narrow table of what the run decided; the message's and the unit's fields are copied by the database.
    fill_scratch(connection, "ledger_run_new", {
        "message_id": ("BIGINT", np.asarray(c["id"], dtype=np.int64)[index].tolist()),
        "unit_id": ("BIGINT", unit_ids[row_unit[index]].tolist()),
        "level_rank": ("INTEGER", highest[index].tolist()),  # -1: none
        "notified": ("INTEGER", notified[index].astype(np.int64).tolist()),
        "replied": ("INTEGER", has_reply[index].astype(np.int64).tolist())})
    level_name = level_name_sql("n.level_rank")
    connection.execute(text(f"""
        INSERT INTO response_ledger (subject, message_id, kind, first_discovered_at, source, channel, external_id,
                                     title, url, unit_id, unit_name, due_on, highest_level, first_alerted_at,
                                     replied_at, reply_url, status, updated_at)
        SELECT 'message:' || CAST(n.message_id AS TEXT), n.message_id, 'message', m.first_seen_at, s.name,
               m.channel, m.external_id, m.title, m.url, NULLIF(n.unit_id, -1), COALESCE(u.name, m.unit),
               d.due_on, {level_name}, CASE WHEN n.notified = 1 THEN :now END, m.replied_at,
               CASE WHEN n.replied = 1 THEN m.url END, CASE WHEN n.replied = 1 THEN 'replied' ELSE 'open' END, :now
        FROM ledger_run_new n CROSS JOIN messages m CROSS JOIN sources s CROSS JOIN deadlines d
             LEFT JOIN units u ON u.id = n.unit_id
        WHERE m.id = n.message_id AND s.id = m.source_id AND d.message_id = n.message_id""").bindparams(
        bindparam("now", now, type_=table.c.updated_at.type)))
    drop_scratch(connection, "ledger_run_new")
    if not has_entry.any():
        return
    order = {level: rank for rank, level in enumerate(LADDER)}
    stored_rank = np.fromiter((order.get(h, -1) for h in c["ledger_highest"]), dtype=np.int64, count=n)
    first_alerted = np.fromiter((f is not None for f in c["ledger_first_alerted_at"]), dtype=bool, count=n)
    stored_due = np.fromiter((NO_DATE if d is None else d.toordinal() for d in c["ledger_due_on"]), dtype=np.int64,
                             count=n)
    to_reply = touched & has_entry & has_reply & np.fromiter((s != "replied" for s in c["ledger_status"]),
                                                             dtype=bool, count=n)
    changed = touched & has_entry & ((highest > stored_rank) | (notified & ~first_alerted)
                                     | ((due >= 0) & (due != stored_due)) | to_reply)
    rows = np.flatnonzero(changed).tolist()
    rank = np.maximum(highest, stored_rank)[changed]
    bulk_update(connection, table, _pick(c["ledger_id"], rows), {
        "highest_level": [LADDER[r] if r >= 0 else None for r in rank.tolist()],
        "first_alerted_at": [f or (now if x else None) for f, x in
                             zip(_pick(c["ledger_first_alerted_at"], rows), notified[changed].tolist(), strict=True)],
        "due_on": [d or old for d, old in zip(_pick(c["due_on"], rows), _pick(c["ledger_due_on"], rows), strict=True)],
        "updated_at": [now] * len(rows)})
    rows = np.flatnonzero(to_reply).tolist()
    bulk_update(connection, table, _pick(c["ledger_id"], rows), {
        "status": ["replied"] * len(rows), "replied_at": _pick(c["replied_at"], rows),
        "reply_url": _pick(c["url"], rows)})
