"""The analysis step `units`: Message.unit_id filled from the unit directory, set-based, on both databases."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from analysis.routing import message_units
from analysis.routing.message_units import resolve_message_units
from pipeline import analyze
from store.db import session_scope
from store.models import Message, Unit
from store.records import MessageRecord
from store.upsert import get_or_create_source, upsert_messages

HOUSING = "江川市住房和城乡建设局"
TRANSPORT = "江川市交通运输局"
# external id -> the unit as the source spelled it
SPELLINGS = {
    "H1": HOUSING, "H2": HOUSING,  # the directory's name
    "H3": "市住建局", "H4": "市住建局", "H5": "江川市住建局",  # aliases
    "H6": "江川市住房与城乡建设局",  # neither: resolved through the normalised spelling
    "T1": "市交通局",
    "X1": "江川市不存在局", "X2": "江川市不存在局",  # not in the directory
    "N1": None,  # no unit at all
}


def store(session, spellings: dict[str, str | None], when: datetime = datetime(2025, 12, 1, 9, 0)) -> None:
    source = get_or_create_source(session, "测试热线", "hotline")
    records = [MessageRecord(channel="hotline", external_id=key, submitted_at=when + timedelta(minutes=i),
                             title=f"诉求{key}", content=f"第{key}号诉求：小区道路破损。", unit=unit, ref=key)
               for i, (key, unit) in enumerate(spellings.items())]
    assert upsert_messages(session, source, records).rejected == 0


def directory(session) -> dict[str, int]:
    session.add_all([Unit(name=HOUSING, aliases=["市住建局", "江川市住建局"]), Unit(name=TRANSPORT, aliases=["市交通局"])])
    session.flush()
    return dict(session.execute(select(Unit.name, Unit.id)).all())


def unit_ids(session) -> dict[str, int | None]:
    return dict(session.execute(select(Message.external_id, Message.unit_id)).all())


def test_every_spelling_of_a_unit_gets_its_directory_id(engine):
    with session_scope(engine) as session:
        units = directory(session)
        store(session, SPELLINGS)
    with session_scope(engine) as session:
        report = analyze(session, only={"units"})
        assert [(s.name, s.ok) for s in report.steps] == [("units", True)]
        assert "7 messages resolved" in report.steps[0].summary  # counted in the analyze report
        assert "江川市不存在局 2" in report.steps[0].summary  # the spelling to add to the directory, named
    with session_scope(engine) as session:
        assert unit_ids(session) == {"H1": units[HOUSING], "H2": units[HOUSING], "H3": units[HOUSING],
                                     "H4": units[HOUSING], "H5": units[HOUSING], "H6": units[HOUSING],
                                     "T1": units[TRANSPORT], "X1": None, "X2": None, "N1": None}


def test_changed_texts_and_directory_are_followed_and_a_second_run_changes_nothing(engine, monkeypatch):
    monkeypatch.setattr(message_units, "SPELLINGS_PER_STATEMENT", 2)  # several statements per kind of change
    with session_scope(engine) as session:
        units = directory(session)
        store(session, SPELLINGS)
        first = resolve_message_units(session)
        assert (first.spellings, first.resolved, first.changed, first.cleared) == (6, 7, 0, 0)
        assert (first.unresolved, first.unresolved_messages) == ([("江川市不存在局", 2)], 2)
        # A message without a unit text keeps a unit_id set by other means: nothing to resolve it from.
        session.execute(Message.__table__.update().where(Message.external_id == "N1").values(
            unit_id=units[TRANSPORT]))
    with session_scope(engine) as session:
        # The sources re-route two messages (the upsert records the new text, leaving unit_id as it was) ...
        store(session, {"H3": "市交通局", "H4": "某某服务中心"})
        # ... and the directory learns the unknown spelling.
        transport = session.get(Unit, units[TRANSPORT])
        transport.aliases = [*transport.aliases, "江川市不存在局"]
    with session_scope(engine) as session:
        second = resolve_message_units(session)
        assert (second.resolved, second.changed, second.cleared) == (2, 1, 1)
        assert second.unresolved == [("某某服务中心", 1)]
    with session_scope(engine) as session:
        ids = unit_ids(session)
        assert (ids["H3"], ids["H4"], ids["X1"], ids["X2"]) == (units[TRANSPORT], None, units[TRANSPORT],
                                                                units[TRANSPORT])
        assert ids["N1"] == units[TRANSPORT] and ids["H1"] == units[HOUSING]
        third = resolve_message_units(session)
        assert third.updated == 0 and third.spellings == 6


def test_without_a_directory_nothing_changes(engine):
    with session_scope(engine) as session:
        store(session, SPELLINGS)
        report = resolve_message_units(session)
        assert report.updated == 0 and "units load" in str(report)
        assert set(unit_ids(session).values()) == {None}
