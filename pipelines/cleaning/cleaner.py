"""Cleaning: remove the boilerplate trafilatura leaves in the text, recording each removal."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from config.schema import CLEAN_RULES, CleanConfig
from pipelines.cleaning import patterns as pat
from pipelines.cleaning.boilerplate import KnownTemplate, SiteLearner, site_key
from pipelines.extraction.lines import Line, text_lines

if TYPE_CHECKING:
    from pipelines.extraction.extractor import Page

# A short paragraph that is nearly all link text is a link to another article.
LINK_SHARE = 0.8
LINK_LINE_MAX = 200
# Lines a removed heading takes with it: headings and link lines up to this length.
BLOCK_LINE_MAX = 100


@dataclass(frozen=True)
class Cleaned:
    """A cleaned text and what was removed from it, by rule."""

    text: str
    removals: list[dict[str, str]]


@dataclass
class Context:
    """One article being cleaned: its lines, what is removed so far, and its metadata."""

    lines: list[Line]
    authors: Sequence[str]
    title: str
    site: str
    removed: dict[int, str]
    learner: SiteLearner | KnownTemplate | None = None
    bare: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.bare = [pat.bare(line.text) for line in self.lines]

    def live(self) -> list[int]:
        """Indexes of the lines still kept."""
        return [i for i in range(len(self.lines)) if i not in self.removed]

    def text(self, index: int) -> str:
        """The text of a line."""
        return self.lines[index].text


Rule = Callable[["Cleaner", Context], Iterable[int]]


class Cleaner:
    """Line rules for the boilerplate kinds trafilatura keeps inside article text."""

    RULES = CLEAN_RULES

    def __init__(
        self, config: CleanConfig | None = None, learner: SiteLearner | KnownTemplate | None = None
    ) -> None:
        disabled = set(config.disabled_rules if config else ())
        unknown = disabled - set(self.RULES)
        if unknown:
            raise ValueError(f"unknown clean rules {sorted(unknown)}; known: {list(self.RULES)}")
        self.enabled = [rule for rule in self.RULES if rule not in disabled]
        self.learner = learner

    def clean(
        self,
        text: str | Sequence[Line],
        authors: Sequence[str] = (),
        title: str = "",
        site: str = "",
        template: KnownTemplate | None = None,
    ) -> Cleaned:
        """Remove boilerplate lines (the site's template too); return the text and the removals."""
        lines = text_lines(text) if isinstance(text, str) else list(text)
        ctx = Context(lines, authors, title, site, {}, template or self.learner)
        prefixes = _strip_dateline(ctx) if "dateline" in self.enabled else []
        for rule in self.enabled:
            for index in RULE_FUNCTIONS[rule](self, ctx):
                ctx.removed.setdefault(index, rule)
        _orphan_headings(ctx)
        kept = [line.text for i, line in enumerate(ctx.lines) if i not in ctx.removed]
        removals = [{"rule": ctx.removed[i], "text": ctx.text(i)} for i in sorted(ctx.removed)]
        return Cleaned("\n".join(kept), prefixes + removals)

    def learned(self, ctx: Context) -> list[int]:
        """Lines the site's pages repeat: its template."""
        learner = ctx.learner
        if learner is None or not ctx.site:
            return []
        return [i for i in ctx.live() if learner.is_boilerplate(ctx.site, ctx.text(i))]


def _title_repeat(_: Cleaner, ctx: Context) -> list[int]:
    """The headline (or the part of the page title it is) repeated as one of the first lines."""
    title = pat.words(ctx.title)
    for index in ctx.live()[:3]:
        words = pat.words(ctx.text(index))
        if words and (words == title or (len(words) >= 10 and words in title)):
            return [index]
    return []


def _article_meta(_: Cleaner, ctx: Context) -> list[int]:
    """Date stamps, reading times and bylines printed around the story."""
    names = {a.casefold() for a in ctx.authors}
    live = ctx.live()
    edges = set(live[:4] + live[-4:])
    return [
        i
        for i in live
        if len(ctx.text(i)) <= 90
        and ctx.lines[i].kind != "item"
        and (pat.is_meta_line(ctx.text(i), i in edges, names) or pat.byline_of(ctx.text(i), names))
    ]


def _inline_teaser(_: Cleaner, ctx: Context) -> list[int]:
    """'Read more: <other headline>' lines inside the story."""
    return [i for i in ctx.live() if len(ctx.text(i)) <= 250 and pat.TEASER.match(ctx.text(i))]


def _related_link(_: Cleaner, ctx: Context) -> list[int]:
    """A short paragraph or heading that is almost all link text: a link to another article."""
    return [
        i
        for i in ctx.live()
        if ctx.lines[i].links >= LINK_SHARE
        and len(ctx.text(i)) <= LINK_LINE_MAX
        and ctx.lines[i].kind in ("p", "head")
        and pat.is_link_headline(ctx.text(i))
    ]


def _related_block(_: Cleaner, ctx: Context) -> list[int]:
    """A 'Related'/'Don't miss' heading and the headline links under it."""
    found: list[int] = []
    live = ctx.live()
    tail_start = len(live) * 2 // 3
    for pos, index in enumerate(live):
        if pat.RELATED_HEADING.match(ctx.text(index)):
            found += [index, *_block_after(ctx, live[pos + 1 :], at_tail=pos >= tail_start)]
    return found


def _pattern_rule(pattern: Any, max_len: int, search: bool = False) -> Rule:
    """A rule removing short lines a pattern matches (at their start, or anywhere)."""

    def rule(_: Cleaner, ctx: Context) -> list[int]:
        test = pattern.search if search else pattern.match
        return [
            i for i in ctx.live() if len(ctx.text(i)) <= max_len and test(pat.bare(ctx.text(i)))
        ]

    return rule


def _newsletter(_: Cleaner, ctx: Context) -> list[int]:
    """Newsletter and subscription prompts, with the short lines of their box."""
    found: list[int] = []
    live = ctx.live()
    for pos, index in enumerate(live):
        text, line = ctx.text(index), ctx.lines[index]
        if len(text) <= 200 and pat.NEWSLETTER_CUE.search(text):
            found.append(index)
            if pat.is_heading(line):
                found += _block_after(ctx, live[pos + 1 :])
        elif len(text) <= 80 and line.kind != "item" and pat.SUBSCRIBE_CUE.search(text):
            found.append(index)
    return found


def _disclaimer(_: Cleaner, ctx: Context) -> list[int]:
    """'Disclaimer: …' paragraphs and affiliate-link disclosures."""
    return [
        i
        for i in ctx.live()
        if (len(ctx.text(i)) <= 1000 and pat.DISCLAIMER.match(ctx.text(i)))
        or (len(ctx.text(i)) <= 400 and pat.AFFILIATE_CUE.search(ctx.text(i)))
    ]


def _comment_prompt(_: Cleaner, ctx: Context) -> list[int]:
    """'Comments', 'Leave a comment', 'Log in to comment' and the like."""
    return [
        i
        for i in ctx.live()
        if (len(ctx.text(i)) <= 80 and pat.COMMENTS.match(ctx.text(i)))
        or (len(ctx.text(i)) <= 200 and pat.COMMENT_CUE.search(ctx.text(i)))
    ]


def _tail_block(_: Cleaner, ctx: Context) -> list[int]:
    """ "Tags: …" lines, and a "Tags"/"About the author" heading with the short lines after it, in the last third."""
    live = ctx.live()
    tail = live[len(live) * 2 // 3 :]
    found = [i for i in tail if pat.TAGS_LINE.match(ctx.text(i))]
    for pos, index in enumerate(tail):
        if pat.TAIL_HEADING.match(ctx.text(index)):
            block = [index]
            for after in tail[pos + 1 :]:
                if len(ctx.text(after)) > 120:
                    break
                block.append(after)
            return found + block
    return found


def _author_bio(_: Cleaner, ctx: Context) -> list[int]:
    """A bio paragraph in the second half, and the author's name line just before it."""
    found: list[int] = []
    names = {a.casefold() for a in ctx.authors}
    live = ctx.live()
    tail = live[len(live) // 2 :] if len(live) > 3 else live
    for pos, index in enumerate(tail):
        line = ctx.text(index)
        after = ctx.text(tail[pos + 1]) if pos + 1 < len(tail) else ""
        if (
            line.casefold() in names
            or (pat.NAME_LINE.match(line) and pat.BIO.match(after))
            or (len(line) <= 700 and pat.BIO.match(line) and (found or pos >= len(tail) - 4))
        ):
            found.append(index)
    return found


def _source_credit(_: Cleaner, ctx: Context) -> list[int]:
    """'Source: …', 'Reporting by …', '… contributed to this report' in the last lines."""
    return [i for i in ctx.live()[-5:] if len(ctx.text(i)) <= 300 and pat.is_credit(ctx.text(i))]


def _summary_list(_: Cleaner, ctx: Context) -> list[int]:
    """A 'Key takeaways' heading and the bullets under it, before the story."""
    # A box the page's markup names a summary is removed before extraction, under this rule.
    live = ctx.live()
    for pos, index in enumerate(live[:5]):
        if pat.SUMMARY_HEADING.match(ctx.text(index)):
            run = []
            for after in live[pos + 1 :]:
                if not (pat.BULLET.match(ctx.text(after)) or ctx.lines[after].kind == "item"):
                    break
                run.append(after)
            return [index, *run] if len(run) >= 2 else []
    return []


def _block_after(ctx: Context, following: Sequence[int], at_tail: bool = False) -> list[int]:
    """The lines under a block's heading: headings and links, or (at the tail) short lines."""
    block = []
    for index in following:
        line = ctx.lines[index]
        if len(line.text) > BLOCK_LINE_MAX:
            break
        if not at_tail and not (line.kind in ("head", "item") or line.links >= 0.5):
            break
        block.append(index)
    return block


def _orphan_headings(ctx: Context) -> None:
    """Remove a heading whose section was all removed, under the rule that removed it."""
    headings = [
        i
        for i, line in enumerate(ctx.lines)
        if i not in ctx.removed and line.kind == "head" and len(line.text) <= 80
    ]
    for pos, index in enumerate(headings):
        end = headings[pos + 1] if pos + 1 < len(headings) else len(ctx.lines)
        section = range(index + 1, end)
        if section and all(i in ctx.removed for i in section):
            ctx.removed[index] = ctx.removed[index + 1]


def _strip_dateline(ctx: Context) -> list[dict[str, str]]:
    """Cut a wire dateline off the first story line (in place); return the removal."""
    for index, line in enumerate(ctx.lines[:3]):
        if not line.text or line.text == ctx.title.strip():
            continue
        match = pat.DATELINE.match(line.text)
        if match and len(line.text) > match.end():
            ctx.lines[index] = Line(line.text[match.end() :], line.kind, line.links)
            return [{"rule": "dateline", "text": match.group(0).strip()}]
        return []
    return []


RULE_FUNCTIONS: dict[str, Rule] = {
    "title-repeat": _title_repeat,
    "dateline": lambda _, ctx: [],  # a prefix, not a line: handled by _strip_dateline
    "article-meta": _article_meta,
    "inline-teaser": _inline_teaser,
    "related-link": _related_link,
    "related-block": _related_block,
    "disclaimer": _disclaimer,
    "share-prompt": _pattern_rule(pat.SHARE, 80),
    "newsletter": _newsletter,
    "cookie-notice": _pattern_rule(pat.COOKIE_CUE, 300, search=True),
    "comment-prompt": _comment_prompt,
    "support-prompt": _pattern_rule(pat.SUPPORT_CUE, 400, search=True),
    "paywall": _pattern_rule(pat.PAYWALL, 200),
    "image-credit": _pattern_rule(pat.IMAGE_CREDIT_CUE, 120, search=True),
    "placeholder": _pattern_rule(pat.PLACEHOLDER, 80),
    "contact-line": _pattern_rule(pat.CONTACT_CUE, 250, search=True),
    "copyright": _pattern_rule(pat.COPYRIGHT_CUE, 250, search=True),
    "tail-block": _tail_block,
    "author-bio": _author_bio,
    "source-credit": _source_credit,
    "summary-list": _summary_list,
    "learned-block": Cleaner.learned,
}


def site_learner(config: CleanConfig) -> SiteLearner:
    """An empty site learner with the configured thresholds."""
    return SiteLearner(min_pages=config.learn_min_pages, share=config.learn_share)


def clean_together(pages: Sequence[Page], learner: SiteLearner, cleaner: Cleaner) -> list[Cleaned]:
    """Clean pages given together: first each site's pages teach ``learner`` its template."""
    for page in pages:
        learner.observe(site_key(page.url), (line.text for line in page.lines))
    return [cleaner.clean(p.lines, p.authors, p.title, site_key(p.url)) for p in pages]
