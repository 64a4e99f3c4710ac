"""What one crawl run shares between the spider and the pipelines."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from config.schema import NewsfoldConfig, SourceConfig
from storage.base import Storage

logger = logging.getLogger(__name__)


@dataclass
class RunContext:
    """The config, store and run id of one crawl."""

    config: NewsfoldConfig
    storage: Storage
    run_id: int | None
    sources: dict[str, SourceConfig]

    def record_error(self, source: str, url: str, reason: str, status: int | None = None) -> None:
        """Record a failure of one URL; the run goes on."""
        logger.warning("%s: %s: %s", source, url, reason)
        self.storage.record_error(self.run_id, source, url, reason, status)
