"""Crawl workers on a PostgreSQL task queue (procrastinate): imported only in distributed mode."""
