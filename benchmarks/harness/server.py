"""A fixture HTTP server on 127.0.0.1 in a child process, answering from pre-rendered routes.

``python -m benchmarks.harness.server MODULE:FUNCTION FOLDER`` imports ``FUNCTION(folder, base)``,
which returns every path's complete response (see :func:`http_response`), serves them with
HTTP/1.1 keep-alive, prints ``{"port": N}`` and stops when its stdin closes.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from benchmarks.harness import procs


def http_response(body: bytes, content_type: str, status: str = "200 OK") -> bytes:
    """A complete HTTP/1.1 response, ready to send."""
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nCache-Control: no-cache\r\n\r\n"
    )
    return head.encode("ascii") + body


NOT_FOUND = http_response(b"not found", "text/plain", "404 Not Found")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    routes: dict[str, bytes]

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a client drops a connection."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        """Send the pre-rendered response."""
        routes = self.server.routes  # type: ignore[attr-defined]
        self.wfile.write(routes.get(self.path.split("?", 1)[0], NOT_FOUND))

    def log_message(self, format: str, *args: Any) -> None:
        """No access log."""


def stop_at_eof(server: _Server) -> None:
    """Stop serving once stdin closes: the parent is done, or gone."""
    sys.stdin.read()
    server.shutdown()


def serve(spec: str, folder: str) -> None:
    """Serve the routes ``spec`` renders for ``folder`` until stdin closes (child entry)."""
    module, _, function = spec.partition(":")
    render = getattr(importlib.import_module(module), function)
    server = _Server(("127.0.0.1", 0), _Handler)
    port = server.server_address[1]
    server.routes = render(Path(folder), f"http://127.0.0.1:{port}")
    threading.Thread(target=stop_at_eof, args=(server,), daemon=True).start()
    print(json.dumps({"port": port, "routes": len(server.routes)}), flush=True)
    server.serve_forever(poll_interval=0.2)


class PageServer:
    """The server as a child process of our own, ended with its process group on exit."""

    def __init__(self, spec: str, folder: Path) -> None:
        self.spec, self.folder = spec, folder
        self.proc: subprocess.Popen[str] | None = None
        self.base = ""

    def __enter__(self) -> PageServer:
        cmd = procs.python("benchmarks.harness.server", self.spec, str(self.folder))
        self.proc = procs.start(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.__exit__()
            raise RuntimeError("page server did not start")
        self.base = f"http://127.0.0.1:{json.loads(line)['port']}"
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is None:
            return
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            procs.kill_group(self.proc)


if __name__ == "__main__":
    serve(*sys.argv[1:3])
