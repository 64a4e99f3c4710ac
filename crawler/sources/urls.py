"""Article URLs as newsfold fetches and compares them: tracking, AMP and scheme variants folded."""

from __future__ import annotations

import re
from collections.abc import Iterable
from contextlib import suppress
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from courlan import normalize_url

# Query parameters that only say how a reader arrived: they never change the page.
TRACKING_PREFIXES = ("utm_", "mtm_", "pk_", "itm_", "hsa_", "at_", "oly_", "vero_", "__twitter")
TRACKING_NAMES = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "igshid",
        "igsh",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "ocid",
        "ncid",
        "cmpid",
        "intcmp",
        "ref_src",
        "ref_url",
        "smid",
        "smtyp",
        "sr_share",
        "xtor",
        "spm",
        "guccounter",
        "guce_referrer",
        "guce_referrer_sig",
        "fb_action_ids",
        "fb_action_types",
        "fb_ref",
        "fb_source",
        "wt_mc",
        "wt.mc_id",
        "s_cid",
    }
)
# Query parameters that ask for the AMP rendering of the same article.
AMP_PARAMS = frozenset({"amp", "_amp", "outputtype"})
_AMP_PATH = re.compile(r"/amp/?$|\.amp(?=(?:\.html?)?$)|^/amp(?=/)")


def is_tracking(name: str, extra: Iterable[str] = ()) -> bool:
    """Whether a query parameter only tracks the reader."""
    name = name.lower()
    return name in TRACKING_NAMES or name.startswith(TRACKING_PREFIXES) or name in extra


def request_url(url: str, extra: Iterable[str] = ()) -> str:
    """The URL to fetch: fragment and tracking parameters removed, everything else as listed."""
    parts = urlsplit(url.strip())
    extra = frozenset(name.lower() for name in extra)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if not is_tracking(k, extra)]
    query = parts.query if len(kept) == len(pairs) else urlencode(kept)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, ""))


def url_key(url: str, extra: Iterable[str] = ()) -> str:
    """What two URLs of one article share: no scheme, tracking, AMP marker or trailing slash."""
    # A URL is keyed when its feed lists it and again when its page is stored: kept, not redone.
    return _url_key(url, tuple(extra))


@lru_cache(maxsize=16384)
def _url_key(url: str, extra: tuple[str, ...]) -> str:
    """``url_key`` of one URL and tuple of extra tracking parameters."""
    parts = urlsplit(request_url(url, extra))
    host = (parts.hostname or "").lower().removeprefix("amp.")
    host = f"[{host}]" if ":" in host else host
    port = parts.netloc.rpartition(":")[2] if parts.netloc.endswith(tuple("0123456789")) else ""
    netloc = host if port in ("", "80", "443") else f"{host}:{port}"
    path = _AMP_PATH.sub("", parts.path).rstrip("/")
    # courlan resolves dot segments, duplicate slashes and percent-encoding; a path it refuses
    # is still a stable key as it is.
    with suppress(ValueError):
        path = urlsplit(normalize_url(urlunsplit(("http", netloc, path or "/", "", "")))).path
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = urlencode(sorted((k, v) for k, v in pairs if k.lower() not in AMP_PARAMS))
    return f"{netloc}{path.rstrip('/')}" + (f"?{query}" if query else "")


def same_site(one: str, other: str) -> bool:
    """Whether two URLs are on one host (the AMP subdomain counts as the host)."""
    host = (urlsplit(one).hostname or "").removeprefix("amp.")
    return host == (urlsplit(other).hostname or "").removeprefix("amp.")
