"""Serve the bundled fixture publishers over real HTTP on the loopback interface."""

from __future__ import annotations

import hashlib
import struct
import sys
import threading
import time
import zlib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import MappingProxyType
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

from crawler.demo.sites import (
    BINARY,
    ERROR,
    TRUNCATED,
    BrokenLink,
    FixtureArticle,
    Page,
    Publisher,
    load_publishers,
)
from crawler.demo.templates import error_page, listing_page, when

HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
LEAD_IMAGE = "/lead.png"  # an article's og:image: <article>/lead.png
CONTENT_TYPES = MappingProxyType(
    {
        "rss": "application/rss+xml; charset=utf-8",
        "atom": "application/atom+xml; charset=utf-8",
        "news-sitemap": "application/xml; charset=utf-8",
        "sitemap-index": "application/xml; charset=utf-8",
        "json-feed": "application/feed+json; charset=utf-8",
    }
)


@dataclass(frozen=True)
class Response:
    """A complete HTTP response body with its status and content type."""

    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    validators: bool = False  # ETag and Last-Modified, answered with 304 when they match
    stream: bool = False  # no Content-Length: the body ends when the connection closes


def respond(publisher: Publisher, target: str, base: str) -> Response:
    """Answer a request target (path plus optional query) on a server rooted at base."""
    path = urlsplit(target).path or "/"
    if path == "/robots.txt":
        body = "\n".join(publisher.robots).replace("{base}", base) + "\n"
        return Response(200, TEXT, body.encode())
    kind = publisher.endpoints.get(path, "section" if path == "/" else "")
    if kind in CONTENT_TYPES:
        document = publisher.document(kind, path, base).encode()
        return Response(200, CONTENT_TYPES[kind], document, validators=True)
    if kind == "section":
        pages = [p.listed() for p in publisher.pages if path != "/" or p.kind == "article"]
        heading = path.strip("/").upper() or "Latest"
        listing = listing_page(publisher.site, base, path, heading, pages).encode()
        return Response(200, HTML, listing, validators=True)
    page = publisher.by_path.get(path) or amp_page(publisher, path)
    if page is None and path.endswith(LEAD_IMAGE):
        lead = lead_of(publisher, path)
        if lead is not None:
            return Response(200, "image/png", chart_png(lead.title))
    if page is None:
        return Response(404, HTML, error_page(publisher.site, base, 404).encode())
    return page_response(publisher, page, base)


def lead_of(publisher: Publisher, path: str) -> Page | None:
    """The article whose lead image (``<article>/lead.png``, its og:image) a path names."""
    article = path.removesuffix(LEAD_IMAGE)
    page = publisher.by_path.get(article) or publisher.by_path.get(article.rstrip("/"))
    return page if page is not None and page.kind == "article" else None


def amp_page(publisher: Publisher, path: str) -> Page | None:
    """The article an AMP variant (``<article>/amp/``) renders; its canonical is the article."""
    if not path.endswith("/amp/"):
        return None
    page = publisher.by_path.get(path.removesuffix("amp/"))
    return page if page is not None and page.kind == "article" else None


def last_modified(publisher: Publisher) -> str:
    """An HTTP date: when the publisher's newest page was published."""
    newest = max((when(p.published) for p in publisher.pages), default=None)
    return format_datetime(newest.astimezone(UTC), usegmt=True) if newest else ""


def not_modified(headers: Any, etag: str, modified: str) -> bool:
    """Whether a request's conditional headers match the current validators (RFC 9110 13.2.2)."""
    match = headers.get("If-None-Match")
    if match is not None:
        return etag in [tag.strip() for tag in match.split(",")] or match.strip() == "*"
    since = headers.get("If-Modified-Since")
    if since and modified:
        try:
            return parsedate_to_datetime(modified) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def page_response(publisher: Publisher, page: Page, base: str) -> Response:
    """The response for a listed page, broken on purpose where its kind says so."""
    if page.kind == ERROR:
        return Response(500, HTML, error_page(publisher.site, base, 500).encode())
    if page.kind == BINARY:
        return Response(200, "image/png", chart_png(page.title))
    html = publisher.render(page, base).html
    return Response(200, HTML, (truncate(html) if page.kind == TRUNCATED else html).encode())


def truncate(html: str) -> str:
    """Cut a page inside a closing tag a few paragraphs into its body, like a dropped transfer."""
    cut = html.index("<body")
    for _ in range(3):
        cut = html.index("</p>", cut + 1)
    return html[: cut + 3]


def chart_png(seed: str, width: int = 320, height: int = 180) -> bytes:
    """A small deterministic grayscale bar-chart PNG."""
    bars = [40 + (zlib.crc32(f"{seed}{i}".encode()) % (height - 60)) for i in range(8)]
    rows = []
    for y in range(height):
        row = bytearray([0])
        for col in range(width):
            bar = bars[col * len(bars) // width]
            inside = height - y <= bar and col % (width // len(bars)) > 6
            row.append(48 if inside else 246)
        rows.append(bytes(row))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"".join(rows), 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


@dataclass(frozen=True)
class Hit:
    """One request a fixture publisher received."""

    at: float  # time.monotonic() on arrival
    publisher: str
    path: str  # incl. the query
    status: int | None = None


class PublisherServer(ThreadingHTTPServer):
    """A threading HTTP server bound to one publisher."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, address: tuple[str, int], publisher: Publisher, sites: DemoSites) -> None:
        super().__init__(address, PublisherHandler)
        self.publisher = publisher
        self.sites = sites

    @property
    def base(self) -> str:
        """Absolute URL prefix of this server, e.g. http://127.0.0.1:54321."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a client drops or idles out a connection; report anything else."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


def split_target(target: str, base: str) -> tuple[str, str]:
    """The base URL and the path plus query a request asks for.

    A request sent to the server as to a proxy names the publisher's own domain (absolute form,
    ``GET http://domain/path``): its pages then link to that domain, not to the server's port.
    """
    if target.startswith("/"):
        return base, target
    parts = urlsplit(target)
    return f"{parts.scheme}://{parts.netloc}", urlunsplit(
        ("", "", parts.path or "/", parts.query, "")
    )


class PublisherHandler(BaseHTTPRequestHandler):
    """Route each request to the publisher's renderer; no logging."""

    server_version = "newsfold-demo/1.0"
    protocol_version = "HTTP/1.1"
    timeout = 10

    def do_GET(self) -> None:
        """Serve a page."""
        self.serve(with_body=True)

    def do_HEAD(self) -> None:
        """Serve headers only."""
        self.serve(with_body=False)

    def serve(self, *, with_body: bool) -> None:
        """Count the request, render the response lazily and send it."""
        server = cast(PublisherServer, self.server)
        base, target = split_target(self.path, server.base)
        server.sites.count(server.publisher.key, target)
        response = server.sites.respond(server.publisher, target, base)
        status, headers = response.status, list(response.headers)
        if response.validators and status == 200:
            etag = '"' + hashlib.sha256(response.body).hexdigest()[:32] + '"'
            modified = last_modified(server.publisher)
            headers += [("ETag", etag)] + ([("Last-Modified", modified)] if modified else [])
            if not_modified(self.headers, etag, modified):
                status = 304
        server.sites.log_status(server.publisher.key, target, status)
        self.send_response(status)
        self.send_header("Content-Type", response.content_type)
        for name, value in headers:
            self.send_header(name, value)
        if status == 304:
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            return
        if response.stream:
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if with_body:
            try:
                self.wfile.write(response.body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging."""


class DemoSites:
    """Serve the bundled fixture publishers on 127.0.0.1, one ephemeral port per publisher."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.publishers = load_publishers()
        self._servers: dict[str, PublisherServer] = {}
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._requests: Counter[tuple[str, str]] = Counter()
        self._log: list[Hit] = []

    def start(self) -> None:
        """Bind every publisher to an ephemeral port and serve it from a daemon thread."""
        if self._servers:
            return
        for key, publisher in self.publishers.items():
            server = PublisherServer((self.host, 0), publisher, self)
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"demo-site-{key}",
                daemon=True,
            )
            self._servers[key] = server
            self._threads.append(thread)
            thread.start()

    def stop(self) -> None:
        """Shut every server down and release its port."""
        for server in self._servers.values():
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=1)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> DemoSites:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def sources(self) -> dict[str, dict[str, str]]:
        """Source name -> entry URL and kind (feed, sitemap or page), one per publisher."""
        return {
            key: {"url": self.url(key, p.entry_path), "kind": p.entry_kind}
            for key, p in self.publishers.items()
        }

    @property
    def named_sources(self) -> dict[str, dict[str, str]]:
        """Like ``sources``, on each publisher's own domain (``http://DOMAIN/...``): the same
        URLs from one start to the next, reached through ``routes``."""
        return {
            key: {"url": f"http://{p.site.domain}{p.entry_path}", "kind": p.entry_kind}
            for key, p in self.publishers.items()
        }

    @property
    def routes(self) -> dict[str, str]:
        """Each publisher's domain -> its running server, to send that domain's requests to."""
        return {p.site.domain: self.base(key) for key, p in self.publishers.items()}

    def base(self, publisher: str) -> str:
        """Root URL of a publisher's running server."""
        if publisher not in self._servers:
            if publisher not in self.publishers:
                raise KeyError(f"unknown publisher {publisher!r}")
            raise RuntimeError("DemoSites is not started")
        return self._servers[publisher].base

    def url(self, publisher: str, path: str) -> str:
        """Absolute URL of a path on a publisher's server."""
        return self.base(publisher) + (path if path.startswith("/") else f"/{path}")

    def respond(self, publisher: Publisher, target: str, base: str) -> Response:
        """The response to one request, already counted (a subclass may answer more paths)."""
        return respond(publisher, target, base)

    def count(self, publisher: str, path: str) -> int:
        """Record one request (called from server threads); return the path's count so far."""
        with self._lock:
            self._requests[(publisher, path)] += 1
            self._log.append(Hit(time.monotonic(), publisher, path))
            return self._requests[(publisher, path)]

    def log_status(self, publisher: str, path: str, status: int) -> None:
        """Attach the answered status to the newest logged request of the path."""
        with self._lock:
            for number in range(len(self._log) - 1, -1, -1):
                hit = self._log[number]
                if hit.publisher == publisher and hit.path == path and hit.status is None:
                    self._log[number] = Hit(hit.at, publisher, path, status)
                    return

    @property
    def log(self) -> list[Hit]:
        """Every request received, oldest first, with its monotonic arrival time and status."""
        with self._lock:
            return list(self._log)

    @property
    def requests(self) -> Counter[tuple[str, str]]:
        """Snapshot of (publisher, path incl. query) -> number of requests received."""
        with self._lock:
            return Counter(self._requests)

    def reset_requests(self) -> None:
        """Forget every request counted so far."""
        with self._lock:
            self._requests.clear()
            self._log.clear()

    def articles(self) -> list[FixtureArticle]:
        """Ground truth of every article page served."""
        return [a for p in self.publishers.values() for a in p.articles()]

    def broken(self) -> list[BrokenLink]:
        """Deliberately broken or robots-disallowed URLs the publishers link to."""
        return [b for p in self.publishers.values() for b in p.broken()]
