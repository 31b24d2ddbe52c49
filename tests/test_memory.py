"""``kg.memory``: the build pauses automatic collection and sets aside what its stages leave, and gives
everything back as it was, whatever happens inside."""

from __future__ import annotations

import gc

import pytest

from kg.memory import collections_paused


class Cycle:
    def __init__(self):
        self.me = self


@pytest.fixture
def gc_state():
    enabled, frozen = gc.isenabled(), gc.get_freeze_count()
    yield
    gc.unfreeze() if gc.get_freeze_count() > frozen else None
    gc.enable() if enabled else gc.disable()


def test_collection_is_paused_inside_and_restored_after(gc_state):
    gc.enable()
    with collections_paused() as settle:
        assert not gc.isenabled()
        kept = [Cycle() for _ in range(10)]
        settle()
        assert gc.get_freeze_count() >= 10  # the survivors are set aside
        assert not gc.isenabled()
    assert gc.isenabled() and gc.get_freeze_count() == 0
    del kept


def test_settle_collects_the_cycles_a_stage_left(gc_state):
    import weakref

    with collections_paused() as settle:
        c = Cycle()
        gone = weakref.ref(c)
        del c
        assert gone() is not None  # no automatic collection
        settle()
        assert gone() is None


def test_state_is_restored_when_the_block_raises(gc_state):
    gc.disable()
    with pytest.raises(RuntimeError):
        with collections_paused() as settle:
            settle()
            raise RuntimeError("a stage failed")
    assert not gc.isenabled() and gc.get_freeze_count() == 0


def test_objects_frozen_before_stay_frozen(gc_state):
    gc.freeze()
    before = gc.get_freeze_count()
    assert before > 0
    with collections_paused() as settle:
        settle()
        assert gc.get_freeze_count() == before  # not ours to freeze or unfreeze
    assert gc.get_freeze_count() == before
