"""What several tests share: fixture web sites on 127.0.0.1 and a look at processes in /proc."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TypeVar

Server = TypeVar("Server", bound=ThreadingHTTPServer)


class QuietHandler(BaseHTTPRequestHandler):
    """A route handler that answers in one call and logs nothing."""

    def answer(
        self,
        status: int,
        content_type: str,
        body: str | bytes,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Send a whole response; a client that hung up is no error of the site's."""
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def base_url(server: ThreadingHTTPServer) -> str:
    """A server's root URL."""
    return f"http://127.0.0.1:{server.server_address[1]}"


@contextlib.contextmanager
def serving(server: Server) -> Iterator[Server]:
    """Serve from a daemon thread until the block ends, then close the socket."""
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def loopback(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    """A server for ``handler`` on a free port of 127.0.0.1 (start it with ``serving``)."""
    return ThreadingHTTPServer(("127.0.0.1", 0), handler)


def _stats() -> Iterator[tuple[int, list[str]]]:
    """(pid, the fields of /proc/PID/stat after the command name) of every process."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            yield int(entry.name), fields


def group_members(pgid: int) -> list[int]:
    """The live processes of a process group (zombies, already dead, left out)."""
    return [pid for pid, f in _stats() if int(f[2]) == pgid and f[0] != "Z"]


def children_of(parent: int) -> list[int]:
    """The live processes whose parent is ``parent``."""
    return [pid for pid, f in _stats() if int(f[1]) == parent and f[0] != "Z"]


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
