"""One data-access layer over SQLite (the pilot default) and PostgreSQL (national scale).

Every query in ``central`` is written once, with ``?`` placeholders and portable SQL (``ON CONFLICT``,
``RETURNING``); :class:`Database` rewrites placeholders for psycopg and supplies the few dialect words that differ
(column types in migrations, the row lock used by verification workers). Connections are opened per transaction
(``with db.transaction() as tx:``) so a gunicorn worker or a verification process never shares one across forks.

URLs: ``sqlite:///absolute/path.db`` (or ``sqlite:///:memory:`` for throwaway use) and
``postgresql://user@host:port/dbname`` / ``postgresql:///dbname?host=/socket/dir`` (libpq syntax).
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from central.errors import StorageError

_PLACEHOLDER = re.compile(r"\?")
# Type words used by migrations, per dialect: written as {blob}, {bigint}, {real}, {serial_pk}.
_TYPES = {
    "sqlite": {"blob": "BLOB", "bigint": "INTEGER", "real": "REAL",
               "serial_pk": "INTEGER PRIMARY KEY AUTOINCREMENT"},
    "postgresql": {"blob": "BYTEA", "bigint": "BIGINT", "real": "DOUBLE PRECISION",
                   "serial_pk": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"},
}


@dataclass(frozen=True)
class DatabaseUrl:
    dialect: str  # "sqlite" | "postgresql"
    target: str  # a file path for SQLite, a libpq connection string for PostgreSQL

    @classmethod
    def parse(cls, url: str) -> DatabaseUrl:
        if url.startswith("sqlite:///"):
            # SQLAlchemy's convention: sqlite:///relative.db, sqlite:////absolute.db, sqlite:///:memory:
            return cls("sqlite", url[len("sqlite:///"):])
        if url.startswith(("postgresql://", "postgres://")):
            return cls("postgresql", url)
        raise StorageError(f"database URL must start with sqlite:/// or postgresql:// (got {url.split(':')[0]!r})")


class Transaction:
    """One open transaction; ``?`` placeholders in every statement."""

    def __init__(self, conn: Any, dialect: str) -> None:
        self._conn = conn
        self.dialect = dialect

    def _sql(self, sql: str) -> str:
        return _PLACEHOLDER.sub("%s", sql) if self.dialect == "postgresql" else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        cur = self._conn.cursor()
        cur.execute(self._sql(sql), tuple(params))
        return cur

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        cur = self._conn.cursor()
        cur.executemany(self._sql(sql), [tuple(r) for r in rows])

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        return self.execute(sql, params).fetchone()

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return list(self.execute(sql, params).fetchall())

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.one(sql, params)
        return None if row is None else row[0]

    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Bulk-load rows: PostgreSQL ``COPY FROM STDIN`` (about 10x executemany), SQLite ``executemany``."""
        count = 0
        if self.dialect == "postgresql":
            cur = self._conn.cursor()
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        marks = ", ".join("?" for _ in columns)
        batch: list[Sequence[Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= 50_000:
                self.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", batch)
                count += len(batch)
                batch = []
        if batch:
            self.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", batch)
            count += len(batch)
        return count

    @property
    def skip_locked(self) -> str:
        """The row-lock clause a verification worker appends to its claim query (empty on SQLite, where the
        claiming transaction is ``BEGIN IMMEDIATE`` and so already exclusive)."""
        return " FOR UPDATE SKIP LOCKED" if self.dialect == "postgresql" else ""


class Database:
    """Opens short transactions on one database; see the module doc for URLs."""

    def __init__(self, url: str, *, busy_timeout_s: float = 30.0) -> None:
        self.url = url
        self._parsed = DatabaseUrl.parse(url)
        self.dialect = self._parsed.dialect
        self._busy_timeout_s = busy_timeout_s
        self._memory_conn: sqlite3.Connection | None = None

    def _connect(self) -> Any:
        if self.dialect == "sqlite":
            if self._parsed.target == ":memory:":
                if self._memory_conn is None:
                    self._memory_conn = sqlite3.connect(":memory:", isolation_level=None,
                                                        check_same_thread=False)
                return self._memory_conn
            conn = sqlite3.connect(self._parsed.target, isolation_level=None, timeout=self._busy_timeout_s)
            # WAL: readers (reports, receipt checks) never block the ingest writer; NORMAL sync is durable at
            # every commit in WAL mode except across an OS crash, so we keep FULL for acknowledged data.
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            return conn
        try:
            import psycopg
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise StorageError("PostgreSQL needs the 'central' extra: pip install -e '.[central]'") from exc
        try:
            return psycopg.connect(self._parsed.target, autocommit=False)
        except psycopg.OperationalError as exc:
            raise StorageError(f"cannot connect to PostgreSQL: {exc}") from exc

    @contextlib.contextmanager
    def transaction(self, *, exclusive: bool = False) -> Iterator[Transaction]:
        """A transaction committed on normal exit and rolled back on any exception.

        ``exclusive`` takes SQLite's write lock up front (``BEGIN IMMEDIATE``) so a read-then-write sequence
        cannot be interleaved by another writer; on PostgreSQL rows are locked by the statements themselves.
        """
        conn = self._connect()
        try:
            if self.dialect == "sqlite":
                conn.execute("BEGIN IMMEDIATE" if exclusive else "BEGIN")
            tx = Transaction(conn, self.dialect)
            yield tx
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            if conn is not self._memory_conn:
                conn.close()

    def migrate(self) -> int:
        """Apply pending schema migrations in order; return the schema version now in force."""
        from central.schema import MIGRATIONS

        with self.transaction(exclusive=True) as tx:
            tx.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                       f"applied_at_s {_TYPES[self.dialect]['real']} NOT NULL)")
            if self.dialect == "postgresql":
                # Two processes migrating at once (gunicorn workers at start): one waits for the other.
                tx.execute("LOCK TABLE schema_migrations IN EXCLUSIVE MODE")
            done = {row[0] for row in tx.all("SELECT version FROM schema_migrations")}
            for version, statements in MIGRATIONS:
                if version in done:
                    continue
                for statement in statements:
                    tx.execute(statement.format(**_TYPES[self.dialect]))
                tx.execute("INSERT INTO schema_migrations (version, applied_at_s) VALUES (?, ?)",
                           (version, time.time()))
            return max([v for v, _ in MIGRATIONS] + list(done))

    def schema_version(self) -> int:
        """The highest applied migration (raises StorageError before the first :meth:`migrate`)."""
        try:
            with self.transaction() as tx:
                return int(tx.scalar("SELECT MAX(version) FROM schema_migrations") or 0)
        except Exception as exc:
            raise StorageError("database has no schema yet: run `python -m central migrate`") from exc
