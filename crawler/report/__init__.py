"""The static HTML report: pages and SVG charts written into a folder that opens from disk."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from crawler.report.pages import StoryPage, index_page, story_page

# Written into every report folder, so a later report may replace it and nothing else.
MARKER = ".newsfold-report"
ASSETS = ("report.css", "report.js")


class ReportFolderTaken(Exception):
    """The output folder holds files that are not a newsfold report."""


def write_report(
    folder: Path,
    stories: Sequence[StoryPage],
    sources: Sequence[dict[str, Any]],
    since: str | None,
    now: str,
) -> int:
    """Write the report into ``folder`` (replacing an earlier report there); return its pages.

    The pages are written into a new folder beside it and moved in at the end, so a failure
    leaves the earlier report whole and no half-written one.
    """
    folder = folder.resolve()
    if folder.is_file() or (folder.is_dir() and any(folder.iterdir()) and not _is_report(folder)):
        raise ReportFolderTaken(
            f"{folder} is a file or holds files that are not a newsfold report; "
            "name a new or empty folder, or that of an earlier report to replace it"
        )
    folder.parent.mkdir(parents=True, exist_ok=True)
    # A name of this process's own, made with the umask's permissions (mkdtemp's are 0700).
    staging = folder.with_name(f".{folder.name}.{os.getpid()}.new")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        (staging / "stories").mkdir(parents=True)
        for story in stories:
            target = staging / "stories" / f"{story.summary['story_id']}.html"
            target.write_text(story_page(story, now), encoding="utf-8")
        (staging / "index.html").write_text(
            index_page(stories, sources, since, now), encoding="utf-8"
        )
        for name in ASSETS:
            text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
            (staging / name).write_text(text, encoding="utf-8")
        (staging / MARKER).write_text("written by newsfold report\n", encoding="utf-8")
        _swap(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return len(stories) + 1


def _is_report(folder: Path) -> bool:
    """Whether a folder holds an earlier newsfold report."""
    return (folder / MARKER).is_file()


def _swap(staging: Path, folder: Path) -> None:
    """Put the staged report where the old one (or nothing) was."""
    if not folder.exists():
        staging.rename(folder)
        return
    old = folder.with_name(f".{folder.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    folder.rename(old)
    staging.rename(folder)
    shutil.rmtree(old, ignore_errors=True)
