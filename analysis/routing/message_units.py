"""``Message.unit_id`` from the unit directory: the analysis step ``units``.

Exports and sites spell one responsible unit many ways (市住建局 / 江川市住建局 / 江川市住房和城乡建设局). The unit
directory (``store.models.Unit`` with its aliases, written by ``hotline-monitor units load``) names each unit
once, and ``analysis.routing.unit_directory.UnitDirectory.resolve`` maps a spelling to it (exact name, alias, then the
normalised spelling). This step stores that resolution on the messages as ``unit_id``, so that figures per unit
(the dashboard's overdue by unit) add the spellings of one unit up, and alerts reach the unit without resolving
each message again.

Set-based, for large stores: one grouped read of the distinct (unit, unit_id) pairs, one resolution per
distinct spelling, then one UPDATE per directory unit gaining messages and one clearing the spellings that name
no unit, each reading only the messages of the spellings concerned (index ix_messages_unit). A message changes
when its unit_id is empty and its spelling resolves, when its unit text changed since the unit_id was set or
the directory changed (the pair no longer agrees), and a unit_id is cleared when the message's text now names
no directory unit (kept, it would send alerts to a unit the message no longer names). Messages without a unit
text keep their unit_id: there is nothing to resolve.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from analysis.routing.unit_directory import UnitDirectory
from store.models import Message

UNRESOLVED_SHOWN = 5  # spellings named in the step's summary (the most frequent first)
# Spellings changed by one UPDATE (within SQLite's oldest limit of 999 bound values). One statement per unit
# and one for the spellings to clear, not one per spelling: right after a big change the statistics still say
# unit_id is empty, and a plan misled by them then costs one pass over the messages, not one per spelling.
SPELLINGS_PER_STATEMENT = 500


@dataclass
class UnitResolution:
    directory_units: int = 0
    spellings: int = 0  # distinct unit texts of the messages
    resolved: int = 0  # messages that had no unit_id and got one
    changed: int = 0  # messages whose unit_id pointed to another unit
    cleared: int = 0  # messages whose unit_id was removed: their text names no directory unit
    unresolved_messages: int = 0  # messages whose text names no directory unit
    unresolved: list[tuple[str, int]] = field(default_factory=list)  # (spelling, messages), most frequent first

    @property
    def updated(self) -> int:
        return self.resolved + self.changed + self.cleared

    def __str__(self) -> str:
        if not self.directory_units:
            return "no unit directory (run `hotline-monitor units load`): nothing resolved"
        text = (f"{self.spellings} unit spellings, {self.directory_units} directory units: {self.resolved} messages "
                f"resolved, {self.changed} re-resolved, {self.cleared} cleared; {self.unresolved_messages} messages "
                f"in {len(self.unresolved)} spellings not in the directory")
        if self.unresolved:
            text += " (" + ", ".join(f"{name} {n}" for name, n in self.unresolved[:UNRESOLVED_SHOWN]) + ")"
        return text


def _load_directory(session: Session) -> UnitDirectory:
    # The resolution alerts use too (alerts.directory builds on it), so a message counts under the unit its
    # alerts go to.
    return UnitDirectory.load(session)


def resolve_message_units(session: Session) -> UnitResolution:
    """Bring ``Message.unit_id`` in line with the unit directory; the caller commits."""
    directory = _load_directory(session)
    report = UnitResolution(directory_units=len(directory.units))
    if not directory.units:
        return report
    pairs = session.execute(
        select(Message.unit, Message.unit_id, func.count()).where(Message.unit.is_not(None))
        .group_by(Message.unit, Message.unit_id)).all()
    targets: dict[str, int | None] = {}
    unresolved: dict[str, int] = {}
    to_set: dict[str, int] = {}
    to_clear: set[str] = set()
    for spelling, unit_id, n in pairs:
        if spelling not in targets:
            unit = directory.resolve(spelling)
            targets[spelling] = unit.id if unit is not None else None
        target = targets[spelling]
        if target is None:
            unresolved[spelling] = unresolved.get(spelling, 0) + n
        if unit_id == target:
            continue
        if target is None:
            report.cleared += n
            to_clear.add(spelling)
        else:
            if unit_id is None:
                report.resolved += n
            else:
                report.changed += n
            to_set[spelling] = target
    report.spellings = len(targets)
    report.unresolved_messages = sum(unresolved.values())
    report.unresolved = sorted(unresolved.items(), key=lambda item: (-item[1], item[0]))
    table = Message.__table__
    connection = session.connection()
    by_target: dict[int, list[str]] = {}
    for spelling, target in sorted(to_set.items()):
        by_target.setdefault(target, []).append(spelling)
    for target, spellings in by_target.items():  # one statement per unit gaining messages
        for start in range(0, len(spellings), SPELLINGS_PER_STATEMENT):
            connection.execute(update(table).where(
                table.c.unit.in_(spellings[start:start + SPELLINGS_PER_STATEMENT]),
                or_(table.c.unit_id.is_(None), table.c.unit_id != target)).values(unit_id=target))
    clear_spellings = sorted(to_clear)
    for start in range(0, len(clear_spellings), SPELLINGS_PER_STATEMENT):
        connection.execute(update(table).where(
            table.c.unit.in_(clear_spellings[start:start + SPELLINGS_PER_STATEMENT]), table.c.unit_id.is_not(None))
            .values(unit_id=None))
    return report


def directory_unit_id(session: Session, name: str | None) -> int | None:
    """The directory unit one spelling resolves to (a message re-routed by hand), or None."""
    if not name:
        return None
    unit = _load_directory(session).resolve(name)
    return unit.id if unit is not None else None
