"""Values kept until their data changes: where they are kept, and that a change through
the ORM or a bulk statement is seen by the next reader at once."""

from __future__ import annotations

import os
import time
from decimal import Decimal

import sqlalchemy as sa

from expo import caching, create_app
from expo.outcomes.models import Deal
from tests.factories import make_user


def make_app(tmp_path, **config):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
            **config,
        }
    )


def backend(app):
    with app.app_context():
        return type(caching.cache.cache).__name__


def test_files_by_default_and_redis_when_a_url_is_set(tmp_path):
    assert backend(make_app(tmp_path, CACHE_DIR=str(tmp_path / "cache"))) == "FileSystemCache"
    assert (tmp_path / "cache").is_dir()
    assert backend(make_app(tmp_path, REDIS_URL="redis://127.0.0.1:6399/3")) == "RedisCache"
    assert backend(make_app(tmp_path, CACHE_TYPE="SimpleCache")) == "SimpleCache"


def test_a_value_is_computed_once_per_generation(app, db):
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert caching.remember("results", ("a",), compute) == 1
    assert caching.remember("results", ("a",), compute) == 1
    assert caching.remember("results", ("b",), compute) == 2  # another key
    caching.renew("results")
    assert caching.remember("results", ("a",), compute) == 3


def test_a_commit_touching_a_watched_table_renews_its_generation(app, db):
    before = caching.generation("results")
    make_user("organizer")  # users are not behind the results
    db.session.commit()
    assert caching.generation("results") == before
    db.session.execute(sa.update(Deal).values(amount_usd=Decimal("1.00")))  # a bulk statement
    assert caching.generation("results") == before  # not before the commit
    db.session.commit()
    assert caching.generation("results") != before


def test_an_unreachable_cache_slows_pages_but_never_fails_them(app, db, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("the cache server is down")

    for method in ("get", "set", "add"):
        monkeypatch.setattr(caching.cache, method, down)
    assert caching.remember("results", ("a",), lambda: 42) == 42
    make_user("organizer")
    db.session.execute(sa.update(Deal).values(amount_usd=Decimal("1.00")))
    db.session.commit()  # its generation cannot be renewed; the commit stands


def test_a_savepoint_released_renews_nothing_until_the_commit(app, db):
    from tests.factories import make_event

    before = caching.generation("events")
    with db.session.begin_nested():
        make_event()
    # Released, not committed: a reader now would read the old rows under a new token.
    assert caching.generation("events") == before
    db.session.commit()
    assert caching.generation("events") != before


def test_the_file_cache_never_reads_its_folder_to_write_and_the_sweep_removes_what_expired(
    tmp_path, monkeypatch
):
    """Past 500 files cachelib would read the whole folder on every write; here a write is
    one file, however many there are, and what expired is deleted by the sweep's call."""
    folder = tmp_path / "cache"
    app = make_app(tmp_path, CACHE_DIR=str(folder))
    with app.app_context():
        backend = caching.cache.cache
        for number in range(600):
            caching.cache.set(f"kept-{number}", number, timeout=3000)
        listed = []
        real_listdir = os.listdir

        def listdir(path):
            listed.append(path)
            return real_listdir(path)

        monkeypatch.setattr(os, "listdir", listdir)
        caching.renew("results")  # a write past the 500 files
        caching.cache.set("another", 1, timeout=3000)
        assert listed == []
        monkeypatch.undo()
        assert backend.get("kept-0") == 0 and backend.get("kept-599") == 599
        caching.cache.set("short", "gone soon", timeout=300)
        generation = caching.generation("results")
        (folder / "notes.txt").write_text("abcd: not a value of the cache")
        now = time.time()
        assert caching.remove_expired(now=now) == 0
        assert caching.remove_expired(now=now + 1000) == 1  # "short" alone
        assert caching.cache.get("short") is None and caching.cache.get("kept-0") == 0
        assert caching.remove_expired(now=now + 10_000) == 601  # the 600 and "another"
        assert caching.cache.get("kept-0") is None
        assert caching.generation("results") == generation  # generations never expire
        assert sorted(path.name for path in folder.iterdir())[-1] == "notes.txt"
        assert len(list(folder.iterdir())) == 2


def test_the_file_cache_writes_a_generation_over_in_place_and_mends_a_broken_one(tmp_path):
    """A generation's token is a file of its own, written over where it lies: a file
    renamed over another is written to the disk at once (ext4), which every submission's
    commit would pay. What a crash in the middle of a write leaves is replaced."""
    folder = tmp_path / "cache"
    app = make_app(tmp_path, CACHE_DIR=str(folder))
    with app.app_context():
        first = caching.generation("results")
        stored = folder / "generation.results"
        inode = stored.stat().st_ino
        assert caching.generation("results") == first
        caching.renew("results")
        second = caching.generation("results")
        assert second != first
        assert stored.stat().st_ino == inode  # the same file, not one renamed over it
        assert caching.generation("events") not in (first, second)  # each kind its own
        stored.write_bytes(b"12")
        mended = caching.generation("results")
        assert mended not in (first, second) and len(mended) == 16
        assert caching.generation("results") == mended
    other = make_app(tmp_path, CACHE_DIR=str(folder))  # another process on the machine
    with other.app_context():
        assert caching.generation("results") == mended


def test_removing_expired_values_leaves_redis_alone(tmp_path):
    app = make_app(tmp_path, REDIS_URL="redis://127.0.0.1:6399/3")
    with app.app_context():
        assert caching.remove_expired(now=time.time() + 10**6) == 0
