"""Log lines for dropped items that name the URL and the reason, not the whole item."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.logformatter import LogFormatter, LogFormatterResult


class NewsfoldLogFormatter(LogFormatter):
    """Drops are expected (off-topic, broken pages) and already recorded: log them briefly."""

    def dropped(
        self, item: Any, exception: BaseException, response: Any, spider: Any = None
    ) -> LogFormatterResult:
        """One short line at INFO level; the store records the reason."""
        return {
            "level": logging.INFO,
            "msg": "dropped %(url)s: %(reason)s",
            "args": {"url": getattr(item, "url", "?"), "reason": exception},
        }
