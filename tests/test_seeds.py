"""The seed pair: wrapped in publisher templates, both come out clean; one story, two copy clusters."""

from __future__ import annotations

import html
import json
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.demo.sites import render_article

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
SEED_FILES = sorted(SEEDS.glob("0*.txt")) if SEEDS.is_dir() else []
NEWSFOLD = str(Path(sys.executable).with_name("newsfold"))

pytestmark = pytest.mark.skipif(
    len(SEED_FILES) != 2, reason=f"seed articles not found in {SEEDS} (../shared/seeds)"
)


def split_seed(path: Path) -> tuple[str, list[str], list[str], list[str]]:
    """Title, story paragraphs, boilerplate lines and summary bullets, as the seeds README lists them."""
    title, *rest = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in rest if line]
    bullets = [line.lstrip("•").strip() for line in lines if line.startswith("•")]
    lines = [line for line in lines if not line.startswith("•")]
    tail = next((i for i, line in enumerate(lines) if line.startswith("Disclaimer.")), len(lines))
    boilerplate = lines[tail:]
    story = []
    for line in lines[:tail]:
        if line.startswith("Read more:") or (line.startswith("Source:") and line is lines[-1]):
            boilerplate.append(line)
        else:
            story.append(line)
    return title, story, boilerplate, bullets


def _norm(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[dict, list[str], list[str]]]:
    """Each seed rendered into a fixture publisher's page, then run through `newsfold extract`."""
    folder = tmp_path_factory.mktemp("seeds")
    manifest, expected = [], []
    for path, publisher in zip(SEED_FILES, ("tensor-street", "frontier-memo"), strict=True):
        title, story, boilerplate, bullets = split_seed(path)
        body = [line for line in path.read_text(encoding="utf-8").splitlines()[1:] if line.strip()]
        body = [line.strip() for line in body if not line.strip().startswith("•")]
        summary = "".join(f"<li>{html.escape(b)}</li>" for b in bullets)
        page = render_article(
            publisher,
            title=title,
            author="Staff Writer",
            published="2024-03-21T09:00:00+00:00",
            paragraphs=body,
            extra_in_body=[f'<ul class="summary">{summary}</ul>'] if bullets else [],
        )
        target = folder / f"{path.stem}.html"
        target.write_text(page, encoding="utf-8")
        manifest.append({"path": str(target), "url": f"https://{publisher}.example/{path.stem}"})
        expected.append((story, boilerplate + bullets))
    (folder / "manifest.jsonl").write_text("\n".join(json.dumps(m) for m in manifest))
    out = subprocess.run(
        [NEWSFOLD, "extract", "--manifest", str(folder / "manifest.jsonl")],
        capture_output=True,
        text=True,
        check=True,
    )
    pages = [json.loads(line) for line in out.stdout.splitlines()]
    return [(page, story, junk) for page, (story, junk) in zip(pages, expected, strict=True)]


def test_every_story_paragraph_survives(extracted: list[tuple[dict, list[str], list[str]]]) -> None:
    for page, story, _ in extracted:
        text = _norm(page["text"])
        missing = [p for p in story if _norm(p) not in text]
        assert not missing, f"{page['path']}: lost {missing}"


def test_no_seed_boilerplate_survives(extracted: list[tuple[dict, list[str], list[str]]]) -> None:
    for page, _, junk in extracted:
        lines = {_norm(line) for line in page["text"].splitlines()}
        left = [line for line in junk if _norm(line) in lines]
        assert not left, f"{page['path']}: kept {left}"
        assert "Read more" not in page["text"]


def test_one_story_two_copy_clusters(
    extracted: list[tuple[dict, list[str], list[str]]], tmp_path: Path
) -> None:
    docs = tmp_path / "docs.jsonl"
    docs.write_text(
        "\n".join(
            json.dumps(
                {
                    "id": str(i),
                    "title": p["title"],
                    "text": p["text"],
                    "published": f"2024-03-2{i}T09:00:00+00:00",
                }
            )
            for i, (p, _, _) in enumerate(extracted)
        )
    )
    out = subprocess.run(
        [NEWSFOLD, "fold", "--input", str(docs)], capture_output=True, text=True, check=True
    )
    folded = [json.loads(line) for line in out.stdout.splitlines()]
    assert folded[0]["story"] == folded[1]["story"] is not None
    assert folded[0]["copy_cluster"] != folded[1]["copy_cluster"]
    assert folded[0]["copy_of"] is None and folded[1]["copy_of"] is None
