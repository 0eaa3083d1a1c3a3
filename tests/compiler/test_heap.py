"""The collector's state around the compiler's stages is put back as it was found."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from restagen.compiler.heap import frozen_heap, paused_collection


@pytest.fixture(autouse=True)
def _collector_restored() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if enabled:
        gc.enable()


def test_paused_collection_pauses_and_resumes() -> None:
    gc.enable()
    with paused_collection():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_paused_collection_leaves_a_disabled_collector_disabled() -> None:
    gc.disable()
    with paused_collection():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_paused_collection_resumes_after_an_error() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), paused_collection():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_frozen_heap_freezes_what_exists_and_puts_it_back() -> None:
    gc.unfreeze()
    survivor = [object()]
    with frozen_heap():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
    assert survivor


def test_garbage_made_inside_a_frozen_heap_is_collected() -> None:
    class Node:
        def __init__(self) -> None:
            self.me = self

    with frozen_heap():
        gc.collect()
        count = sum(isinstance(o, Node) for o in gc.get_objects())
        Node()
        gc.collect()
        assert sum(isinstance(o, Node) for o in gc.get_objects()) == count
