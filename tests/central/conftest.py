"""Central's fixtures: every storage test runs on SQLite and on a real throwaway PostgreSQL server."""

from __future__ import annotations

from pathlib import Path

import pytest

from central.db import Database
from central.devpg import ThrowawayPostgres

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def postgres_server():
    """One PostgreSQL server for the session (initdb in a temp dir, unprivileged user, unix socket only)."""
    server = ThrowawayPostgres(durable=False).start()
    try:
        yield server
    finally:
        server.stop()


def make_database(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Database:
    if backend == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'central.db'}")
    else:
        server = request.getfixturevalue("postgres_server")
        server.reset()
        db = Database(server.url)
    db.migrate()
    return db


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    """A migrated, empty central database on each back end in turn."""
    return make_database(request.param, tmp_path, request)


@pytest.fixture(params=BACKENDS)
def central_server(request: pytest.FixtureRequest, tmp_path: Path):
    """A real gunicorn central with TLS on loopback, over each back end in turn."""
    from central.dev.harness import make_harness

    db_ = make_database(request.param, tmp_path, request)
    harness = make_harness(tmp_path, db_.url)
    harness.start()
    try:
        yield harness
    finally:
        harness.stop()
