"""Page markup fixed before extraction: boilerplate boxes removed (each removal recorded), quoted posts unwrapped."""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml.etree import XPath
from lxml.html import HtmlElement

# A bullet box that sums the story up ("Key takeaways"): a list classed "summary", or any
# container with a takeaways-style name. A <div class="summary"> is often the standfirst,
# which is part of the story, so it is left alone.
_BOX_TAGS = ("ul", "ol", "div", "section", "aside")
_HINTS = ("ummar", "akeaway", "ey-point", "eypoint", "tldr", "tl-dr", "ighlights")
_SUMMARY_LIST = re.compile(r"(?:^|\s)summary(?:\s|$)", re.I)
_SUMMARY_NAME = re.compile(
    r"(?:^|[\s_-])(?:key-?takeaways?|takeaways|key-?points|tl-?dr|story-highlights)(?:$|[\s_-])",
    re.I,
)


def summary_boxes(tree: HtmlElement) -> list[HtmlElement]:
    """The page's summary boxes, outermost first."""
    found = []
    for element in tree.iter(_BOX_TAGS):
        cls, ident = element.get("class") or "", element.get("id") or ""
        if not any(hint in cls or hint in ident for hint in _HINTS):
            continue  # a cheap test first: most pages have no such box
        if (
            (element.tag in ("ul", "ol") and _SUMMARY_LIST.search(cls))
            or _SUMMARY_NAME.search(cls)
            or _SUMMARY_NAME.search(ident)
        ):
            found.append(element)
    return found


RULES: dict[str, Callable[[HtmlElement], list[HtmlElement]]] = {"summary-list": summary_boxes}


def prune(tree: HtmlElement, disabled: frozenset[str] = frozenset()) -> list[dict[str, str]]:
    """Remove the containers of every enabled rule from the tree (in place); return the removals."""
    removals: list[dict[str, str]] = []
    for rule, find in RULES.items():
        if rule in disabled:
            continue
        for element in find(tree):
            parent = element.getparent()
            if parent is None or element.getroottree().getroot() is not tree:
                continue  # the root itself, or inside a container removed already
            text = " ".join(" ".join(element.itertext()).split())
            _drop(element, parent)
            if text:
                removals.append({"rule": rule, "text": text})
    return removals


def _drop(element: HtmlElement, parent: HtmlElement) -> None:
    """Remove an element but keep the text that follows it."""
    tail = element.tail
    previous = element.getprevious()
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


EMBEDDED_POSTS = XPath(
    "//blockquote[contains(@class, 'twitter-tweet') or contains(@class, 'instagram-media')"
    " or contains(@class, 'bluesky-embed') or contains(@class, 'mastodon-embed')]"
)


def unwrap_embedded_posts(tree: HtmlElement) -> int:
    """Lift quoted social posts out of wrappers holding nothing else; return how many."""
    # trafilatura drops 'social'/'embed'/'widget' containers, and the quote with them.
    lifted = 0
    for quote in EMBEDDED_POSTS(tree):
        text = quote.text_content().split()
        wrapper = quote
        parent = quote.getparent()
        while (
            parent is not None
            and parent.getparent() is not None
            and parent.text_content().split() == text
        ):
            wrapper, parent = parent, parent.getparent()
        if wrapper is not quote and parent is not None:
            quote.tail = wrapper.tail
            parent.replace(wrapper, quote)
            lifted += 1
    return lifted
