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

``load_directory_file`` validates it against ``directory_schema()`` (pydantic, through ``store.schema``: every
error names the file, the unit and the key, ``units.toml: unit['市住建局'].contacts.email.0: …``), then checks the
references between units (parents, supervisors, spellings naming two units), and ``sync_directory``
writes it into ``store.models.Unit`` (upsert by name; units missing from the file are kept). Reading the
directory back and resolving a spelling to a unit is ``analysis.routing.unit_directory.UnitDirectory``
(re-exported here): the analysis step that stores ``Message.unit_id`` resolves with it too, and analysis sits
below alerts.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.routing.unit_directory import UnitDirectory, UnitInfo
from store.models.core import Unit
from store.schema import read_toml, validate
from store.settings import ConfigError

__all__ = ["DirectoryError", "UnitSpec", "UnitDirectory", "UnitInfo", "load_directory_file", "parse_directory",
           "sync_directory", "PACKAGED_DIRECTORY"]
PACKAGED_DIRECTORY = Path(__file__).parent / "data" / "units.example.toml"


class DirectoryError(ConfigError):
    """A unit directory problem, naming the file, the unit and the field."""


@dataclass
class UnitSpec:
    name: str
    aliases: list[str] = field(default_factory=list)
    parent: str | None = None
    supervisor: str | None = None
    supervision_office: bool = False
    contacts: dict[str, Any] = field(default_factory=dict)


@lru_cache(maxsize=1)
def directory_schema() -> type:
    """The pydantic model of a directory file, built on first use (pydantic is loaded only when a file is).

    Contacts have one key per alert channel (``alerts.notifiers.channels()``): ``email`` an address or a list of
    addresses, every other channel a robot, ``"https://…"`` or ``{ url = "https://…", secret = "…" }``."""
    from typing import Annotated

    from pydantic import (
        AfterValidator,
        BaseModel,
        BeforeValidator,
        ConfigDict,
        Field,
        StringConstraints,
        create_model,
        field_validator,
        model_validator,
    )

    from alerts.notifiers import channels
    from store.schema import invalid

    Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

    def address(value: str) -> str:
        if "@" not in value:
            raise invalid(f"{value!r} is not an e-mail address")
        return value

    class Robot(BaseModel):
        model_config = ConfigDict(strict=True, extra="forbid")
        url: str
        secret: str | None = None

        @model_validator(mode="before")
        @classmethod
        def _bare_url(cls, value: Any) -> Any:
            return {"url": value} if isinstance(value, str) else value

        @field_validator("url")
        @classmethod
        def _http(cls, value: str) -> str:
            if not value.startswith(("http://", "https://")):
                raise invalid(f"expected a URL (http:// or https://), got {value!r}")
            return value

    def one_or_many(value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    Emails = Annotated[list[Annotated[str, AfterValidator(address)]], BeforeValidator(one_or_many)]

    def known_channels(value: Any) -> Any:
        unknown = sorted(set(value) - set(channels())) if isinstance(value, dict) else []
        if unknown:
            raise invalid(f"unknown channel {unknown[0]!r} (expected one of {', '.join(channels())})")
        return value

    Contacts = create_model(
        "Contacts", __config__=ConfigDict(strict=True, extra="forbid"),
        __validators__={"_known": model_validator(mode="before")(classmethod(lambda cls, v: known_channels(v)))},
        **{channel: ((Emails | None) if channel == "email" else (Robot | None), None) for channel in channels()})

    class UnitEntry(BaseModel):
        model_config = ConfigDict(strict=True, extra="forbid")
        name: Name
        aliases: list[Name] = []
        parent: str | None = None
        supervisor: str | None = None  # default: parent
        supervision_office: bool = False  # true for the 督办 office
        contacts: Contacts = Field(default_factory=Contacts)  # type: ignore[valid-type]

    class DirectoryFile(BaseModel):
        model_config = ConfigDict(strict=True, extra="forbid")
        unit: list[UnitEntry] = Field(min_length=1)

    return DirectoryFile


def parse_directory(data: dict[str, Any], path: Path | str = "<directory>") -> list[UnitSpec]:
    directory = validate(directory_schema(), data, str(path), item_key="name", error=DirectoryError)
    specs = [UnitSpec(name=entry.name, aliases=entry.aliases, parent=entry.parent, supervisor=entry.supervisor,
                      supervision_office=entry.supervision_office,
                      contacts={channel: value for channel, value in entry.contacts.model_dump(exclude_none=True)
                                .items() if value})
             for entry in directory.unit]
    # references between units: a spelling names one unit, parents and supervisors are units of the file
    seen: dict[str, str] = {}
    for spec in specs:
        for spelling in [spec.name, *spec.aliases]:
            if spelling in seen and seen[spelling] != spec.name:
                raise DirectoryError(f"{path}: unit {spec.name!r}: {spelling!r} already names unit {seen[spelling]!r}")
            seen[spelling] = spec.name
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
    return parse_directory(read_toml(path, DirectoryError), path)


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
