"""A new local Prefect server starts from a copy of the first server's empty, migrated database."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from golive.local import prefect_server


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "golive"


def tables(database: Path) -> list[str]:
    with closing(sqlite3.connect(database)) as db:
        return [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]


def test_the_first_server_migrates_and_its_database_becomes_the_template(
    tmp_path: Path, cache: Path
) -> None:
    first = tmp_path / "first.db"
    assert prefect_server._seed_database(first) is True  # no template: the server migrates
    with closing(sqlite3.connect(first)) as db:  # what the server's migrations made
        db.execute("CREATE TABLE alembic_version (version_num TEXT)")
        db.commit()
    prefect_server._keep_as_template(first)
    template = prefect_server.empty_database_template()
    assert template.parent == cache and "prefect-" in template.name
    assert tables(template) == ["alembic_version"]
    assert not list(cache.glob("*.partial"))

    second = tmp_path / "second.db"
    assert prefect_server._seed_database(second) is False  # a copy: not a template candidate
    assert tables(second) == ["alembic_version"]


def test_an_existing_database_is_never_replaced(tmp_path: Path, cache: Path) -> None:
    cache.mkdir(parents=True)
    prefect_server.empty_database_template().write_bytes(b"template")
    database = tmp_path / "prefect.db"
    database.write_bytes(b"a launch's history")
    assert prefect_server._seed_database(database) is False
    assert database.read_bytes() == b"a launch's history"
