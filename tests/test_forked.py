"""``kg.forked``: a function run in a forked copy of the process (the build's page, beside its writing).

What it returns comes back; what it raises is raised here (by its text when it cannot be pickled); a copy
that dies is an error naming its exit code; a copy waiting for messages is ended by ``cancel``; no copy
is made while another thread runs here. Earlier tests may leave idle threads (Dask's pool) in this
process: ``alone`` makes the copy regardless, as the build would in a process of its own.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time

import pytest

import kg.forked
from kg.errors import RunFailed
from kg.forked import Forked, Spread

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="kg.forked forks on Linux only")


def add_up(inbox, start):
    return start + sum(iter(inbox.get, None))


def test_the_copy_takes_the_messages_in_order_and_its_result_comes_back(alone):
    job = Forked.start(add_up, 1000)
    for i in range(300):
        job.send(i)
    job.send(None)
    assert job.result() == 1000 + sum(range(300))
    assert not multiprocessing.active_children()


def late_reader(inbox):
    time.sleep(0.5)  # the messages wait in the pipe and in the copy's inbox meanwhile
    return [len(m) for m in iter(inbox.get, None)]


def test_messages_larger_than_a_pipe_holds_are_all_taken(alone):
    job = Forked.start(late_reader)
    for _ in range(40):
        job.send("字" * 50_000)  # 6 MB in all: far more than a pipe's buffer
    job.send(None)
    assert job.result() == [50_000] * 40


class TwoArgs(Exception):
    def __init__(self, path, reason):
        super().__init__(f"{path}: {reason}")


class Unpicklable(Exception):
    def __init__(self, message, handle):
        super().__init__(message)
        self.handle = handle


def raises(inbox, kind):
    inbox.get()
    if kind == "plain":
        raise ValueError("graph.trig: no space left on device")
    if kind == "two":
        raise TwoArgs("graph.trig", "bad")
    raise Unpicklable("cannot go through a pipe", threading.Lock())


@pytest.mark.parametrize("kind, error, match", [
    ("plain", ValueError, "graph.trig: no space left on device"),
    ("unpicklable", RunFailed, "Unpicklable: cannot go through a pipe"),
    # pickled, but (unless a library, as Dask's tblib, teaches pickle exceptions) not made again from its pickle
    ("two", (RunFailed, TwoArgs), "graph.trig: bad"),
])
def test_what_the_copy_raises_is_raised_here(alone, kind, error, match):
    job = Forked.start(raises, kind)
    job.send("go")
    with pytest.raises(error, match=match):
        job.result()
    assert not multiprocessing.active_children()


def dies(inbox):
    os._exit(9)


def test_a_copy_that_dies_is_an_error_naming_it_and_its_exit_code(alone):
    job = Forked.start(dies, name="page")
    with pytest.raises(RunFailed, match=r"the page process ended before it was done \(exit code 9"):
        job.result()


def waits(inbox):
    inbox.get()


def test_cancel_ends_a_copy_waiting_for_messages(alone):
    job = Forked.start(waits)
    job.cancel()
    assert not multiprocessing.active_children()
    job.cancel()  # twice: nothing left to end


def test_a_copy_whose_sender_is_gone_stops_with_an_error(alone):
    job = Forked.start(waits)
    job._to.close()  # the build's end of the pipe closed, nothing sent
    with pytest.raises(RunFailed, match="stopped sending"):
        job.result()


KILLED_BUILD = """
import os, signal, sys, time
from kg.forked import Forked, Spread

def works(inbox, pid_file):  # the page being made: nothing left to wait for from the parent
    with open("/proc/self/stat") as f:
        started = f.read().rsplit(")", 1)[1].split()[19]
    with open(pid_file + ".tmp", "w") as f:
        f.write(f"{os.getpid()} {started}")
    os.replace(pid_file + ".tmp", pid_file)
    time.sleep(120)

if __name__ == "__main__":
    job = Forked.start(works, sys.argv[1])
    while not os.path.exists(sys.argv[1]):
        time.sleep(0.05)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def _ended(pid: int, started: str) -> bool:
    """Whether process ``pid``, started at ``started`` (clock ticks after boot), is no more: gone, a zombie
    (left unreaped by a container's init), or its number now another's."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return True
    return fields[0] in "ZX" or fields[19] != started


def test_a_copy_ends_with_a_build_killed_outright(tmp_path):
    """A build killed with SIGKILL (or by the OOM killer) runs no clean-up: its copy, making a page
    nobody will wait for, ends with it instead of holding its memory until done."""
    import subprocess

    script, pid_file = tmp_path / "build.py", tmp_path / "copy.pid"
    script.write_text(KILLED_BUILD, encoding="utf-8")
    run = subprocess.run([sys.executable, str(script), str(pid_file)], timeout=60)
    assert run.returncode == -9
    pid, started = pid_file.read_text().split()
    deadline = time.monotonic() + 10
    while not _ended(int(pid), started) and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        assert _ended(int(pid), started), "the copy outlived the build"
    finally:
        if not _ended(int(pid), started):
            os.kill(int(pid), 9)


def test_a_copy_whose_parent_ended_before_it_could_say_so_ends_at_once():
    """The parent gone between the fork and the copy's request to end with it (the copy already
    belongs to another process): the copy ends there and then."""
    pid = os.fork()
    if pid == 0:  # (the copy: its parent is this test's process, not the one named)
        kg.forked._end_with(parent=os.getppid() + 1_000_000)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 1


def test_no_copy_is_made_while_another_thread_runs():
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        assert Forked.start(add_up, 0) is None
    finally:
        release.set()
        thread.join()
    assert not multiprocessing.active_children()


def test_no_fork_to_be_had_is_no_copy_and_no_error(alone, monkeypatch):
    """A fork that fails (a limit on processes, or on memory): the caller does the work itself."""
    def refused():
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refused)
    assert Forked.start(add_up, 0) is None


def test_a_message_that_cannot_be_read_ends_the_copy_with_an_error(alone):
    job = Forked.start(add_up, 0)
    job._to.send_bytes(b"not a pickle")
    job.send(None)
    with pytest.raises(RunFailed, match="stopped sending"):
        job.result()


def returns_a_lock(inbox):
    return threading.Lock()


def test_a_result_that_cannot_be_handed_back_is_an_error_saying_so(alone):
    job = Forked.start(returns_a_lock)
    with pytest.raises(RunFailed, match="the result could not be handed back"):
        job.result()


# --- work spread over several copies, its results taken in order -------------------------------------


class Seen:
    """A :class:`kg.forked.Shared` that notes the items it sees (what a cache notes of the graphs it stores)."""

    def __init__(self) -> None:
        self.items: list = ["before"]  # noted here before the copies were forked: not counted twice

    def note(self, item) -> None:
        self.items.append(item)

    def start_share(self) -> None:
        self.items = []

    def share(self) -> list:
        return self.items

    def merge(self, share: list) -> None:
        self.items.extend(share)


def test_a_spread_gives_the_results_in_the_items_order_and_merges_what_the_copies_did(alone):
    """Three processes, this one and two copies: each result in order; what the copies noted is added here."""
    seen = Seen()

    def work(item):
        seen.note(item)
        time.sleep(0.002 * (item % 7))  # the copies go at their own pace
        return item * item, os.getpid()

    spread = Spread.start(list(range(300)), work, 3, [seen])
    results = list(spread.results())
    assert [r for r, _ in results] == [i * i for i in range(300)]
    pids = [pid for _, pid in results]
    assert pids[::3] == [os.getpid()] * 100  # every third item made here, the others in two copies
    assert len(set(pids[1::3])) == len(set(pids[2::3])) == 1 and len(set(pids)) == 3
    assert sorted(seen.items[1:]) == list(range(300)) and seen.items[0] == "before"
    spread.cancel()  # done: nothing left to end
    assert not multiprocessing.active_children()


def fails_at_57(item):
    if item == 57:
        raise ValueError(f"a01.txt: item {item} cannot be made")
    return item


def dies_at_5(item):
    if item == 5:
        os._exit(9)
    return item


def fails_at_56(item):
    if item == 56:
        raise ValueError(f"a01.txt: item {item} cannot be made")
    return item


@pytest.mark.parametrize("work, error, match, before", [
    (fails_at_57, ValueError, "a01.txt: item 57 cannot be made", 57),  # in the copy
    (fails_at_56, ValueError, "a01.txt: item 56 cannot be made", 56),  # here
    (dies_at_5, RunFailed, r"the graphs 1/1 process ended before it was done \(exit code 9", 5),
])
def test_what_a_process_of_a_spread_raises_is_raised_when_its_result_is_due(alone, work, error, match, before):
    """Two processes (odd items in the copy): the results before, then the error."""
    spread = Spread.start(list(range(100)), work, 2, name="graphs")
    taken = []
    with pytest.raises(error, match=match):
        for r in spread.results():
            taken.append(r)
    assert taken == list(range(before))  # the results before it, in order
    spread.cancel()
    assert not multiprocessing.active_children()


def test_a_spread_stopped_early_ends_its_copies(alone):
    spread = Spread.start(list(range(10_000)), lambda i: (time.sleep(0.001), i)[1], 3)
    assert next(spread.results()) == 0
    spread.cancel()
    assert not multiprocessing.active_children()


@pytest.mark.parametrize("items, processes", [(list(range(50)), 1), ([1], 4), ([], 2)])
def test_no_spread_where_fewer_than_two_processes_would_work(alone, items, processes):
    assert Spread.start(items, fails_at_57, processes) is None
    assert not multiprocessing.active_children()


def test_no_spread_while_another_thread_runs():
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert Spread.start(list(range(50)), fails_at_57, 2) is None
    finally:
        stop.set()
        other.join()


def test_a_copy_that_cannot_be_forked_leaves_none_running(alone, monkeypatch):
    """The second copy of a spread not to be had (no fork: None; no pipe: too many files open):
    the first is ended, and the spread is not made (None) or the error raised."""
    real = Forked.start.__func__
    for second in (None, OSError(24, "Too many open files")):
        calls = []

        def start(cls, *args, **kwargs):
            calls.append(1)
            if len(calls) == 2:
                if second is None:
                    return None
                raise second
            return real(cls, *args, **kwargs)

        monkeypatch.setattr(Forked, "start", classmethod(start))
        if second is None:
            assert Spread.start(list(range(30)), fails_at_57, 3) is None
        else:
            with pytest.raises(OSError, match="Too many open files"):
                Spread.start(list(range(30)), fails_at_57, 3)
        assert len(calls) == 2 and not multiprocessing.active_children()


def answers_many(inbox, n):
    for i in range(n):
        inbox.answer(("k" * 32, i))
    return n


@pytest.mark.skipif(not os.path.exists("/proc/sys/fs/pipe-max-size")
                    or int(open("/proc/sys/fs/pipe-max-size").read()) < (1 << 20), reason="pipes of 1 MiB refused here")
def test_a_copy_answers_thousands_of_times_before_it_waits_for_a_reader(alone):
    """A copy of a spread runs ahead of the process that reads its answers: 4,000 small ones (far more
    than a pipe's 64 KiB) are sent without one read, and then all taken in order."""
    job = Forked.start(answers_many, 4000)
    deadline = time.time() + 20
    while not job.ended() and time.time() < deadline:
        time.sleep(0.05)
    assert job.ended(), "the copy waited for its answers to be read"
    assert [job.answer()[1] for _ in range(4000)] == list(range(4000)) and job.result() == 4000
