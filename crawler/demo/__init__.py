"""Fixture AI-news publishers served over real HTTP for the demo and the test suite."""

from __future__ import annotations

from crawler.demo.server import DemoSites
from crawler.demo.sites import BrokenLink, FixtureArticle, render_article

__all__ = ["BrokenLink", "DemoSites", "FixtureArticle", "render_article"]
