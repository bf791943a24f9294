"""Bulk writes of many alert and ledger rows inside the caller's transaction.

An alert run over a million open messages writes up to a couple of million rows at once; the ORM and even
Core ``executemany`` spend most of that time converting each value. Here rows come column by column, each
column is converted once per distinct value with the dialect's own bind processor (so values are stored
exactly as the ORM would store them), then the rows go to the driver in one call: SQLite ``executemany``,
PostgreSQL ``COPY`` for inserts.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import JSON, Connection, Select, Table, bindparam, update

from store.db import json_text

Columns = Mapping[str, Sequence[Any]]  # column name → its value in every row (all of the same length)


def _length(columns: Columns) -> int:
    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"bulk write: columns of different lengths {sorted(lengths)}")
    return lengths.pop() if lengths else 0


def _converted(connection: Connection, table: Table, columns: Columns) -> list[Sequence[Any]]:
    """Each column's values passed through its bind processor, once per distinct value (None stays None)."""
    dialect = connection.dialect
    out: list[Sequence[Any]] = []
    for name, values in columns.items():
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is None:
            out.append(values)
            continue
        try:
            mapping = {value: None if value is None else process(value) for value in set(values)}
            out.append(list(map(mapping.__getitem__, values)))
        except TypeError:  # unhashable (JSON dicts): rows often share the very same object
            distinct = {id(value): value for value in values}
            by_id = {key: None if value is None else process(value) for key, value in distinct.items()}
            out.append([by_id[id(value)] for value in values])
    return out


def bulk_insert(connection: Connection, table: Table, columns: Columns) -> int:
    """Insert the rows given column by column; returns how many."""
    count = _length(columns)
    if not count:
        return 0
    names = list(columns)
    column_list = ", ".join(f'"{c}"' for c in names)
    if connection.dialect.name == "postgresql":
        values = [list(columns[c]) if isinstance(table.c[c].type, JSON) else columns[c] for c in names]
        for position, name in enumerate(names):
            if isinstance(table.c[name].type, JSON):
                values[position] = [None if v is None else json_text(v) for v in values[position]]
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({column_list}) FROM STDIN') as copy:
            for row in zip(*values, strict=True):
                copy.write_row(row)
        return count
    placeholders = ", ".join("?" for _ in names)
    connection.exec_driver_sql(f'INSERT INTO "{table.name}" ({column_list}) VALUES ({placeholders})',
                               list(zip(*_converted(connection, table, columns), strict=True)))
    return count


def bulk_update(connection: Connection, table: Table, ids: Sequence[int], columns: Columns) -> int:
    """Set ``columns`` of the rows with these ids (one value per id in each column); returns how many."""
    count = len(ids)
    if not count:
        return 0
    if _length(columns) != count:
        raise ValueError(f"bulk update of {table.name}: {count} ids but {_length(columns)} values per column")
    if connection.dialect.name != "sqlite":
        statement = update(table).where(table.c.id == bindparam("row_id")).values(
            {c: bindparam(f"v_{c}") for c in columns})
        names = list(columns)
        connection.execute(statement, [{"row_id": row_id, **{f"v_{c}": v for c, v in zip(names, row, strict=True)}}
                                       for row_id, *row in zip(ids, *columns.values(), strict=True)])
        return count
    assignments = ", ".join(f'"{c}" = ?' for c in columns)
    connection.exec_driver_sql(f'UPDATE "{table.name}" SET {assignments} WHERE id = ?',
                               list(zip(*_converted(connection, table, columns), ids, strict=True)))
    return count


def fill_scratch(connection: Connection, name: str, columns: Mapping[str, tuple[str, Sequence[Any]]]) -> int:
    """A temporary table ``name`` (recreated, in the caller's transaction) holding ``columns``: column name →
    (SQL type, values). Values go in as they are (plain ints and strings: no per-value conversion), so the
    database can then copy wide fields itself with ``INSERT … SELECT`` from this narrow table."""
    count = _length({c: values for c, (_, values) in columns.items()})
    names = list(columns)
    definition = ", ".join(f'"{c}" {sql_type}' for c, (sql_type, _) in columns.items())
    connection.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}"')
    connection.exec_driver_sql(f'CREATE TEMPORARY TABLE "{name}" ({definition})')
    if not count:
        return 0
    rows = zip(*(values for _, values in columns.values()), strict=True)
    column_list = ", ".join(f'"{c}"' for c in names)
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f'COPY "{name}" ({column_list}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
        # Autovacuum never analyses temporary tables: without statistics the planner guesses their size.
        connection.exec_driver_sql(f'ANALYZE "{name}"')
        return count
    placeholders = ", ".join("?" for _ in names)
    connection.exec_driver_sql(f'INSERT INTO "{name}" ({column_list}) VALUES ({placeholders})', list(rows))
    return count


def drop_scratch(connection: Connection, name: str) -> None:
    connection.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}"')


def fetch_columns(connection: Connection, query: Select) -> list[Sequence[Any]]:
    """The rows of ``query`` as one sequence per selected column, each value converted as a Core result would
    convert it, but without a row object per row (most of the time of a million-row read otherwise)."""
    dialect = connection.dialect
    processors = [column.type.dialect_impl(dialect).result_processor(dialect, None)
                  for column in query.selected_columns]
    result = connection.execute(query)
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    if not rows:
        return [() for _ in processors]
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
    return [values if process is None else list(map(process, values))
            for values, process in zip(columns, processors, strict=True)]
