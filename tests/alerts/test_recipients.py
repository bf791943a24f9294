"""The recipient rule (``alerts.recipients``): which recipient hears each ladder level, and its key spelled the
same by Python and by the SQL of the bulk insert, on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from alerts.ladder import LADDER
from alerts.recipients import (
    OPERATORS,
    recipient_for,
    recipient_key,
    recipient_key_sql,
    recipient_unit_id,
    unit_recipient,
)


@pytest.mark.parametrize("unit_id", [None, 0, 7, 123456789012])
def test_the_sql_spells_the_key_as_python_does(engine, unit_id):
    # -1 stands for "no unit" in the scratch table's integer column (NULL is not allowed there)
    column = -1 if unit_id is None else unit_id
    with engine.connect() as connection:
        spelled = connection.execute(text(f"SELECT {recipient_key_sql('x.u')} FROM (SELECT :u AS u) x"),
                                     {"u": column}).scalar()
    assert spelled == recipient_key(unit_id)
    assert recipient_unit_id(spelled) == unit_id


def test_the_key_of_a_unit_and_of_nobody():
    assert recipient_key(7) == "unit:7" and recipient_key(None) == OPERATORS == "operators"
    assert recipient_unit_id("analysts") is None


class _Unit:
    def __init__(self, id: int, name: str):
        self.id, self.name, self.contacts = id, name, {"email": [f"u{id}@jiangchuan.example"]}


class _Directory:
    """The two questions the rule asks of the unit directory."""

    def __init__(self, supervisor, office):
        self._supervisor, self.supervision_office = supervisor, office

    def supervisor_of(self, unit):
        return self._supervisor if unit is not None else None


class _Settings:
    def get(self, name):
        return {"alerts.operators": {"email": ["ops@jiangchuan.example"]}}[name]


def test_who_hears_each_level():
    unit, supervisor, office = _Unit(1, "市住建局"), _Unit(2, "市政府办公室"), _Unit(3, "市督查室")
    full, bare = _Directory(supervisor, office), _Directory(None, None)
    heard = {level: recipient_for(level, unit, full, _Settings()).key for level in LADDER}
    assert heard == {"due_soon": "unit:1", "overdue": "unit:1", "seriously_overdue": "unit:2", "supervision": "unit:3"}
    # no office configured: supervision goes to the supervisor; nothing known at all: the operators
    assert recipient_for("supervision", unit, _Directory(supervisor, None), _Settings()).key == "unit:2"
    assert {recipient_for(level, None, bare, _Settings()).key for level in LADDER} == {"operators"}
    # an unmatched unit's first levels go to the 督办 office, which can route it
    assert recipient_for("overdue", None, full, _Settings()).key == "unit:3"
    assert unit_recipient(unit).contacts == {"email": ["u1@jiangchuan.example"]}
