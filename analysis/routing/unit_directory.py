"""The unit directory as read from the store: the units and the one resolution of a spelling to a unit.

Exports and sites spell one responsible unit many ways (市住建局 / 江川市住建局 / 江川市住房和城乡建设局).
``UnitDirectory.resolve`` maps any spelling to one unit of ``store.models.Unit``: the exact name, then an
alias, then the normalised spelling (``analysis.routing.unitnames.clean_unit_name``) compared with the
normalised names and aliases. It lives here, below alerts, because both the analysis step that stores
``Message.unit_id`` (``analysis.routing.message_units``) and the alerts (``alerts.directory``, which adds the
file format and the escalation targets) resolve with it: a message counts under the unit its alerts go to.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.routing.unitnames import clean_unit_name
from store.models.core import Unit


@dataclass(frozen=True)
class UnitInfo:
    id: int
    name: str
    parent_id: int | None
    supervisor_id: int | None
    contacts: dict[str, Any]
    is_supervision_office: bool


class UnitDirectory:
    """The units as loaded, with name/alias resolution and the escalation targets."""

    def __init__(self, units: list[UnitInfo], spellings: dict[str, int]):
        self.units = {u.id: u for u in units}
        self._exact = spellings
        self._normalised: dict[str, int] = {}
        for spelling, unit_id in spellings.items():
            self._normalised.setdefault(clean_unit_name(spelling), unit_id)
        offices = [u for u in units if u.is_supervision_office]
        self.supervision_office = offices[0] if offices else None
        self._cache: dict[str, int | None] = {}

    @classmethod
    def load(cls, session: Session) -> UnitDirectory:
        units: list[UnitInfo] = []
        spellings: dict[str, int] = {}
        for row in session.scalars(select(Unit).order_by(Unit.id)):
            units.append(UnitInfo(row.id, row.name, row.parent_id, row.supervisor_id, dict(row.contacts or {}),
                                  bool(row.is_supervision_office)))
            spellings[row.name] = row.id
            for alias in row.aliases or []:
                spellings.setdefault(alias, row.id)
        return cls(units, spellings)

    def resolve(self, name: str | None) -> UnitInfo | None:
        """The unit a spelling names (exact, alias, then normalised), or None."""
        if not name or not name.strip():
            return None
        if name not in self._cache:
            unit_id = self._exact.get(name.strip())
            if unit_id is None:
                unit_id = self._normalised.get(clean_unit_name(name))
            self._cache[name] = unit_id
        unit_id = self._cache[name]
        return self.units.get(unit_id) if unit_id is not None else None

    def supervisor_of(self, unit: UnitInfo | None) -> UnitInfo | None:
        """Who hears when ``unit`` does not act: its supervisor, else its parent, else the 督办 office."""
        if unit is not None:
            for target in (unit.supervisor_id, unit.parent_id):
                if target is not None and target in self.units:
                    return self.units[target]
        return self.supervision_office
