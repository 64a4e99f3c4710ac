"""Shared pytest fixtures: the bundled fixture publishers served over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crawler.demo import DemoSites


@pytest.fixture(scope="session")
def demo_sites() -> Iterator[DemoSites]:
    """One set of running fixture publishers shared by the whole test session."""
    with DemoSites() as sites:
        yield sites


@pytest.fixture
def fresh_sites() -> Iterator[DemoSites]:
    """A new set of running fixture publishers with zeroed request counters."""
    with DemoSites() as sites:
        yield sites
