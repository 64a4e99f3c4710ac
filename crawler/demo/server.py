"""Serve the bundled fixture publishers over real HTTP on the loopback interface."""

from __future__ import annotations

import struct
import sys
import threading
import zlib
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import MappingProxyType
from typing import Any, cast
from urllib.parse import urlsplit

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
from crawler.demo.templates import error_page, listing_page

HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
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


def respond(publisher: Publisher, target: str, base: str) -> Response:
    """Answer a request target (path plus optional query) on a server rooted at base."""
    path = urlsplit(target).path or "/"
    if path == "/robots.txt":
        body = "\n".join(publisher.robots).replace("{base}", base) + "\n"
        return Response(200, TEXT, body.encode())
    kind = publisher.endpoints.get(path, "section" if path == "/" else "")
    if kind in CONTENT_TYPES:
        return Response(200, CONTENT_TYPES[kind], publisher.document(kind, path, base).encode())
    if kind == "section":
        pages = [p.listed() for p in publisher.pages if path != "/" or p.kind == "article"]
        heading = path.strip("/").upper() or "Latest"
        return Response(
            200, HTML, listing_page(publisher.site, base, path, heading, pages).encode()
        )
    page = publisher.by_path.get(path)
    if page is None:
        return Response(404, HTML, error_page(publisher.site, base, 404).encode())
    return page_response(publisher, page, base)


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
        server.sites.count(server.publisher.key, self.path)
        response = respond(server.publisher, self.path, server.base)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
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

    def count(self, publisher: str, path: str) -> None:
        """Record one request (called from server threads)."""
        with self._lock:
            self._requests[(publisher, path)] += 1

    @property
    def requests(self) -> Counter[tuple[str, str]]:
        """Snapshot of (publisher, path incl. query) -> number of requests received."""
        with self._lock:
            return Counter(self._requests)

    def reset_requests(self) -> None:
        """Forget every request counted so far."""
        with self._lock:
            self._requests.clear()

    def articles(self) -> list[FixtureArticle]:
        """Ground truth of every article page served."""
        return [a for p in self.publishers.values() for a in p.articles()]

    def broken(self) -> list[BrokenLink]:
        """Deliberately broken or robots-disallowed URLs the publishers link to."""
        return [b for p in self.publishers.values() for b in p.broken()]
