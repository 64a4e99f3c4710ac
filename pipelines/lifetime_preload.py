"""Loaded first by an extraction pool's forkserver: ties it to the crawl that started it."""

from pipelines.lifetime import tie_forkserver

tie_forkserver()
