"""Tables newsfold prints: a run's summary."""

from __future__ import annotations

from rich.table import Table

SUMMARY_COLUMNS = (
    ("fetched", "fetched"),
    ("stored", "stored"),
    ("copies", "copies"),
    ("stories", "stories"),
    ("off-topic", "offtopic"),
    ("empty", "empty"),
    ("errors", "errors"),
    ("known", "known"),
    ("304", "not_modified"),
    ("not due", "not_due"),
    ("refused", "refused"),
    ("busy", "busy"),
)


def summary_table(counts: dict[str, dict[str, int]], title: str = "newsfold run") -> Table:
    """One row per source and a total row."""
    table = Table(
        title=title,
        caption=(
            "fetched: pages; stored: new articles; copies: folded into one; empty: nothing left "
            "after cleaning; known: fetched before; 304: source unchanged; not due: polled later; "
            "busy: its site was being crawled by another process"
        ),
    )
    table.add_column("source", no_wrap=True)
    for label, _ in SUMMARY_COLUMNS:
        table.add_column(label, justify="right")
    totals = dict.fromkeys((key for _, key in SUMMARY_COLUMNS), 0)
    for source, row in sorted(counts.items()):
        table.add_row(source, *(str(row.get(key, 0)) for _, key in SUMMARY_COLUMNS))
        for _, key in SUMMARY_COLUMNS:
            totals[key] += row.get(key, 0)
    table.add_section()
    table.add_row("total", *(str(totals[key]) for _, key in SUMMARY_COLUMNS), style="bold")
    return table
