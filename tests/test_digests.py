"""``kg.network.digests.DigestCache``: the page's digests of documents' graphs, kept between builds in one
SQLite database (:class:`kg.shared_db.SharedDatabase`), used by several processes of a build at once (the
build and its forked copies store digests while the page's process reads them).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
import time
from contextlib import closing

import pytest

from kg.forked import Forked
from kg.network.digests import DigestCache

MINTED = "https://example.org/cnqkg/id/"


def sha(i: int) -> str:
    return hashlib.sha256(str(i).encode()).hexdigest()


def test_a_digest_is_found_by_its_graphs_sha256_and_namespace_only(tmp_path):
    cache = DigestCache(tmp_path, "v1")
    cache.put(sha(1), MINTED, {"sentence": "中机质协召开质量工作会议。"})
    again = DigestCache(tmp_path, "v1")
    assert again.get(sha(1), MINTED) == {"sentence": "中机质协召开质量工作会议。"}
    assert again.get(sha(1), "https://other.example/id/") is None
    assert again.get(sha(1)[:32] + "f" * 32, MINTED) is None  # the same first half, another graph
    assert DigestCache(tmp_path, "v2").get(sha(1), MINTED) is None  # other code
    assert (again.hits, again.misses) == (1, 2)


def test_without_reading_only_what_this_build_stored_is_found(tmp_path):
    DigestCache(tmp_path, "v1").put(sha(1), MINTED, "earlier")
    full = DigestCache(tmp_path, "v1", read=False)  # kg build --full
    assert full.get(sha(1), MINTED) is None
    full.put(sha(2), MINTED, "now")
    assert full.get(sha(2), MINTED) == "now"


def test_prune_keeps_what_was_found_or_stored_and_removes_other_versions(tmp_path):
    old = DigestCache(tmp_path, "v0")
    old.put(sha(9), MINTED, "other code")
    first = DigestCache(tmp_path, "v1")
    for i in range(4):
        first.put(sha(i), MINTED, i)
    second = DigestCache(tmp_path, "v1")
    assert second.get(sha(0), MINTED) == 0
    second.put(sha(5), MINTED, 5)
    assert second.prune() == 3
    assert sorted(d for _, _, d in DigestCache(tmp_path, "v1").entries()) == [0, 5]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v1"]


def test_an_entry_that_does_not_unpickle_or_a_file_that_is_no_database_is_made_again(tmp_path):
    cache = DigestCache(tmp_path, "v1")
    cache.put(sha(1), MINTED, "one")
    cache.put(sha(2), MINTED, "two")
    with closing(sqlite3.connect(cache.path)) as db, db:
        db.execute("UPDATE digest SET data = ? WHERE sha256 = ?", (b"not a pickle", sha(1)))
    again = DigestCache(tmp_path, "v1")
    assert (again.get(sha(1), MINTED), again.get(sha(2), MINTED)) == (None, "two")
    for c in (cache, again):
        c._db.close()
    for suffix in ("-wal", "-shm"):
        (tmp_path / "v1" / f"digests.sqlite{suffix}").unlink(missing_ok=True)
    cache.path.write_bytes(b"not a database")
    fresh = DigestCache(tmp_path, "v1")
    assert fresh.get(sha(2), MINTED) is None
    fresh.put(sha(2), MINTED, "two again")
    assert DigestCache(tmp_path, "v1").get(sha(2), MINTED) == "two again"


def store_in_copy(inbox, cache: DigestCache, first: int):
    """In a forked copy: store what the parent sends, each found by the parent as soon as it is stored."""
    cache.start_share()
    for i in iter(inbox.get, None):
        cache.put(sha(i), MINTED, f"digest {i}")
    assert cache.get(sha(first), MINTED) == f"digest {first}"  # stored by the parent before the fork
    return cache.share()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="kg.forked forks on Linux only")
def test_digests_stored_by_forked_copies_are_found_here_while_they_run_and_counted_once_they_end(tmp_path, alone):
    """The copy inherits this process' open connection: it opens its own (SQLite's rule for a fork) and
    this one's goes on working; what the copy stores is committed as it goes, and merged (counted, kept
    by prune) once it ends."""
    cache = DigestCache(tmp_path, "v1")
    cache.put(sha(0), MINTED, "digest 0")  # a connection is open here as the copies are forked
    jobs = [Forked.start(store_in_copy, cache, 0) for _ in range(2)]
    assert all(jobs)
    jobs[0].send(1)
    jobs[1].send(2)
    reader = DigestCache(tmp_path, "v1")  # the page's process, say
    for _ in range(500):
        if reader.get(sha(1), MINTED) and reader.get(sha(2), MINTED):
            break
        time.sleep(0.01)
    assert (reader.get(sha(1), MINTED), reader.get(sha(2), MINTED)) == ("digest 1", "digest 2")
    cache.put(sha(3), MINTED, "digest 3")  # the parent's connection, used after the forks
    for job in jobs:
        job.send(None)
    for job in jobs:
        cache.merge(job.result())
    assert cache.prune() == 0
    assert sorted(s for s, _, _ in DigestCache(tmp_path, "v1").entries()) == sorted(sha(i) for i in range(4))


def test_a_database_damaged_past_its_header_costs_its_digests_not_the_build(tmp_path):
    """Pages scrambled after the header: SQLite opens the file but reads garbage. Nothing raises: what is
    not found is made again (the page parses those graphs), and the database is removed, then made anew."""
    cache = DigestCache(tmp_path, "v1")
    for i in range(300):
        cache.put(sha(i), MINTED, "x" * 3000)
    cache._db.close()
    data = bytearray(cache.path.read_bytes())
    for page in (2, 5, 9, 40):
        data[page * 4096:(page + 1) * 4096] = os.urandom(4096)
    cache.path.write_bytes(bytes(data))
    damaged = DigestCache(tmp_path, "v1")
    found = [damaged.get(sha(i), MINTED) for i in range(300)]
    assert found.count(None) > 0
    for i in range(300, 400):
        damaged.put(sha(i), MINTED, "y")
    damaged.prune()
    fresh = DigestCache(tmp_path, "v1")
    fresh.put(sha(1), MINTED, "again")
    assert fresh.get(sha(1), MINTED) == "again"


def open_and_store(inbox, folder, i):
    """In a forked copy: wait for the word, then make the database (if no other copy has yet) and store."""
    inbox.get()
    cache = DigestCache(folder, "v1")
    for j in range(10):
        cache.put(sha(100 * i + j), MINTED, j)
    return i


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="kg.forked forks on Linux only")
@pytest.mark.parametrize("round_", range(16))
def test_copies_that_make_the_database_at_once_wait_for_one_another(tmp_path, alone, round_):
    """The first build with new code: its copies make the version's database at the same moment. Each waits
    for the others (putting a new file in write-ahead-log mode does not wait by itself): nothing raises,
    nothing is removed, every digest is there."""
    jobs = [Forked.start(open_and_store, tmp_path, i) for i in range(5)]
    for job in jobs:
        job.send("go")
    assert sorted(job.result() for job in jobs) == list(range(5))
    held = {s for s, _, _ in DigestCache(tmp_path, "v1").entries()}
    assert held == {sha(100 * i + j) for i in range(5) for j in range(10)}


def store_then_wait(inbox, folder):
    cache = DigestCache(folder, "v1")
    cache.put(sha(1), MINTED, "one")
    inbox.get()  # the parent closes its connection meanwhile
    cache.put(sha(2), MINTED, "two")
    with open("/proc/locks") as f:
        return os.getpid(), f.read().splitlines()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="kg.forked forks on Linux only")
def test_a_copy_forked_while_a_connection_is_open_locks_the_database_itself(tmp_path, alone):
    """A connection open here as a copy is forked is closed first: the copy's own connection takes its own
    locks, so this process closing its connection (the last, as it thinks) leaves the copy's log alone."""
    cache = DigestCache(tmp_path, "v1")
    cache.put(sha(0), MINTED, "zero")  # a connection open here
    job = Forked.start(store_then_wait, tmp_path)
    for _ in range(500):
        if DigestCache(tmp_path, "v1").get(sha(1), MINTED):
            break
        time.sleep(0.01)
    cache._db.close()
    job.send("go")
    pid, locks = job.result()
    assert any(f" {pid} " in line for line in locks), "the copy holds no lock of its own"
    assert [DigestCache(tmp_path, "v1").get(sha(i), MINTED) for i in range(3)] == ["zero", "one", "two"]
