"""The layout's import rules: config is a leaf, storage stands alone, stages know no CLI."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("scrapy", "twisted", "trafilatura", "lxml", "datasketch")


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth (function-level imports too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def offending(package: str, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    """Each file of a package with the forbidden modules it imports."""
    bad = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        hits = sorted(
            name
            for name in imported_modules(path)
            if any(name == f or name.startswith(f + ".") for f in forbidden)
        )
        if hits:
            bad[str(path.relative_to(ROOT))] = hits
    return bad


def test_config_imports_no_other_newsfold_package_nor_scrapy() -> None:
    assert offending("config", ("crawler", "pipelines", "storage", *HEAVY)) == {}


def test_storage_imports_neither_the_crawler_nor_the_stages_nor_scrapy() -> None:
    assert offending("storage", ("crawler", "pipelines", "scrapy", "twisted")) == {}


def test_stages_import_neither_the_cli_nor_the_commands_nor_the_service() -> None:
    forbidden = ("crawler.cli", "crawler.commands", "crawler.service")
    assert offending("pipelines", forbidden) == {}


def test_nothing_imports_the_cli_it_is_the_entry_point() -> None:
    for package in ("crawler", "pipelines", "config", "storage"):
        assert offending(package, ("crawler.cli",)) == {}


def test_the_rules_catch_an_offending_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from crawler.cli import main\n    import scrapy.http\n")
    assert {"crawler.cli", "scrapy.http"} <= imported_modules(module)


def _loaded_after(code: str) -> list[str]:
    """The top-level packages loaded in a fresh interpreter after running ``code``."""
    probe = f"import json, sys\n{code}\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return list(json.loads(out.stdout.splitlines()[-1]))


@pytest.mark.parametrize(
    "code",
    [
        "from config.loader import load_config; load_config(None)",
        "from crawler.commands.history import status",
        "from crawler.commands.sources import sources",
        "from crawler.commands.schedule import schedule",
        "from crawler.commands.serve import serve; from crawler.cli import build_parser",
        "import storage.sqlite, storage.sql",
    ],
)
def test_config_and_read_commands_load_without_scrapy_twisted_or_trafilatura(code: str) -> None:
    loaded = _loaded_after(code)
    assert "pydantic" in loaded or "storage" in loaded  # the probe ran what it says
    assert [name for name in HEAVY if name in loaded] == []


def test_without_the_distributed_mode_procrastinate_is_not_imported(tmp_path: Path) -> None:
    store = tmp_path / "s.db"
    loaded = _loaded_after(
        "from config.loader import load_config\n"
        "from crawler.commands import crawl, serve, worker\n"
        "from crawler.service.scheduler import CrawlService\n"
        "config = load_config(None)\n"
        f"service = CrawlService(config, {str(store)!r}, None)\n"
        "service.check_store()\n"
        "assert service.deferrer is None\n"
    )
    assert "crawler" in loaded and "procrastinate" not in loaded
