"""The meta-refresh middleware decides as Scrapy's own does, and decodes only pages that may refresh."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.test import get_crawler

from benchmarks import scoring
from config.loader import load_config
from crawler.middlewares.refresh import MetaRefresh, may_refresh
from crawler.settings import scrapy_settings

ROOT = scoring.default_benchdata_root()
URL = "https://news.example/ai/story"
HEAD = '<!doctype html><html><head><meta charset="{charset}"><title>Chips</title>{meta}</head>'
BODY = "<body><article><p>{filler}</p></article></body></html>"
REFRESHES = {
    "plain": '<meta http-equiv="refresh" content="0; url=/ai/moved">',
    "upper case": '<META HTTP-EQUIV="REFRESH" CONTENT="5;URL=https://other.example/a">',
    "content first": "<meta content='1; url=/ai/moved' http-equiv='Refresh'>",
    "escaped value": '<meta http-equiv="&#114;efresh" content="0; url=/ai/escaped">',
    "in a script": '<script>var s = \'<meta http-equiv="refresh" content="0; url=/x">\';</script>',
    "too slow": '<meta http-equiv="refresh" content="500; url=/ai/later">',
    "other pragma": '<meta http-equiv="X-UA-Compatible" content="IE=edge">',
    "none": "",
}


def _page(meta: str, charset: str = "utf-8", filler: str = "Prices of AI chips fell. ") -> bytes:
    html = HEAD.format(charset=charset, meta=meta) + BODY.format(filler=filler * 20)
    return html.encode(charset)


def _synthetic() -> Iterator[tuple[str, bytes]]:
    for name, meta in REFRESHES.items():
        yield name, _page(meta)
        yield f"{name}, UTF-16", _page(meta, "utf-16")
        yield f"{name}, windows-1251", _page(meta, "windows-1251", "Цены на чипы упали. ")
    late = "<p>Long lead.</p>" * 400 + REFRESHES["plain"]
    yield "after the first 4,096 characters", _page(late)


def _middlewares() -> tuple[MetaRefresh, MetaRefreshMiddleware]:
    crawler = get_crawler(settings_dict=scrapy_settings(load_config(env={})))
    return MetaRefresh.from_crawler(crawler), MetaRefreshMiddleware.from_crawler(crawler)


def _decision(result: Request | Response) -> str | None:
    """The redirect's URL, or None when the response goes on."""
    return result.url if isinstance(result, Request) else None


def _same_decisions(pages: list[tuple[str, bytes]]) -> list[str]:
    ours, scrapys = _middlewares()
    differ = []
    for name, body in pages:
        request = Request(URL)
        mine = ours.process_response(request, HtmlResponse(URL, body=body, request=request))
        theirs = scrapys.process_response(request, HtmlResponse(URL, body=body, request=request))
        if _decision(mine) != _decision(theirs):
            differ.append(f"{name}: {_decision(mine)} != {_decision(theirs)}")
    return differ


def test_synthetic_pages_decide_as_scrapy_does() -> None:
    pages = list(_synthetic())
    assert _same_decisions(pages) == []
    ours, _ = _middlewares()
    redirected = {
        name
        for name, body in pages
        if isinstance(ours.process_response(Request(URL), HtmlResponse(URL, body=body)), Request)
    }
    # Every spelling Scrapy follows (METAREFRESH_IGNORE_TAGS is empty by default: scripts too),
    # in every encoding; the escaped, slow and late ones not.
    followed = ("plain", "upper case", "content first", "in a script")
    for name in followed:
        assert {name, f"{name}, UTF-16", f"{name}, windows-1251"} <= redirected
    assert {name.split(",")[0] for name in redirected} == set(followed)


@pytest.mark.skipif(not ROOT.is_dir(), reason=f"benchdata folder {ROOT} not found")
def test_published_pages_decide_as_scrapy_does() -> None:
    pages = [
        (page.page_id, scoring.read_gzip_bytes(page.html_path))
        for page in scoring.load_aeb_pages(ROOT)
    ]
    pages += [
        (page.url, scoring.read_gzip_bytes(page.html_path))
        for page in scoring.load_trafeval_pages(ROOT)
    ]
    assert len(pages) > 1000
    assert _same_decisions(pages) == []
    # The point of the check: most published pages are ruled out without decoding.
    assert sum(not may_refresh(body) for _, body in pages) > 0.5 * len(pages)


def test_a_page_without_refresh_is_not_decoded() -> None:
    ours, _ = _middlewares()
    response = HtmlResponse(URL, body=_page(REFRESHES["other pragma"]))
    assert ours.process_response(Request(URL), response) is response
    assert response._cached_ubody is None
    assert response._cached_benc is None
