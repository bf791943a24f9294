"""The unit directory: responsible units, who supervises them, the 督办 office, and their contacts per channel.

A directory file is TOML, one ``[[unit]]`` table per unit (see ``alerts/data/units.example.toml``)::

    [[unit]]
    name = "江川市住房和城乡建设局"          # canonical name (required, unique)
    aliases = ["市住建局", "江川市住建局"]    # other spellings seen in exports
    parent = "江川市人民政府"                # optional: the unit it belongs to
    supervisor = "江川市人民政府办公室"       # optional: who hears when it does not act (default: parent)
    supervision_office = false              # true for the 督办 office (exactly one expected)
    [unit.contacts]
    email = ["zjj@example.org"]
    dingtalk = { url = "https://…/robot/send?access_token=…", secret = "SEC…" }
    wecom = { url = "…" }   feishu = { url = "…", secret = "…" }   webhook = { url = "…" }

``load_directory_file`` validates it (errors name the file, the unit and the field) and ``sync_directory``
writes it into ``store.models.Unit`` (upsert by name; units missing from the file are kept). ``UnitDirectory``
resolves any spelling to one unit: exact name, then alias, then the normalised spelling of
``analysis.routing.unitnames.clean_unit_name`` compared with the normalised names and aliases.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.notifiers import channels
from store.models.core import Unit

PACKAGED_DIRECTORY = Path(__file__).parent / "data" / "units.example.toml"


class DirectoryError(ValueError):
    """A unit directory problem, naming the file, the unit and the field."""


@dataclass
class UnitSpec:
    name: str
    aliases: list[str] = field(default_factory=list)
    parent: str | None = None
    supervisor: str | None = None
    supervision_office: bool = False
    contacts: dict[str, Any] = field(default_factory=dict)


def normalise_contacts(raw: Any, where: str) -> dict[str, Any]:
    """Contacts per channel in their stored shape: ``email`` a list of addresses, robots ``{"url", "secret"?}``."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise DirectoryError(f"{where}: `contacts` must be a table of channel = address")
    contacts: dict[str, Any] = {}
    for channel, value in raw.items():
        if channel not in channels():
            raise DirectoryError(f"{where}: contacts.{channel}: unknown channel "
                                 f"(expected one of {', '.join(channels())})")
        if channel == "email":
            addresses = [value] if isinstance(value, str) else value
            if not isinstance(addresses, list) or not all(isinstance(a, str) and "@" in a for a in addresses):
                raise DirectoryError(f"{where}: contacts.email: expected an address or a list of addresses, "
                                     f"got {value!r}")
            if addresses:
                contacts["email"] = addresses
            continue
        robot = {"url": value} if isinstance(value, str) else value
        url = robot.get("url") if isinstance(robot, dict) else None
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise DirectoryError(f"{where}: contacts.{channel}: expected a URL or "
                                 f"{{ url = \"http…\", secret = \"…\" }}, got {value!r}")
        unknown = set(robot) - {"url", "secret"}
        if unknown:
            raise DirectoryError(f"{where}: contacts.{channel}: unknown keys {sorted(unknown)} (url, secret)")
        contacts[channel] = {k: str(v) for k, v in robot.items()}
    return contacts


def parse_directory(data: dict[str, Any], path: Path | str = "<directory>") -> list[UnitSpec]:
    units = data.get("unit")
    if not isinstance(units, list) or not units:
        raise DirectoryError(f"{path}: no [[unit]] tables")
    specs: list[UnitSpec] = []
    seen: dict[str, str] = {}
    for index, entry in enumerate(units, start=1):
        where = f"{path}: [[unit]] #{index}"
        if not isinstance(entry, dict):
            raise DirectoryError(f"{where}: must be a table")
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise DirectoryError(f"{where}: `name` is required")
        name = name.strip()
        where = f"{path}: unit {name!r}"
        unknown = set(entry) - {"name", "aliases", "parent", "supervisor", "supervision_office", "contacts"}
        if unknown:
            raise DirectoryError(f"{where}: unknown keys {sorted(unknown)}")
        aliases = entry.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            raise DirectoryError(f"{where}: `aliases` must be a list of names")
        for spelling in [name, *aliases]:
            if spelling in seen and seen[spelling] != name:
                raise DirectoryError(f"{where}: {spelling!r} already names unit {seen[spelling]!r}")
            seen[spelling] = name
        for key in ("parent", "supervisor"):
            if key in entry and not isinstance(entry[key], str):
                raise DirectoryError(f"{where}: `{key}` must be a unit name")
        office = entry.get("supervision_office", False)
        if not isinstance(office, bool):
            raise DirectoryError(f"{where}: `supervision_office` must be true or false")
        specs.append(UnitSpec(name=name, aliases=[a.strip() for a in aliases], parent=entry.get("parent"),
                              supervisor=entry.get("supervisor"), supervision_office=office,
                              contacts=normalise_contacts(entry.get("contacts"), where)))
    names = {s.name for s in specs}
    if len(names) != len(specs):
        raise DirectoryError(f"{path}: a unit name appears twice")
    for spec in specs:
        for key in ("parent", "supervisor"):
            target = getattr(spec, key)
            if target is not None and target not in names:
                raise DirectoryError(f"{path}: unit {spec.name!r}: {key} {target!r} is not a unit of this directory")
            if target == spec.name:
                raise DirectoryError(f"{path}: unit {spec.name!r}: {key} is the unit itself")
    return specs


def load_directory_file(path: Path | str) -> list[UnitSpec]:
    path = Path(path)
    if not path.is_file():
        raise DirectoryError(f"{path}: no such file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DirectoryError(f"{path}: not valid UTF-8 TOML: {exc}") from exc
    return parse_directory(data, path)


@dataclass
class SyncCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


def sync_directory(session: Session, specs: list[UnitSpec]) -> SyncCounts:
    """Upsert the units by name (two passes: rows first, then the parent/supervisor links). Caller commits."""
    counts = SyncCounts()
    existing = {u.name: u for u in session.scalars(select(Unit))}
    for spec in specs:
        unit = existing.get(spec.name)
        is_new = unit is None
        if is_new:
            unit = Unit(name=spec.name, aliases=[], contacts={}, is_supervision_office=False)
            session.add(unit)
            existing[spec.name] = unit
        changed = False
        for attr, value in (("aliases", spec.aliases), ("contacts", spec.contacts),
                            ("is_supervision_office", spec.supervision_office)):
            if getattr(unit, attr) != value:
                setattr(unit, attr, value)
                changed = True
        if is_new:
            counts.inserted += 1
        elif changed:
            counts.updated += 1
        else:
            counts.unchanged += 1
    session.flush()
    for spec in specs:
        unit = existing[spec.name]
        parent_id = existing[spec.parent].id if spec.parent else None
        supervisor_id = existing[spec.supervisor].id if spec.supervisor else parent_id
        if (unit.parent_id, unit.supervisor_id) != (parent_id, supervisor_id):
            unit.parent_id, unit.supervisor_id = parent_id, supervisor_id
    session.flush()
    return counts


def _normalise(name: str) -> str:
    try:
        from analysis.routing.unitnames import clean_unit_name
    except ImportError:  # the text work not present: widths and spaces only
        import unicodedata

        return "".join(unicodedata.normalize("NFKC", name).split())
    return clean_unit_name(name)


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
            self._normalised.setdefault(_normalise(spelling), unit_id)
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
                unit_id = self._normalised.get(_normalise(name))
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
