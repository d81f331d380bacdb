"""Fixtures for the harvest: the planted corpus harvested once per module, in both modes."""

from __future__ import annotations

import pytest

from crossroads.harvest import PrivacyMode, Reflection, harvest
from tests.unit.harvest.corpus import sample_input


@pytest.fixture(scope="module")
def named_reflection() -> Reflection:
    return harvest(sample_input(PrivacyMode.NAMED))


@pytest.fixture(scope="module")
def chatham_reflection() -> Reflection:
    return harvest(sample_input(PrivacyMode.CHATHAM_HOUSE))
