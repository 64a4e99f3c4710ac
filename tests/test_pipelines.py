"""Each pipeline stage built with from_crawler from a settings dict, on a real SQLite store."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from config.loader import load_config
from crawler.context import RunContext
from crawler.extensions.errors import ErrorRecorder
from crawler.items import ArticleItem
from crawler.settings import scrapy_settings
from crawler.sources.seen import SeenUrls
from crawler.spiders.news import NewsSpider
from pipelines.clean import CleanPipeline
from pipelines.extract import ExtractPipeline
from pipelines.extraction.extractor import Page
from pipelines.extraction.xpath_guard import GuardStatus
from pipelines.fold import FoldPipeline
from pipelines.relevance import RelevancePipeline
from pipelines.scoring.relevance import RelevanceScorer
from pipelines.store import StorePipeline
from storage.sqlite import SQLiteStorage

PARAGRAPHS = [
    "Helix Labs said on Tuesday it had agreed to buy 24,000 GPUs from Corvid Systems for about "
    "$1.2 billion to train its next large language model, one of the biggest orders placed by a "
    "private AI lab this year.",
    "Chief executive Dana Okafor said the cluster, to be installed in a Reno datacenter, would "
    "let the company run training jobs ten times larger than today's, and that Helix would "
    "double its team of AI researchers.",
    "Analysts at Brightwater Securities said the order showed smaller labs could still secure "
    "accelerators despite the backlog at the largest chip makers.",
]
PAGE = f"""<!doctype html><html lang="en"><head><title>Helix Labs orders 24,000 GPUs</title>
<meta property="og:title" content="Helix Labs orders 24,000 GPUs">
<meta property="og:site_name" content="The Circuit Ledger">
<meta name="author" content="Jane Roe">
<meta property="article:published_time" content="2026-11-17T09:30:00+00:00"></head>
<body><nav><a href="/">Home</a> <a href="/ai/">AI</a></nav>
<article><h1>Helix Labs orders 24,000 GPUs</h1>
<p>{PARAGRAPHS[0]}</p><p><strong>Read more:</strong> <a href="/x">Chip stocks rally on earnings</a></p>
<p>{PARAGRAPHS[1]}</p><p>{PARAGRAPHS[2]}</p>
<p>Disclaimer: This article is for information only and is not investment advice.</p>
</article><footer>© 2026 The Circuit Ledger</footer></body></html>"""


def _crawler(storage: SQLiteStorage, workers: int = 1) -> Crawler:
    config = load_config(env={}, overrides={"crawl.extract_workers": workers})
    run_id = storage.begin_run(["ledger"])
    crawler = get_crawler(NewsSpider, scrapy_settings(config))
    crawler.spider = NewsSpider.from_crawler(
        crawler, context=RunContext(config, storage, run_id, {})
    )
    return crawler


@pytest.fixture
def crawler(tmp_path: Path) -> Iterator[Crawler]:
    storage = SQLiteStorage(tmp_path / "p.db")
    storage.migrate()
    yield _crawler(storage)
    storage.close()


def _item(body: str = PAGE) -> ArticleItem:
    return ArticleItem(
        url="http://ledger.test/2026/11/helix.html",
        source="ledger",
        body=body,
        fetched="2026-11-17T10:00:00+00:00",
    )


def _extracted(crawler: Crawler, body: str = PAGE) -> ArticleItem:
    stage = ExtractPipeline.from_crawler(crawler)

    async def run() -> ArticleItem:
        await stage.open_spider()
        try:
            return await stage.process_item(_item(body))
        finally:
            stage.close_spider()

    return asyncio.run(run())


def test_extract_fills_page_with_metadata(crawler: Crawler) -> None:
    item = _extracted(crawler)
    assert isinstance(item.page, Page)
    assert item.page.title == "Helix Labs orders 24,000 GPUs"
    assert item.page.authors == ["Jane Roe"]
    assert item.page.site == "The Circuit Ledger"
    assert item.page.language == "en"
    assert item.page.published and item.page.published.startswith("2026-11-17")
    assert all(p in item.page.text for p in PARAGRAPHS)


def test_extract_drops_binary_and_records_why(crawler: Crawler) -> None:
    with pytest.raises(DropItem, match="binary"):
        _extracted(crawler, "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)
    storage = RunContext.from_crawler(crawler).storage
    assert [e["reason"] for e in storage.errors()] == ["binary content, not HTML"]
    assert crawler.stats is not None and crawler.stats.get_value("newsfold/ledger/errors") == 1


def test_clean_removes_teaser_and_disclaimer(crawler: Crawler) -> None:
    item = CleanPipeline.from_crawler(crawler).process_item(_extracted(crawler))
    assert item.page.text == "\n".join(PARAGRAPHS)
    assert [r["rule"] for r in item.removals] == ["title-repeat", "inline-teaser", "disclaimer"]


def test_relevance_scores_and_drops_off_topic(crawler: Crawler) -> None:
    stage = RelevancePipeline.from_crawler(crawler)
    item = stage.process_item(_extracted(crawler))
    assert item.relevance >= 3 and "gpus" in item.relevance_terms
    recipe = _item(
        PAGE.replace(PARAGRAPHS[0], "Whisk the eggs with sugar until pale.")
        .replace(PARAGRAPHS[1], "Fold in the flour and bake for forty minutes.")
        .replace(PARAGRAPHS[2], "Serve warm with cream.")
        .replace("Helix Labs orders 24,000 GPUs", "A lemon cake for Sunday")
    )
    recipe.page = Page(
        url=recipe.url, title="A lemon cake for Sunday", text="Whisk the eggs. Bake."
    )
    with pytest.raises(DropItem, match="off topic"):
        stage.process_item(recipe)
    storage = RunContext.from_crawler(crawler).storage
    assert storage.count("offtopic") == 1 and storage.url_seen(recipe.url, "")


@pytest.mark.parametrize(
    "text",
    [
        "OPENAI and Anthropic raise; Nvidia H100 GPUs ship. Machine-Learning, AI-native, e.AI",
        "large language models (LLMs) at NVIDIA: gpus, GPUs and GPUS; data centers in Lagos",
        "The AI chip startup's funding round: generative ai, Generative AI, GENERATIVE-AI.",
    ],
)
def test_relevance_matches_lexicon_terms_in_any_case(text: str) -> None:
    """Lower-cased matching finds what a case-insensitive match of the lexicon finds."""
    config = load_config().relevance
    scorer = RelevanceScorer(config)
    terms = "|".join(re.escape(t) for t in sorted(config.terms, key=len, reverse=True))
    reference = re.compile(rf"(?<![\w.-])(?:{terms})(?![\w-])", re.IGNORECASE)
    expected = [m.lower() for m in reference.findall(text)]
    assert expected and scorer.pattern.findall(text.lower()) == expected
    scored = scorer.score("", text)
    assert sorted(scored.terms) == sorted(set(expected))


def test_fold_and_store_write_one_article_then_a_sighting(crawler: Crawler) -> None:
    fold, store = FoldPipeline.from_crawler(crawler), StorePipeline.from_crawler(crawler)
    clean, relevance = CleanPipeline.from_crawler(crawler), RelevancePipeline.from_crawler(crawler)
    first = store.process_item(
        fold.process_item(relevance.process_item(clean.process_item(_extracted(crawler))))
    )
    assert first.result.kind == "new"
    copy = _extracted(crawler)
    copy.url = "http://partner.test/helix-gpu-deal"
    copy = store.process_item(fold.process_item(relevance.process_item(clean.process_item(copy))))
    assert copy.result.kind == "copy" and copy.result.article_id == first.result.article_id
    storage = RunContext.from_crawler(crawler).storage
    assert storage.count("articles") == 1 and storage.count("sightings") == 2
    assert crawler.stats is not None and crawler.stats.get_value("newsfold/ledger/copies") == 1


def test_a_batch_the_store_refuses_is_neither_stored_nor_marked_seen(
    crawler: Crawler, refuse_commit: Callable[[SQLiteStorage], None]
) -> None:
    fold, store = FoldPipeline.from_crawler(crawler), StorePipeline.from_crawler(crawler)
    clean, relevance = CleanPipeline.from_crawler(crawler), RelevancePipeline.from_crawler(crawler)
    seen = SeenUrls.from_crawler(crawler)
    item = store.process_item(
        fold.process_item(relevance.process_item(clean.process_item(_extracted(crawler))))
    )
    storage = RunContext.from_crawler(crawler).storage
    assert item.result.kind == "new" and storage.batch_open  # waits in the open batch
    refuse_commit(storage)
    store.close_spider()
    seen.item_scraped(item, HtmlResponse(item.url, body=b"", request=Request(item.url)))
    assert item.lost and not storage.batch_open
    assert storage.count("articles") == 0 and storage.count("seen_urls") == 0
    stats = crawler.stats
    assert stats is not None and stats.get_value("newsfold/store/lost_batches") == 1
    assert stats.get_value("newsfold/ledger/stored") == 0
    assert stats.get_value("newsfold/ledger/stories") == 0
    assert stats.get_value("newsfold/ledger/errors") == 1


HOUSE_LINE = "The Circuit Ledger is read by 40,000 engineers in 30 countries every week."


def _site_page(n: int) -> str:
    paragraphs = [
        f"Lab {n} said it had trained a model on {1000 + n} accelerators rented from a cloud "
        f"provider, and that a second run with {2000 + n} chips would follow in the spring.",
        f"Its chief scientist, Researcher {n}, said the team had cut the cost of each training "
        f"run by {10 + n} percent since the summer by changing how data is loaded.",
        HOUSE_LINE,
    ]
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return PAGE.replace(PAGE[PAGE.index("<p>") : PAGE.index("</article>")], body)


def _through_clean(crawler: Crawler, pages: list[int]) -> list[ArticleItem]:
    extract, clean = ExtractPipeline.from_crawler(crawler), CleanPipeline.from_crawler(crawler)

    async def run() -> list[ArticleItem]:
        await extract.open_spider()
        items = []
        for n in pages:
            item = _item(_site_page(n))
            item.url = f"http://ledger.test/2026/11/story-{n}.html"
            items.append(clean.process_item(await extract.process_item(item)))
        extract.close_spider()
        clean.close_spider()
        return items

    return asyncio.run(run())


def test_a_site_template_learned_in_one_crawl_is_removed_in_the_next(tmp_path: Path) -> None:
    storage = SQLiteStorage(tmp_path / "learn.db")
    storage.migrate()
    first = _through_clean(_crawler(storage), [1, 2, 3, 4])
    # learn_min_pages (3) pages teach the template; the third page is cleaned with it
    assert [HOUSE_LINE in item.page.text for item in first] == [True, True, False, False]
    storage.close()

    reopened = SQLiteStorage(tmp_path / "learn.db")
    (item,) = _through_clean(_crawler(reopened), [5])
    assert HOUSE_LINE not in item.page.text and "Lab 5 said" in item.page.text
    assert {"rule": "learned-block", "text": HOUSE_LINE} in item.removals
    reopened.close()


def test_a_repaired_page_is_stored_with_what_was_repaired(crawler: Crawler) -> None:
    """cp1252 bytes served as UTF-8: the text reads right and the article says it was repaired."""
    fold, store = FoldPipeline.from_crawler(crawler), StorePipeline.from_crawler(crawler)
    clean, relevance = CleanPipeline.from_crawler(crawler), RelevancePipeline.from_crawler(crawler)
    extract = ExtractPipeline.from_crawler(crawler)
    sentence = "Its café in Zürich serves the researchers’ favourite crème brûlée."
    item = _item(PAGE.replace(PARAGRAPHS[1], f"{PARAGRAPHS[1]} {sentence}"))
    item.body, item.declared = str(item.body).encode("cp1252"), "utf-8"
    item = asyncio.run(extract.process_item(item))
    store.process_item(fold.process_item(relevance.process_item(clean.process_item(item))))
    storage = RunContext.from_crawler(crawler).storage
    (row,) = storage.db.fetchall("SELECT text, notes FROM articles")
    assert sentence in row["text"]
    assert any("declared utf-8 but the bytes are not UTF-8" in n for n in json.loads(row["notes"]))


def test_a_dead_extraction_worker_is_replaced_and_its_page_extracted(tmp_path: Path) -> None:
    storage = SQLiteStorage(tmp_path / "pool.db")
    storage.migrate()
    crawler = _crawler(storage, workers=2)
    stage = ExtractPipeline.from_crawler(crawler)

    async def run() -> tuple[object, ArticleItem, ArticleItem]:
        await stage.open_spider()
        try:
            first = stage.pool
            assert first is not None
            for pid in list(first._processes):  # what a segfault in lxml or the OOM killer does
                os.kill(pid, signal.SIGKILL)
            hit = await stage.process_item(_item())
            after = await stage.process_item(_item())
            return first, hit, after
        finally:
            stage.close_spider()

    first, hit, after = asyncio.run(run())
    assert stage.pool is not first
    assert hit.page.title == after.page.title == "Helix Labs orders 24,000 GPUs"
    assert crawler.stats is not None and crawler.stats.get_value("extract/pool_restarts") == 1
    assert storage.errors() == []
    storage.close()


def test_a_process_whose_xpath_guard_failed_is_counted(crawler: Crawler) -> None:
    stage = ExtractPipeline.from_crawler(crawler)
    assert stage.inline is not None
    stage.inline.extractor.guard = GuardStatus(failure="re._parser is missing")
    asyncio.run(stage.open_spider())
    assert crawler.stats is not None
    assert crawler.stats.get_value("extract/xpath_guard_failed") == 1


def test_guarded_workers_count_no_failure(tmp_path: Path) -> None:
    storage = SQLiteStorage(tmp_path / "p.db")
    storage.migrate()
    crawler = _crawler(storage, workers=2)
    stage = ExtractPipeline.from_crawler(crawler)

    async def run() -> None:
        await stage.open_spider()
        stage.close_spider()

    asyncio.run(run())
    storage.close()
    assert crawler.stats is not None
    assert crawler.stats.get_value("extract/xpath_guard_failed") is None


def test_an_unexpected_exception_in_a_stage_is_recorded_with_its_stage(crawler: Crawler) -> None:
    recorder = ErrorRecorder.from_crawler(crawler)
    item = _item()  # never extracted: the fold stage cannot read it
    try:
        FoldPipeline.from_crawler(crawler).process_item(item)
    except AssertionError:
        failure = Failure()
    recorder.item_error(item, HtmlResponse(item.url, body=b"", request=Request(item.url)), failure)
    storage = RunContext.from_crawler(crawler).storage
    assert [e["reason"] for e in storage.errors()] == ["fold: unexpected AssertionError: "]
    assert crawler.stats is not None and crawler.stats.get_value("newsfold/ledger/errors") == 1
    assert crawler.stats.get_value("errors/fold") == 1


def test_an_unexpected_exception_in_a_callback_is_recorded_with_its_stage(crawler: Crawler) -> None:
    recorder = ErrorRecorder.from_crawler(crawler)
    spider = crawler.spider
    assert isinstance(spider, NewsSpider)
    request = Request("http://ledger.test/feed.xml", callback=spider.parse_feed)
    request.cb_kwargs["source"] = "ledger"
    try:
        int("not a number")
    except ValueError:
        failure = Failure()
    recorder.spider_error(failure, HtmlResponse(request.url, body=b"", request=request))
    storage = RunContext.from_crawler(crawler).storage
    [error] = storage.errors()
    assert error["reason"].startswith("feed: unexpected ValueError: invalid literal")
    assert error["url"] == "http://ledger.test/feed.xml" and error["source"] == "ledger"
