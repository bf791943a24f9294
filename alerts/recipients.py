"""Who hears an alert: the recipient rule, defined once.

A recipient is a unit of the directory (key ``unit:<id>``) or a group of people named in the settings
(``operators``: ``alerts.operators``, ``analysts``: ``alerts.analysts``). Which unit hears which ladder level:

- ``due_soon``, ``overdue``: the responsible unit (no unit matched: the 督办 office);
- ``seriously_overdue``: the unit's supervisor;
- ``supervision``: the 督办 office (none configured: the supervisor);
- nobody found: the operators, who can fix the directory.

The key is spelled by ``recipient_key`` in Python and by ``recipient_key_sql`` in the bulk ``INSERT … SELECT``
(``alerts.writers``), both from the constants below; ``tests/alerts/test_recipients.py`` runs the SQL on
SQLite and PostgreSQL against the Python. ``recipient_unit_id`` reads a key back.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

UNIT_PREFIX = "unit:"
OPERATORS = "operators"
ANALYSTS = "analysts"
GROUP_NAMES = {OPERATORS: "运维人员", ANALYSTS: "舆情分析人员"}
GROUP_SETTINGS = {OPERATORS: "alerts.operators", ANALYSTS: "alerts.analysts"}


@dataclass
class Recipient:
    key: str
    name: str
    contacts: dict[str, Any]
    unit_id: int | None


def recipient_key(unit_id: int | None) -> str:
    """A unit's key, or the operators' when there is no unit."""
    return OPERATORS if unit_id is None else f"{UNIT_PREFIX}{int(unit_id)}"


def recipient_key_sql(unit_id_column: str) -> str:
    """``recipient_key`` as an SQL expression over an integer column in which -1 stands for no unit."""
    return (f"CASE WHEN {unit_id_column} >= 0 THEN '{UNIT_PREFIX}' || CAST({unit_id_column} AS TEXT) "
            f"ELSE '{OPERATORS}' END")


def recipient_unit_id(key: str) -> int | None:
    """The unit id of a unit's key; None for a group (operators, analysts)."""
    return int(key[len(UNIT_PREFIX):]) if key.startswith(UNIT_PREFIX) else None


def unit_recipient(unit: Any) -> Recipient:
    """A unit of the directory (``alerts.directory.UnitInfo``) as a recipient."""
    return Recipient(recipient_key(unit.id), unit.name, unit.contacts, unit.id)


def group_recipient(group: str, settings: Any) -> Recipient:
    """The operators or the analysts, with their contacts from the settings."""
    return Recipient(group, GROUP_NAMES[group], dict(settings.get(GROUP_SETTINGS[group])), None)


def recipient_for(level: str, unit: Any, directory: Any, settings: Any) -> Recipient:
    """Who hears ``level`` of a message whose responsible unit is ``unit`` (None: not in the directory)."""
    if level in ("due_soon", "overdue"):
        target = unit or directory.supervision_office
    elif level == "seriously_overdue":
        target = directory.supervisor_of(unit)
    else:
        target = directory.supervision_office or directory.supervisor_of(unit)
    return group_recipient(OPERATORS, settings) if target is None else unit_recipient(target)
