"""The leader lock of `newsfold serve` in distributed mode: one service defers, others stand by."""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

from crawler.distributed.queue import LEADER_LOCK, SCHEMA_KEY
from storage import StorageError

logger = logging.getLogger(__name__)


class LeaderLock:
    """A session advisory lock on a connection of its own; lost with the session, or the process."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.name = f"newsfold serve pid {os.getpid()} on {socket.gethostname()}"
        self.conn: Any = None
        self.leading = False

    def holds(self) -> bool:
        """Whether this service leads, trying to become the leader if it does not."""
        from storage.postgres import connect

        try:
            if self.conn is not None and (self.conn.closed or self.conn.broken):
                logger.warning("lost the connection that held the leader lock")
                self.conn = None
            if self.conn is None:
                self.conn = connect(self.url, self.name)
                self.leading = False
            if not self.leading:
                self.leading = bool(
                    self.conn.execute(
                        f"SELECT pg_try_advisory_lock(%s, {SCHEMA_KEY}) AS got", (LEADER_LOCK,)
                    ).fetchone()["got"]
                )
                if self.leading:
                    logger.info("this service is the leader: it defers the due sites' polls")
            else:
                self.conn.execute("SELECT 1")  # a dead connection shows here, not at the next lock
        except StorageError as exc:
            logger.warning("cannot reach the store for the leader lock: %s", exc)
            self.close()
        except Exception as exc:  # psycopg's own, on a connection that broke just now
            logger.warning("the leader lock's connection failed: %s", exc)
            self.close()
        return self.conn is not None and self.leading

    def close(self) -> None:
        """Give the lock up (ending the session)."""
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None
                self.leading = False
