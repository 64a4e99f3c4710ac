"""The typed configuration of newsfold, validated when loaded."""

from __future__ import annotations

import ipaddress
import re
import tomllib
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from config.cron import OFF, crontab_trigger, zone

# The cleaning rules by name, in the order the cleaner runs them (pipelines.cleaning).
CLEAN_RULES = (
    "title-repeat",
    "dateline",
    "article-meta",
    "inline-teaser",
    "related-link",
    "related-block",
    "disclaimer",
    "share-prompt",
    "paywall",
    "newsletter",
    "cookie-notice",
    "comment-prompt",
    "support-prompt",
    "placeholder",
    "contact-line",
    "copyright",
    "image-credit",
    "tail-block",
    "author-bio",
    "source-credit",
    "summary-list",
    "learned-block",
)


class _Section(BaseModel):
    """A config section that refuses unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_pattern(pattern: str | None) -> str | None:
    """A regular expression Python compiles (searched in each article URL)."""
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"not a regular expression ({exc}): {pattern!r}") from None
    return pattern


class SourceConfig(_Section):
    """One place newsfold crawls: a feed, a sitemap or a section page."""

    url: HttpUrl
    kind: Literal["feed", "sitemap", "page"] = "feed"
    group: str = Field("default", min_length=1)
    enabled: bool = True
    max_articles: int = Field(100, ge=1, le=100_000)
    url_pattern: Annotated[str | None, AfterValidator(_check_pattern)] = None
    # Hours without a new article before `newsfold status` calls the source quiet; None takes
    # [health] quiet_hours.
    quiet_hours: float | None = Field(None, ge=0, le=87_600)


def _check_contact(agent: str) -> str:
    """A User-Agent that tells a publisher how to reach whoever runs the crawler."""
    if "+http://" not in agent and "+https://" not in agent and "mailto:" not in agent:
        raise ValueError(
            "needs a contact URL ('+https://...') or 'mailto:' address, e.g. "
            "'newsfold/0.1 (+https://example.org/contact)'"
        )
    return agent


def _check_networks(networks: list[str]) -> list[str]:
    """CIDR ranges (or single addresses), written the way ipaddress normalises them."""
    checked, bad = [], []
    for network in networks:
        try:
            checked.append(str(ipaddress.ip_network(network.strip(), strict=False)))
        except ValueError:
            bad.append(network)
    if bad:
        raise ValueError(f"not IP networks: {bad}; write e.g. '127.0.0.0/8' or '10.1.2.3'")
    return checked


class CrawlConfig(_Section):
    """How newsfold fetches: identity, politeness, limits and what it remembers between runs."""

    user_agent: Annotated[str, AfterValidator(_check_contact)] = Field(min_length=8)
    obey_robots: bool = True
    concurrent_requests: int = Field(16, ge=1, le=512)
    concurrent_per_domain: int = Field(2, ge=1, le=64)
    download_delay: float = Field(0.5, ge=0, le=600)
    autothrottle: bool = True
    target_concurrency: float = Field(1.0, gt=0, le=64)
    timeout: float = Field(30, gt=0, le=600)
    retries: int = Field(2, ge=0, le=10)
    retry_backoff: float = Field(1.0, ge=0, le=600)
    max_retry_after: float = Field(120, ge=0, le=86_400)
    max_redirects: int = Field(5, ge=0, le=30)
    max_page_bytes: int = Field(10_000_000, ge=10_000)
    allow_networks: Annotated[list[str], AfterValidator(_check_networks)] = Field(
        default_factory=list
    )
    tracking_params: list[str] = Field(default_factory=list)
    conditional_get: bool = True
    adaptive_polling: bool = True
    min_poll_interval: float = Field(0, ge=0, le=604_800)
    max_poll_interval: float = Field(3600, ge=0, le=604_800)
    seen_ttl_days: float = Field(90, gt=0, le=36_500)
    revisit_days: float = Field(0, ge=0, le=36_500)
    page_retry_attempts: int = Field(5, ge=0, le=100)
    page_retry_interval: float = Field(3600, ge=0, le=604_800)
    extract_workers: int = Field(0, ge=0, le=64)
    guard_xpath: bool = True
    commit_items: int = Field(100, ge=1, le=100_000)
    commit_seconds: float = Field(2.0, gt=0, le=3600)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"
    log_format: Literal["text", "json"] = "text"

    @field_validator("max_poll_interval")
    @classmethod
    def _poll_bounds(cls, longest: float, info: ValidationInfo) -> float:
        shortest = info.data.get("min_poll_interval", 0)
        if longest < shortest:
            raise ValueError(f"must be at least min_poll_interval ({shortest})")
        return longest


class CleanConfig(_Section):
    """Which cleaning rules run, and when a site's repeated lines count as its template."""

    disabled_rules: list[str] = Field(default_factory=list)
    learn_min_pages: int = Field(3, ge=2, le=1000)
    learn_share: float = Field(0.5, gt=0, le=1)

    @field_validator("disabled_rules")
    @classmethod
    def _known_rules(cls, rules: list[str]) -> list[str]:
        unknown = sorted(set(rules) - set(CLEAN_RULES))
        if unknown:
            raise ValueError(f"unknown rule(s) {unknown}; known: {list(CLEAN_RULES)}")
        return rules


class RelevanceConfig(_Section):
    """The AI-industry relevance filter."""

    enabled: bool = True
    threshold: float = Field(3.0, ge=0)
    terms: dict[str, float] = Field(default_factory=dict)

    @field_validator("terms")
    @classmethod
    def _weights_positive(cls, terms: dict[str, float]) -> dict[str, float]:
        bad = [term for term, weight in terms.items() if weight <= 0 or not term.strip()]
        if bad:
            raise ValueError(f"terms need a non-empty name and a weight > 0: {bad}")
        return {term.lower(): weight for term, weight in terms.items()}


class FoldConfig(_Section):
    """Copy folding (MinHash-LSH) and story grouping."""

    num_perm: int = Field(128, ge=16, le=1024)
    bands: int = Field(32, ge=2, le=512)
    shingle_size: int = Field(5, ge=1, le=12)
    seed: int = 1
    copy_jaccard: float = Field(0.5, gt=0, le=1)
    copy_containment: float = Field(0.8, gt=0, le=1)
    min_words: int = Field(20, ge=1)
    story_threshold: float = Field(0.21, gt=0, le=1)
    story_window_days: float = Field(7, gt=0, le=365)

    @field_validator("bands")
    @classmethod
    def _bands_divide(cls, bands: int, info: object) -> int:
        num_perm = getattr(info, "data", {}).get("num_perm", 128)
        if num_perm % bands:
            raise ValueError(f"bands must divide num_perm ({num_perm})")
        return bands


class HealthConfig(_Section):
    """When `newsfold status` calls a source failing."""

    max_failures: int = Field(3, ge=1, le=1000)
    quiet_hours: float = Field(72, ge=0, le=87_600)


# The kinds of organisation a gazetteer lists (pipelines/entities/organisations.toml).
OrganisationKind = Literal[
    "lab", "bigtech", "chips", "cloud", "startup", "tech", "investor", "regulator"
]
ORGANISATION_KINDS: tuple[str, ...] = get_args(OrganisationKind)


def _check_words(words: list[str]) -> list[str]:
    """Non-empty names and context words, stripped."""
    stripped = [word.strip() for word in words]
    if not all(stripped):
        raise ValueError("empty name")
    return stripped


class OrganisationEntry(_Section):
    """One organisation of a gazetteer: its canonical name, kind and other names."""

    name: str = Field(min_length=1)
    kind: OrganisationKind
    aliases: Annotated[list[str], AfterValidator(_check_words)] = Field(default_factory=list)
    # words right after (not_before) or right before (not_after) a name that mean something else
    not_before: Annotated[list[str], AfterValidator(_check_words)] = Field(default_factory=list)
    not_after: Annotated[list[str], AfterValidator(_check_words)] = Field(default_factory=list)


class GazetteerFile(_Section):
    """A gazetteer file: a list of organisations."""

    organisations: list[OrganisationEntry]


def read_gazetteer(path: Path) -> GazetteerFile:
    """A gazetteer file, read and checked; ValueError saying what is wrong and where."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ValueError(f"gazetteer file {path} not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"gazetteer file {path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ValueError(f"cannot read gazetteer file {path}: {exc.strerror}") from None
    try:
        return GazetteerFile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        raise ValueError(f"gazetteer file {path}: {problems}") from None


def _check_gazetteer(path: Path | None) -> Path | None:
    """A readable gazetteer file whose every entry is valid."""
    if path is not None:
        read_gazetteer(path)
    return path


class EntitiesConfig(_Section):
    """Organisations, amounts and events found in each article."""

    # false: articles are stored without them (a few ms of CPU an article saved)
    enabled: bool = True
    # a TOML file of organisations added to the packaged gazetteer (relative to the current
    # folder); an entry named like a packaged one replaces it
    gazetteer: Annotated[Path | None, AfterValidator(_check_gazetteer)] = None


def _check_cron(expr: str) -> str:
    """A crontab expression APScheduler accepts, or "off"."""
    expr = " ".join(expr.split())
    if expr != OFF:
        crontab_trigger(expr)
    return expr


def _check_zone(name: str) -> str:
    """An IANA time zone name."""
    zone(name)
    return name


class ScheduleConfig(_Section):
    """When `newsfold serve` crawls each source group, and how it runs, stops and reports."""

    timezone: Annotated[str, AfterValidator(_check_zone)] = "UTC"
    # group -> 5-field crontab (minute hour day month weekday), or 6 fields with seconds first
    groups: dict[str, Annotated[str, AfterValidator(_check_cron)]] = Field(default_factory=dict)
    misfire_grace_seconds: int = Field(1800, ge=1, le=86_400)
    max_run_seconds: int = Field(1800, ge=1, le=86_400)
    stop_grace_seconds: int = Field(30, ge=0, le=3600)
    status_max_age_hours: float = Field(6, gt=0, le=8760)
    metrics_host: str = Field("127.0.0.1", min_length=1)
    metrics_port: int = Field(9410, ge=0, le=65_535)


class DistributedConfig(_Section):
    """Crawl workers on a PostgreSQL task queue: `newsfold worker`, `run --enqueue`, `serve`."""

    enabled: bool = False
    queue: str = Field("newsfold", min_length=1, max_length=60)
    # Parallel site polls per worker (`newsfold worker --slots` overrides it).
    slots: int = Field(1, ge=1, le=64)
    # A job whose worker sent no heartbeat for this long is retried by another worker.
    stalled_after_seconds: float = Field(60, ge=1, le=86_400)
    # Tries of one job in all (the first and its retries after a stall or a stop).
    max_attempts: int = Field(3, ge=1, le=100)


class NewsfoldConfig(_Section):
    """The whole configuration."""

    db: str = "newsfold.db"
    crawl: CrawlConfig
    clean: CleanConfig = CleanConfig()
    relevance: RelevanceConfig = RelevanceConfig()
    entities: EntitiesConfig = EntitiesConfig()
    fold: FoldConfig = FoldConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    health: HealthConfig = HealthConfig()
    distributed: DistributedConfig = DistributedConfig()
    # False: crawl only the sources of your own file (and environment), not the packaged ones.
    packaged_sources: bool = True
    sources: dict[str, SourceConfig] = Field(default_factory=dict)

    def enabled_sources(self, names: list[str] | None = None) -> dict[str, SourceConfig]:
        """The enabled sources, or the named ones (enabled or not)."""
        if names:
            return {name: self.sources[name] for name in names}
        return {name: src for name, src in self.sources.items() if src.enabled}
