"""The labelled entity set: hand labels in ``labels/entities.toml``, texts read from ../shared.

Only the labels and a reference to each text live in the project: the dataset, the text's id
there and the first 16 hex digits of the SHA-256 of the text as read, so a source that changed
is reported rather than scored against labels made for other words. Texts come from the seed
articles (``../shared/seeds``), the Zyte AEB gold bodies, the English SemEval-2022 texts and
trafilatura-eval pages (extracted with ``trafilatura.extract``, comments left out).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.entities.events import EVENT_TYPES

LABELS = Path(__file__).resolve().parent / "labels" / "entities.toml"
DATASETS = ("seeds", "aeb", "semeval", "trafeval")
AEB_TRUTH = Path("scrapinghub-aeb") / "ground-truth.json"
SEMEVAL_CSV = Path("semeval2022-task8-hfl-sample") / "training_set.csv"
TRAFEVAL = Path("trafilatura-eval")
SPLITS = ("dev", "heldout", "fresh")
# splits whose texts were chosen by a hash of their name; "fresh" texts were added afterwards
HASHED_SPLITS = ("dev", "heldout")
# splits whose errors may be read when the rules are revised; "fresh" is scored for figures only
TUNING_SPLITS = ("dev", "heldout")
_MONEY = re.compile(r"^(?P<value>\d+(?:\.\d+)?(?:e\d+)?) (?P<currency>[A-Z]{3})$")
_CHIPS = re.compile(r"^(?P<count>\d+) (?P<chip>\S.*)$")


@dataclass(frozen=True)
class Text:
    """One text to label or score: where it comes from, its title and body."""

    dataset: str
    key: str
    title: str
    body: str

    @property
    def digest(self) -> str:
        """The first 16 hex digits of the SHA-256 of title and body."""
        return text_digest(self.title, self.body)


@dataclass(frozen=True)
class Labels:
    """What a reader found in one text."""

    dataset: str
    key: str
    digest: str
    split: str
    organisations: tuple[str, ...] = ()
    # named organisations outside the scope (neither required nor counted against a prediction)
    other_organisations: tuple[str, ...] = ()
    money: tuple[tuple[float, str], ...] = ()
    chips: tuple[tuple[int, str], ...] = ()
    events: tuple[str, ...] = ()


@dataclass
class LabelledSet:
    """The labels with the texts they were made for; texts that changed or are missing apart."""

    pairs: list[tuple[Labels, Text]] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def text_digest(title: str, body: str) -> str:
    """The reference kept with each label: a hash of exactly the words labelled."""
    return hashlib.sha256(f"{title}\n{body}".encode()).hexdigest()[:16]


def split_of(dataset: str, key: str) -> str:
    """The split a text belongs to, fixed by its name: about 30 % held out."""
    number = int(hashlib.sha256(f"{dataset}/{key}".encode()).hexdigest()[:8], 16)
    return "heldout" if number % 10 < 3 else "dev"


# ---- reading the labels


def parse_money(item: str) -> tuple[float, str]:
    """``"640e6 USD"`` → (640000000.0, "USD")."""
    match = _MONEY.match(item)
    if not match:
        raise ValueError(f"money label {item!r} is not 'VALUE CUR', e.g. '640e6 USD'")
    return float(match["value"]), match["currency"]


def parse_chips(item: str) -> tuple[int, str]:
    """``"340000 H100"`` → (340000, "H100")."""
    match = _CHIPS.match(item)
    if not match:
        raise ValueError(f"chip label {item!r} is not 'COUNT CHIP', e.g. '340000 H100'")
    return int(match["count"]), match["chip"]


def read_labels(path: Path = LABELS) -> list[Labels]:
    """Every labelled text, checked for known datasets, splits and event types."""
    with path.open("rb") as fh:
        entries = tomllib.load(fh).get("text", [])
    out = []
    for entry in entries:
        where = f"{path.name}: {entry.get('dataset')}/{entry.get('id')}"
        if entry["dataset"] not in DATASETS or entry["split"] not in SPLITS:
            raise ValueError(f"{where}: unknown dataset or split")
        unknown = set(entry.get("events", [])) - set(EVENT_TYPES)
        if unknown:
            raise ValueError(f"{where}: unknown event type(s) {sorted(unknown)}")
        out.append(
            Labels(
                dataset=entry["dataset"],
                key=entry["id"],
                digest=entry["sha256"],
                split=entry["split"],
                organisations=tuple(entry.get("organisations", [])),
                other_organisations=tuple(entry.get("other_organisations", [])),
                money=tuple(parse_money(m) for m in entry.get("money", [])),
                chips=tuple(parse_chips(c) for c in entry.get("chips", [])),
                events=tuple(entry.get("events", [])),
            )
        )
    return out


# ---- reading the texts


def seeds_folder(root: Path) -> Path:
    """The seed articles beside the benchdata folder (``../shared/seeds``)."""
    return root.parent / "seeds"


def missing_reason(root: Path) -> str | None:
    """Why the texts cannot be read from ``root``, or None."""
    for path in (AEB_TRUTH, SEMEVAL_CSV, TRAFEVAL / "evaldata.json"):
        if not (root / path).is_file():
            return f"{root / path} not found (set NEWSFOLD_BENCHDATA to the benchdata folder)"
    if not seeds_folder(root).is_dir():
        return f"{seeds_folder(root)} not found (the seed articles beside benchdata)"
    return None


def read_seed(root: Path, name: str) -> Text:
    """A seed article: its first line is the title."""
    title, _, body = (seeds_folder(root) / name).read_text(encoding="utf-8").partition("\n")
    return Text("seeds", name, title.strip(), body)


def read_aeb(root: Path, keys: Iterable[str]) -> dict[str, Text]:
    """AEB gold article bodies (no title) by page id."""
    truth = json.loads((root / AEB_TRUTH).read_text(encoding="utf-8"))
    return {k: Text("aeb", k, "", truth[k]["articleBody"] or "") for k in keys if k in truth}


def read_semeval(root: Path, keys: Iterable[str]) -> dict[str, Text]:
    """English SemEval-2022 texts (title and body as one text) by their id."""
    wanted = set(keys)
    csv.field_size_limit(1 << 28)
    found: dict[str, Text] = {}
    with (root / SEMEVAL_CSV).open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if re.search(r"[a-z]", row["pair_id"]):
                continue  # machine-translated augmentations
            for key, lang, text in zip(
                row["pair_id"].split("_"),
                (row["lang1"], row["lang2"]),
                (row["text1"], row["text2"]),
                strict=True,
            ):
                if key in wanted and lang == "en":
                    found.setdefault(key, Text("semeval", key, "", text))
    return found


def read_trafeval(root: Path, keys: Iterable[str]) -> dict[str, Text]:
    """trafilatura-eval pages by URL, extracted with trafilatura's defaults, comments left out."""
    import trafilatura

    evaldata = json.loads((root / TRAFEVAL / "evaldata.json").read_text(encoding="utf-8"))
    found = {}
    for key in keys:
        if key in evaldata:
            page = gzip.decompress(
                (root / TRAFEVAL / "html" / f"{evaldata[key]['file']}.gz").read_bytes()
            )
            body = trafilatura.extract(page, include_comments=False) or ""
            found[key] = Text("trafeval", key, "", body)
    return found


def read_texts(root: Path, refs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Text]:
    """The texts named by (dataset, key), those that exist."""
    by_dataset: dict[str, list[str]] = {d: [] for d in DATASETS}
    for dataset, key in refs:
        by_dataset[dataset].append(key)
    found: dict[tuple[str, str], Text] = {}
    for name in by_dataset["seeds"]:
        if (seeds_folder(root) / name).is_file():
            found["seeds", name] = read_seed(root, name)
    readers = {"aeb": read_aeb, "semeval": read_semeval, "trafeval": read_trafeval}
    for dataset, reader in readers.items():
        if by_dataset[dataset]:
            for key, text in reader(root, by_dataset[dataset]).items():
                found[dataset, key] = text
    return found


def load_set(root: Path, labels: Iterable[Labels] | None = None) -> LabelledSet:
    """Each label with its text; a text whose hash differs from the label's is set apart."""
    labels = list(read_labels() if labels is None else labels)
    texts: Mapping[tuple[str, str], Text] = read_texts(root, [(x.dataset, x.key) for x in labels])
    out = LabelledSet()
    for label in labels:
        text = texts.get((label.dataset, label.key))
        name = f"{label.dataset}/{label.key}"
        if text is None:
            out.missing.append(name)
        elif text.digest != label.digest:
            out.changed.append(name)
        else:
            out.pairs.append((label, text))
    return out
