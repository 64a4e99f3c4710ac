"""Clean stage: remove the boilerplate trafilatura leaves in the text, recording each removal."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DropItem

from config.schema import CleanConfig

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

_I = re.IGNORECASE
TEASER = re.compile(
    r"^(?:read more|read also|also read|see also|related(?: article| story| reading)?|"
    r"recommended(?: reading)?|must read|don'?t miss|more from [\w ]{1,40}|related coverage|"
    r"read next|next read|you might also like|you may also like|continue reading)\s*[:：|–—>»-]\s*\S",
    _I,
)
CREDIT = re.compile(
    r"^(?:source|sources|via|credit|credits|image credit|photo credit|with inputs from|"
    r"\(with inputs from|reporting by|additional reporting by|editing by)\b[\s:]+\S.{0,120}$",
    _I,
)
DISCLAIMER = re.compile(r"^(?:disclaimer|disclosure|legal disclaimer)\b\s*[.:–—-]", _I)
SHARE = re.compile(
    r"^(?:share(?: this)?(?: article| story| post| page)?(?: link)?(?: on [\w ]{1,30})?|"
    r"share via\b.{0,40}|click to share.{0,60}|tweet this|copy link|follow us on .{1,60}|"
    r"(?:facebook|twitter|x|linkedin|whatsapp|email|reddit|telegram)(?:\s*[|/·,]\s*\w+){1,8})\s*[:.!]?$",
    _I,
)
NEWSLETTER = re.compile(
    r"\b(?:subscribe to|sign up for|sign up to|newsletter|in your inbox|delivered to your inbox|"
    r"get daily updates|stay on top of|join \d[\d,]* (?:readers|subscribers)|subscribe now)\b",
    _I,
)
COOKIE = re.compile(r"\b(?:cookies?|cookie policy|accept all|privacy settings)\b", _I)
TAIL_HEADING = re.compile(
    r"^(?:related(?: news| articles| stories| posts| content| coverage)?|more (?:stories|news|"
    r"from \S.{0,30})|most (?:read|popular|viewed)|trending(?: now)?|popular (?:now|posts)|"
    r"recommended(?: for you)?|you (?:may|might) also like|read next|latest (?:news|stories)|"
    r"tags?|topics?|filed under|about the author)\s*:?$",
    _I,
)
PLACEHOLDER = re.compile(r"^(?:loading\b.{0,60}\.{3}|advertisement|sponsored|ad)$", _I)
BIO = re.compile(
    r"^[A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+){0,3} (?:is|was|has been|covers|writes|joined)\b.{0,600}?"
    r"\b(?:writer|journalist|reporter|editor|correspondent|analyst|contributor|author|columnist|"
    r"professional|covers|based in|graduate|veteran|enthusiast)\b",
)
NAME_LINE = re.compile(r"^[A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+){0,3}$")
SUMMARY_HEADING = re.compile(
    r"^(?:key (?:takeaways|points|facts)|highlights|in brief|summary|tl;? ?dr|at a glance|"
    r"what to know|the big picture|in short)\s*:?$",
    _I,
)
# A wire dateline opening the story: "SAN FRANCISCO, Nov 17 (Compute Wire) —", "(Reuters) -".
DATELINE = re.compile(
    r"^(?:[A-Z][A-Z .'-]{1,40}(?:, [A-Z][\w.' -]{1,30})*,?\s+(?:[A-Z][a-z]{2,8}\.? \d{1,2}\s+)?)?"
    r"\([A-Z][\w .&'-]{1,40}\)\s*[-—–]+\s*"
)
BULLET = re.compile(r"^\s*(?:[-•*▪◦●]|\d{1,2}[.)])\s+\S")

Rule = Callable[[list[str], list[int]], None]


@dataclass(frozen=True)
class Cleaned:
    """A cleaned text and what was removed from it, by rule."""

    text: str
    removals: list[dict[str, str]]


class Cleaner:
    """Line rules for the boilerplate kinds trafilatura keeps inside article text."""

    RULES = (
        "title-repeat",
        "dateline",
        "inline-teaser",
        "disclaimer",
        "share-prompt",
        "newsletter",
        "cookie-notice",
        "placeholder",
        "tail-block",
        "author-bio",
        "source-credit",
        "summary-list",
    )

    def __init__(self, config: CleanConfig | None = None) -> None:
        disabled = set(config.disabled_rules if config else ())
        unknown = disabled - set(self.RULES)
        if unknown:
            raise ValueError(f"unknown clean rules {sorted(unknown)}; known: {list(self.RULES)}")
        self.enabled = [rule for rule in self.RULES if rule not in disabled]

    def clean(self, text: str, authors: Sequence[str] = (), title: str = "") -> Cleaned:
        """Remove boilerplate lines; return the text and the removals."""
        lines = [line.strip() for line in text.splitlines()]
        removed: dict[int, str] = {}
        prefixes: list[dict[str, str]] = []
        if "dateline" in self.enabled:
            prefixes = _strip_dateline(lines, title)
        for rule in self.enabled:
            for index in self._match(rule, lines, removed, authors, title):
                removed.setdefault(index, rule)
        kept = [line for i, line in enumerate(lines) if i not in removed and line]
        removals = [{"rule": removed[i], "text": lines[i]} for i in sorted(removed) if lines[i]]
        return Cleaned("\n".join(kept), prefixes + removals)

    def _match(
        self,
        rule: str,
        lines: list[str],
        removed: dict[int, str],
        authors: Sequence[str],
        title: str,
    ) -> list[int]:
        """Indexes of the lines a rule removes."""
        live = [i for i in range(len(lines)) if i not in removed and lines[i]]
        if rule == "title-repeat":
            # The headline is stored as the title; repeated as the first line it is not body.
            same = live and title and " ".join(lines[live[0]].split()) == " ".join(title.split())
            return live[:1] if same else []
        if rule == "inline-teaser":
            return [i for i in live if len(lines[i]) <= 250 and TEASER.match(lines[i])]
        if rule == "disclaimer":
            return [i for i in live if DISCLAIMER.match(lines[i])]
        if rule == "share-prompt":
            return [i for i in live if len(lines[i]) <= 80 and SHARE.match(lines[i])]
        if rule == "newsletter":
            return [i for i in live if len(lines[i]) <= 200 and NEWSLETTER.search(lines[i])]
        if rule == "cookie-notice":
            return [i for i in live if len(lines[i]) <= 300 and COOKIE.search(lines[i])]
        if rule == "placeholder":
            return [i for i in live if PLACEHOLDER.match(lines[i])]
        if rule == "tail-block":
            return _tail_block(lines, live)
        if rule == "author-bio":
            return _author_bio(lines, live, authors)
        if rule == "source-credit":
            return [i for i in live[-5:] if CREDIT.match(lines[i])]
        if rule == "summary-list":
            return _summary_list(lines, live)
        if rule == "dateline":
            return []  # a prefix, not a line: handled by _strip_dateline
        raise ValueError(rule)


def _tail_block(lines: list[str], live: list[int]) -> list[int]:
    """A 'Related'/'Most read' heading in the last third, and the short lines after it."""
    start = len(live) * 2 // 3
    for pos in range(start, len(live)):
        if TAIL_HEADING.match(lines[live[pos]]):
            block = [live[pos]]
            for index in live[pos + 1 :]:
                if len(lines[index]) > 120:
                    break
                block.append(index)
            return block
    return []


def _author_bio(lines: list[str], live: list[int], authors: Sequence[str]) -> list[int]:
    """A bio paragraph in the tail, and the author's name line just before it."""
    found: list[int] = []
    names = {a.casefold() for a in authors}
    tail = live[len(live) * 2 // 3 :] if len(live) > 3 else live
    for pos, index in enumerate(tail):
        line = lines[index]
        if (
            line.casefold() in names
            or (NAME_LINE.match(line) and pos + 1 < len(tail) and BIO.match(lines[tail[pos + 1]]))
            or (len(line) <= 700 and BIO.match(line) and (found or pos >= len(tail) - 4))
        ):
            found.append(index)
    return found


def _summary_list(lines: list[str], live: list[int]) -> list[int]:
    """A bullet summary (two or more items, maybe under a heading) before the story."""
    run: list[int] = []
    heading: list[int] = []
    for index in live:
        if BULLET.match(lines[index]):
            run.append(index)
        elif not run and SUMMARY_HEADING.match(lines[index]):
            heading = [index]
        elif run or len(lines[index]) > 150:
            break
    return heading + run if len(run) >= 2 else []


def _strip_dateline(lines: list[str], title: str) -> list[dict[str, str]]:
    """Cut a wire dateline off the first story line (in place); return the removal."""
    for index, line in enumerate(lines[:3]):
        if not line or line == title.strip():
            continue
        match = DATELINE.match(line)
        if match and len(line) > match.end():
            lines[index] = line[match.end() :]
            return [{"rule": "dateline", "text": match.group(0).strip()}]
        return []
    return []


class CleanPipeline:
    """Applies the Cleaner to each extracted page."""

    def __init__(self, crawler: Crawler, cleaner: Cleaner) -> None:
        self.crawler = crawler
        self.cleaner = cleaner

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CleanPipeline:
        """Build the stage from the run's [clean] config."""
        config = crawler.spider.context.config.clean  # type: ignore[union-attr]
        return cls(crawler, Cleaner(config))

    def process_item(self, item: Any) -> Any:
        """Replace the page text with its cleaned text; keep the removals."""
        stats = self.crawler.stats
        assert stats is not None
        cleaned = self.cleaner.clean(item.page.text, item.page.authors, item.page.title)
        for removal in cleaned.removals:
            stats.inc_value(f"clean/{removal['rule']}")
        if not cleaned.text.strip():
            stats.inc_value("clean/empty")
            raise DropItem("clean: nothing left after removing boilerplate")
        item.page.text = cleaned.text
        item.removals = cleaned.removals
        return item
