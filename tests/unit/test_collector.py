"""The cycle collector is held off during bursts, and only as long as the last one lasts."""

from __future__ import annotations

import gc

import pytest

from crossroads import collector

pytestmark = pytest.mark.unit


def test_overlapping_pauses_keep_the_collector_off_until_the_last_ends() -> None:
    assert gc.isenabled()

    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer burst is still going

    assert gc.isenabled()


def test_a_burst_that_fails_still_turns_the_collector_back_on() -> None:
    with pytest.raises(RuntimeError), collector.paused():
        raise RuntimeError("render failed")

    assert gc.isenabled()


def test_a_collector_someone_else_turned_off_stays_off() -> None:
    gc.disable()
    try:
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
