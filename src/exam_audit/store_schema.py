"""Creating and updating the audit store's tables, safely when several audits open an empty store at once.

Two processes that run ``CREATE TABLE`` together on PostgreSQL collide in its catalogue
(``UniqueViolation … pg_type_typname_nsp_index``): there the work runs inside one transaction holding an
advisory lock, so the second waits and then finds the tables made. SQLite serialises writers itself but
lets the loser fail with "table … already exists"; there the work is simply retried.

A store written by an earlier version is brought up to date: missing columns are added (all are nullable),
and on PostgreSQL columns that were 32-bit or length-limited are widened to what the models now say.
"""

from __future__ import annotations

import time

from sqlalchemy import BigInteger, MetaData, Text, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

# any fixed 64-bit number naming "the exam-audit schema lock" among a server's advisory locks
SCHEMA_LOCK = 0x6578616D_61756469  # "examaudi"


def ensure_schema(engine: Engine, metadata: MetaData, attempts: int = 5) -> None:
    for attempt in range(attempts):
        try:
            with engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
                metadata.create_all(conn)
                _add_missing_columns(conn, metadata)
                if conn.dialect.name == "postgresql":
                    _widen_columns(conn, metadata)
            return
        except (OperationalError, ProgrammingError, IntegrityError) as exc:
            if "already exists" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))  # another process made the table first: look again


def _add_missing_columns(conn: Connection, metadata: MetaData) -> None:
    inspector = inspect(conn)
    for table in metadata.sorted_tables:
        present = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in present:
                kind = column.type.compile(conn.dialect)
                conn.execute(text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'))


def _widen_columns(conn: Connection, metadata: MetaData) -> None:
    inspector = inspect(conn)
    for table in metadata.sorted_tables:
        found = {c["name"]: c["type"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            was = found.get(column.name)
            if was is None:
                continue
            wanted = column.type.compile(conn.dialect)
            narrow_int = isinstance(column.type, BigInteger) and was.compile(conn.dialect) in ("INTEGER", "SMALLINT")
            narrow_text = isinstance(column.type, Text) and getattr(was, "length", None)
            if narrow_int or narrow_text:
                conn.execute(text(f'ALTER TABLE {table.name} ALTER COLUMN "{column.name}" TYPE {wanted}'))
