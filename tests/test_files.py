"""Files written whole or not at all (``kg.files.write_atomic``): every cache entry and output goes through it."""

from __future__ import annotations

import os
import stat
import threading

import pytest

from kg.files import umask, write_atomic


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_a_file_written_has_the_permissions_of_a_plain_new_file(tmp_path, mask):
    old = os.umask(mask)
    try:
        write_atomic(tmp_path / "new" / "a.txt", "中机质协".encode("utf-8"))
        assert umask() == mask
    finally:
        os.umask(old)
    assert (tmp_path / "new" / "a.txt").read_text(encoding="utf-8") == "中机质协"
    assert _mode(tmp_path / "new" / "a.txt") == 0o666 & ~mask


def test_a_file_replaced_or_failed_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "a.json"
    write_atomic(target, b"1")
    write_atomic(target, lambda f: f.write(b"2"))
    assert target.read_bytes() == b"2"

    def fail(f):
        f.write(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, fail)
    assert target.read_bytes() == b"2" and [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_threads_writing_side_by_side_each_write_whole_files(tmp_path):
    def write(i: int) -> None:
        for j in range(50):
            write_atomic(tmp_path / f"{j}.txt", str(i).encode() * 1000)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    files = sorted(tmp_path.iterdir())
    assert len(files) == 50
    assert all(len(set(f.read_bytes())) == 1 for f in files)  # one writer's bytes, whole
