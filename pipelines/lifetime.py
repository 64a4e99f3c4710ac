"""Helper processes that die with the process that started them, however it dies."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import sys

logger = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # linux/prctl.h
# The pid of the crawl that starts an extraction pool, and of the pool's forkserver: each
# process of the pool checks that the one it is tied to is still its parent once tied.
POOL_PARENT_ENV = "NEWSFOLD_POOL_PARENT"
FORKSERVER_ENV = "NEWSFOLD_POOL_FORKSERVER"


def die_with_parent(parent: int) -> bool:
    """Have Linux SIGKILL this process when ``parent``, its parent, ends.

    A parent that ended before the request took effect ends this process at once. False where
    the request cannot be made (not Linux).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        tied = libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        tied = False
    if not tied:
        logger.warning("pid %d cannot be tied to its parent: it may outlive it", os.getpid())
        return False
    if os.getppid() != parent:
        os._exit(1)  # the parent is gone already: nothing is left to do
    return True


def tie_forkserver() -> None:
    """Tie a pool's forkserver to the crawl that started it; its workers will tie to it."""
    crawl = os.environ.get(POOL_PARENT_ENV)
    if crawl and crawl.isdigit():
        os.environ[FORKSERVER_ENV] = str(os.getpid())
        die_with_parent(int(crawl))


def tie_worker() -> None:
    """Tie a pool worker to the forkserver it was forked from."""
    forkserver = os.environ.get(FORKSERVER_ENV)
    if forkserver and forkserver.isdigit():
        die_with_parent(int(forkserver))
