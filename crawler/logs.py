"""Log lines as one JSON object each, with the run they belong to (`[crawl] log_format`)."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, run_id (and the traceback)."""

    def __init__(self, run_id: int | None = None) -> None:
        super().__init__()
        self.run_id = run_id

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line."""
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "run_id": self.run_id,
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def json_handler(level: str | int, run_id: int | None = None) -> logging.Handler:
    """A stderr handler writing JSON lines at ``level``, installed on the root logger."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(run_id))
    handler.setLevel(level)
    root = logging.getLogger()
    root.addHandler(handler)
    logging.captureWarnings(True)  # a library's warning is a line of JSON too
    root.setLevel(min(root.level or logging.WARNING, handler.level))
    return handler


def service_logging(log_format: str) -> None:
    """A service's log lines on stderr (text or JSON lines); APScheduler's only for errors."""
    if log_format == "json":
        json_handler(logging.INFO)
    else:
        logging.basicConfig(
            level=logging.INFO,
            stream=sys.stderr,
            format="%(asctime)s [%(name)s] %(levelname)s: %(message)s",
        )
    # Skipped and missed runs are logged by the service itself, with the group and the reason.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
