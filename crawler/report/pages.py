"""The report's HTML pages: the story index with its charts and source health, a page per story.

Everything from the web (headlines, site names, URLs) is escaped; a URL becomes a link only when
it is http(s). Each page names its style sheet and script by relative path and forbids, by its
Content-Security-Policy, loading anything else: the report opens from disk and fetches nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from crawler.report import svg
from crawler.report.svg import esc, short_time

CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
    "form-action 'none'; base-uri 'none'"
)
# Organisations drawn as series of the chart by organisation; the others are left out of it.
TOP_ORGANISATIONS = 8
NO_EVENT = "no event found"


@dataclass
class StoryPage:
    """A story as the report shows it: its summary row and its timeline."""

    summary: dict[str, Any]
    events: list[dict[str, Any]]

    @property
    def sites(self) -> list[str]:
        """The sites that ran the story, first publisher first."""
        return list(dict.fromkeys(e["site"] for e in self.events))

    @property
    def organisations(self) -> list[str]:
        """The organisations the story's articles name, those named by most first."""
        return list(self.summary.get("organisations") or [])

    @property
    def event_types(self) -> list[str]:
        """The kinds of event its articles report, as stored (``compute_deal``)."""
        return list(self.summary.get("events") or [])


def event_name(kind: str) -> str:
    """An event type as people read it: ``compute deal``."""
    return kind.replace("_", " ")


def top_organisations(stories: Sequence[StoryPage]) -> list[str]:
    """The organisations named by most stories, ties by name."""
    counts = Counter(org for s in stories for org in s.organisations)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0].lower()))
    return [name for name, _ in ranked[:TOP_ORGANISATIONS]]


def href(url: str | None) -> str | None:
    """A URL fit for an href, escaped, or None when it is not http(s)."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return esc(url.strip())


def link(url: str | None, text: str) -> str:
    """An outbound link to a web page, or the text alone when the URL is not http(s)."""
    target = href(url)
    if target is None:
        return esc(text)
    return f'<a href="{target}" rel="noopener noreferrer nofollow">{esc(text)}</a>'


def page(title: str, root: str, body: str, generated: str) -> str:
    """A whole HTML document around a body; ``root`` leads back to the report's folder."""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<link rel="stylesheet" href="{root}report.css">
<script src="{root}report.js" defer></script>
</head>
<body>
{body}
<footer>newsfold report, generated {esc(generated)} UTC. Times are UTC.</footer>
</body>
</html>
"""


def index_page(
    stories: Sequence[StoryPage], sources: Sequence[dict[str, Any]], since: str | None, now: str
) -> str:
    """The front page: counts, charts, the filterable story index and source health."""
    sightings = sum(s.summary["sightings"] for s in stories)
    scope = f" published since {short_time(since)}" if since else ""
    body = [
        "<header><h1>newsfold report</h1>",
        f'<p class="meta">{len(stories)} stories{esc(scope)}, {sightings} sightings, '
        f"{len({site for s in stories for site in s.sites})} outlets</p>",
        '<nav><a href="#charts">Charts</a> <a href="#stories">Stories</a> '
        '<a href="#sources">Sources</a></nav></header>',
        charts(stories),
        story_index(stories),
        source_table(sources),
    ]
    return page("newsfold report", "", "\n".join(body), now)


def charts(stories: Sequence[StoryPage]) -> str:
    """Stories per day, in all, by event type and by the organisations most named.

    A story counts on the day of its first publication (else the day it was first seen), and
    under each event type and each of the top organisations it names.
    """
    dated = [s for s in stories if s.summary["day"]]
    kinds = Counter(kind for s in dated for kind in s.event_types)
    by_event = [
        (s.summary["day"], event_name(kind)) for s in dated for kind in s.event_types or [""]
    ]
    by_event = [(day, kind or NO_EVENT) for day, kind in by_event]
    event_order = [event_name(k) for k, _ in sorted(kinds.items(), key=lambda i: (-i[1], i[0]))]
    top = top_organisations(dated)
    by_org = [(s.summary["day"], org) for s in dated for org in s.organisations if org in top]
    days = [(s.summary["day"], "stories") for s in dated]
    order = [*event_order, NO_EVENT]
    return f"""<section id="charts"><h2>Stories per day</h2>
<p>On the day of each story's first publication (else the day it was first seen).</p>
{svg.day_chart("chart-days", days, "stories per day")}
<h3>By event type</h3>
<p>A story counts under every kind of event its articles report.</p>
{svg.day_chart("chart-events", by_event, "stories per day by event type", order, NO_EVENT)}
<h3>By organisation</h3>
<p>The {len(top)} organisations named by most stories; a story counts under each it names.</p>
{svg.day_chart("chart-orgs", by_org, "stories per day by organisation", top)}
</section>"""


def story_index(stories: Sequence[StoryPage]) -> str:
    """The story table with its filters (report.js hides the rows that do not match)."""
    sites = sorted({site for s in stories for site in s.sites}, key=str.lower)
    orgs = sorted({org for s in stories for org in s.organisations}, key=str.lower)
    kinds = sorted({kind for s in stories for kind in s.event_types})
    rows = []
    for story in stories:
        s = story.summary
        text = " ".join([s["title"], *story.sites]).lower()
        rows.append(
            f'<tr class="story" data-story="{s["story_id"]}" data-text="{esc(text)}" '
            f'data-sites="{esc(json.dumps(story.sites))}" '
            f'data-orgs="{esc(json.dumps(story.organisations))}" '
            f'data-events="{esc(json.dumps(story.event_types))}">'
            f'<td class="when">{short_time(s["first_published"])}</td>'
            f"<td>{esc(s['first_site'])}</td>"
            f'<td><a href="stories/{s["story_id"]}.html">{esc(s["title"])}</a></td>'
            f'<td class="num">{s["outlets"]}</td><td class="num">{s["articles"]}</td>'
            f'<td class="num">{s["sightings"]}</td>'
            f"<td>{_names(story.organisations, 3)}</td>"
            f"<td>{_names([event_name(k) for k in story.event_types], 4)}</td></tr>"
        )
    return f"""<section id="stories"><h2>Stories</h2>
<form class="filters" role="search">
<label>Filter <input type="search" id="filter-text" placeholder="words in headlines or sites" autocomplete="off"></label>
<label>Site {_select("filter-site", "sites", "all sites", [(s, s) for s in sites])}</label>
<label>Organisation {_select("filter-org", "orgs", "any", [(o, o) for o in orgs])}</label>
<label>Event {_select("filter-event", "events", "any", [(k, event_name(k)) for k in kinds])}</label>
<output id="shown" aria-live="polite">{len(stories)} of {len(stories)} stories</output>
</form>
<table id="story-table">
<thead><tr><th>first published</th><th>first site</th><th>headline</th><th>outlets</th><th>articles</th><th>sightings</th><th>organisations</th><th>events</th></tr></thead>
<tbody>
{"".join(rows) or '<tr><td colspan="8">No stories in this period.</td></tr>'}
</tbody>
</table>
<p id="no-match" class="empty" hidden>No story matches these filters.</p>
</section>"""


def _select(element_id: str, data: str, anything: str, options: Sequence[tuple[str, str]]) -> str:
    """A filter's drop-down: report.js keeps the rows whose ``data-`` list holds its value."""
    items = "".join(f'<option value="{esc(v)}">{esc(label)}</option>' for v, label in options)
    return (
        f'<select id="{element_id}" data-filter="{data}">'
        f'<option value="">{esc(anything)}</option>{items}</select>'
    )


def _names(names: Sequence[str], shown: int) -> str:
    """The first few of a list of names, and how many more."""
    more = f' <span class="more">+{len(names) - shown}</span>' if len(names) > shown else ""
    return esc(", ".join(names[:shown])) + more


def source_table(sources: Sequence[dict[str, Any]]) -> str:
    """Each source's health, as ``newsfold sources`` tells it."""
    rows = []
    for row in sources:
        why = row["reason"] or (row.get("last_error") if row.get("consecutive_failures") else "")
        state = row["state"]
        rows.append(
            f'<tr class="source state-{esc(state.replace(" ", "-"))}">'
            f"<td>{link(row.get('url'), row['source'])}</td><td>{esc(row['kind'])}</td>"
            f'<td>{esc(row["group"])}</td><td><span class="state">{esc(state)}</span></td>'
            f"<td>{short_time(row.get('last_success'))}</td>"
            f'<td class="num">{row.get("consecutive_failures", "")}</td>'
            f"<td>{short_time(row.get('last_article'))}</td><td>{esc(why or '')}</td></tr>"
        )
    return f"""<section id="sources"><h2>Sources</h2>
<p>Each source's health after the runs that reached it: failures are runs in a row.</p>
<table id="source-table">
<thead><tr><th>source</th><th>kind</th><th>group</th><th>state</th><th>last success</th><th>failures</th><th>last article</th><th>why</th></tr></thead>
<tbody>
{"".join(rows)}
</tbody>
</table>
</section>"""


def story_page(story: StoryPage, now: str) -> str:
    """A story's page: its timeline on a time axis, who copied whom, every sighting."""
    s = story.summary
    rows = []
    for event in story.events:
        role = f"copy of {event['copy_of']}" if event["role"] == "copy" else event["role"]
        when = short_time(event["published"]) or f"(seen {short_time(event['first_seen'])})"
        rows.append(
            f'<tr class="sighting role-{event["role"]}"><td class="when">{when}</td><td>{esc(event["site"])}</td>'
            f"<td>{esc(role)}</td><td>{link(event['url'], event['title'] or event['url'])}</td></tr>"
        )
    body = f"""<header><p><a href="../index.html#stories">← all stories</a></p>
<h1>{esc(s["title"])}</h1>
<p class="meta">First published by <strong>{esc(s["first_site"])}</strong> at
{short_time(s["first_published"]) or "an unknown time"}; {s["outlets"]} outlet(s),
{s["articles"]} article(s), {s["sightings"]} sighting(s). Story {s["story_id"]}.</p>
<p class="meta">Organisations: {esc(", ".join(story.organisations)) or "none found"}.<br>
Events: {esc(", ".join(event_name(k) for k in story.event_types)) or "none found"}.</p></header>
<section id="timeline"><h2>Timeline</h2>
{svg.legend()}
{svg.timeline(story.events)}
</section>
<section id="graph"><h2>Who copied whom</h2>
<p>Arrows point from a copy to the article it copies, and from a rewrite to the story's first
publication.</p>
{svg.copy_graph(story.events)}
</section>
<section id="sightings"><h2>Sightings</h2>
<table><thead><tr><th>published</th><th>site</th><th>role</th><th>headline</th></tr></thead>
<tbody>
{"".join(rows)}
</tbody></table>
</section>"""
    return page(s["title"], "../", body, now)
