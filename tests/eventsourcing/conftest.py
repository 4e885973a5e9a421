"""Store fixtures for the event-sourcing tests: every store behind one ``any_store`` fixture.

PostgreSQL runs against a real server: ``L0_TEST_POSTGRES_DSN`` (``.ci/services/postgres.sh``
starts one and exports it). Without it the PostgreSQL legs skip with a loud message, except
under ``CI=true``, where they fail.
"""

from __future__ import annotations

import os
import sys
import uuid
import warnings
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from l0.eventsourcing import FileEventStore, InMemoryEventStore, SQLiteEventStore

PG_DSN = os.environ.get("L0_TEST_POSTGRES_DSN")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def need_postgres() -> str:
    """The DSN of the test server; skip loudly (fail in CI) when there is none or it is down."""
    if not PG_DSN:
        msg = ("L0_TEST_POSTGRES_DSN is not set: the PostgreSQL store tests did NOT run "
               "(source .ci/services/postgres.sh to start a server)")
        if IN_CI:
            pytest.fail(msg)
        warnings.warn(msg, stacklevel=2)
        print(f"\n*** {msg} ***", file=sys.stderr)
        pytest.skip(msg)
    return PG_DSN


async def _pg_reachable(dsn: str) -> str | None:
    import asyncpg

    try:
        conn = await asyncpg.connect(dsn, timeout=5)
    except Exception as e:  # noqa: BLE001
        return f"{type(e).__name__}: {e}"
    await conn.close()
    return None


async def make_postgres(prefix: str = "l0test") -> Any:
    from l0.eventsourcing import PostgresEventStore

    dsn = need_postgres()
    problem = await _pg_reachable(dsn)
    if problem is not None:
        msg = f"PostgreSQL at {dsn} is unreachable ({problem}): the PostgreSQL store tests did NOT run"
        if IN_CI:
            pytest.fail(msg)
        print(f"\n*** {msg} ***", file=sys.stderr)
        pytest.skip(msg)
    return PostgresEventStore(dsn, prefix=prefix, max_size=20)


STORE_KINDS = ["memory", "file", "sqlite", "postgres"]


@pytest.fixture
async def store_factory(tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    """``await store_factory(kind, **kw)``: a fresh store of that kind (closed at the end)."""
    made: list[Any] = []

    async def make(kind: str, **kw: Any) -> Any:
        if kind == "memory":
            store: Any = InMemoryEventStore(**kw)
        elif kind == "file":
            store = FileEventStore(tmp_path / f"files-{len(made)}", **kw)
        elif kind == "sqlite":
            store = SQLiteEventStore(tmp_path / f"db-{len(made)}.sqlite3", **kw)
        elif kind == "postgres":
            store = await make_postgres()
            if kw.get("ttl"):
                store.ttl = kw["ttl"]
        else:
            raise ValueError(kind)
        made.append(store)
        return store

    yield make
    for store in made:
        await store.close()


@pytest.fixture(params=STORE_KINDS)
async def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    """Each built-in store in turn (the contract suite runs on all of them)."""
    kind = request.param
    if kind == "memory":
        store: Any = InMemoryEventStore()
    elif kind == "file":
        store = FileEventStore(tmp_path / "files")
    elif kind == "sqlite":
        store = SQLiteEventStore(tmp_path / "events.sqlite3")
    else:
        store = await make_postgres()
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
def sid() -> str:
    """A fresh stream id (unique across runs: the PostgreSQL database is shared)."""
    return "t-" + uuid.uuid4().hex
