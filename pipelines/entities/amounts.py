"""Amounts: money with its value and currency, and counts of AI chips, as written in the text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from pipelines.entities.gazetteer import trie_regex

# Currency signs and codes written before the number, longest first so "US$" wins over "$".
PREFIX_CURRENCIES = {
    "US$": "USD",
    "U.S.$": "USD",
    "USD": "USD",
    "$": "USD",  # a bare dollar sign: US dollars unless the text says otherwise (local_dollar)
    "A$": "AUD",
    "AU$": "AUD",
    "AUD": "AUD",
    "C$": "CAD",
    "CA$": "CAD",
    "CAD": "CAD",
    "HK$": "HKD",
    "HKD": "HKD",
    "NZ$": "NZD",
    "NZD": "NZD",
    "S$": "SGD",
    "SGD": "SGD",
    "R$": "BRL",
    "BRL": "BRL",
    "€": "EUR",
    "EUR": "EUR",
    "£": "GBP",
    "GBP": "GBP",
    "¥": "JPY",
    "JPY": "JPY",
    "CNY": "CNY",
    "RMB": "CNY",
    "₹": "INR",
    "Rs.": "INR",
    "Rs": "INR",
    "INR": "INR",
    "CHF": "CHF",
    "KSh": "KES",
    "Sh": "KES",
    "KES": "KES",
    "₩": "KRW",
    "KRW": "KRW",
}
# Currency names written after the number ("800 billion yuan"), longest first.
SUFFIX_CURRENCIES = {
    "US dollars": "USD",
    "U.S. dollars": "USD",
    "Hong Kong dollars": "HKD",
    "Australian dollars": "AUD",
    "Canadian dollars": "CAD",
    "New Zealand dollars": "NZD",
    "Singapore dollars": "SGD",
    "dollars": "USD",
    "euros": "EUR",
    "euro": "EUR",
    "pounds sterling": "GBP",
    "pounds": "GBP",
    "yen": "JPY",
    "yuan": "CNY",
    "renminbi": "CNY",
    "rupees": "INR",
    "Swiss francs": "CHF",
    "francs": "CHF",
    "won": "KRW",
    "cents": "USD",
    "cent": "USD",
}
# Suffix names that are also ordinary words ("135 pounds" of weight, "he won"): money only with
# a magnitude ("500 million pounds").
NEED_MAGNITUDE = frozenset({"pounds", "won", "francs"})
MAGNITUDES = {
    "thousand": 1_000,
    "k": 1_000,
    "million": 1_000_000,
    "mn": 1_000_000,
    "mln": 1_000_000,
    "m": 1_000_000,
    "billion": 1_000_000_000,
    "bn": 1_000_000_000,
    "b": 1_000_000_000,
    "bln": 1_000_000_000,
    "trillion": 1_000_000_000_000,
    "tn": 1_000_000_000_000,
    "lakh": 100_000,
    "crore": 10_000_000,
    "cr": 10_000_000,
}
CENT_UNITS = frozenset({"cents", "cent"})

_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_MAGNITUDE = (
    r"[ \t-]?(?P<{name}>(?i:thousand|million|billion|trillion|lakh|crore)|"
    r"mn|mln|bn|bln|tn|cr|[mMbBkK])(?![\w])"
)


def _alternation(words: dict[str, str]) -> str:
    """The keys as one alternation, longest first."""
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


# "$640 million", "US$9.8bn", "€2 billion", "£1.5bn", "$4.1B", "Rs 250 crore", "$40-50 billion"
PREFIXED = re.compile(
    rf"(?<![\w$])(?P<cur>{_alternation(PREFIX_CURRENCIES)})[ \t]?(?P<num>{_NUMBER})"
    rf"(?:(?:[ \t]?(?:-|–|to)[ \t]?(?:(?P=cur)[ \t]?)?)(?P<num2>{_NUMBER}))?"
    rf"(?:{_MAGNITUDE.format(name='mag')})?"
    rf"(?:[ \t]+(?:US[ \t]|U\.S\.[ \t])?dollars\b)?"
)
# "800 billion yuan", "15 million euros", "75 cents", "135-thousand-dollars", "15- to 50 cents"
SUFFIXED = re.compile(
    rf"(?<![\w$.,])(?P<num>{_NUMBER})(?:-?[ \t]?(?:-|–|to)[ \t]?(?P<num2>{_NUMBER}))?"
    rf"(?:{_MAGNITUDE.format(name='mag')})?[ \t-](?P<cur>{_alternation(SUFFIX_CURRENCIES)})\b"
)
CHIP_NAMES = (
    "GB300 GB200 B300 B200 B100 H200 H100 H800 H20 A100 A800 A10G L40S L4 MI355X MI350X MI325X "
    "MI300X MI300A MI250X Gaudi3 Blackwell Hopper Trainium2 Trainium Inferentia2 Inferentia "
    "Maia Ascend"
).split()
# "340,000 Nvidia H100 GPUs", "100k H100s", "16,000 of Nvidia's A100 chips", "10,000 GPUs"
CHIPS = re.compile(
    rf"(?<![\w$.,])(?P<num>{_NUMBER})(?:{_MAGNITUDE.format(name='mag')})?[ \t]+(?:of[ \t]+)?"
    r"(?:(?:the[ \t]+)?(?:Nvidia|NVIDIA|AMD|Intel|Google|Huawei|Amazon|Microsoft)(?:['’]s)?[ \t]+)?"
    r"(?:(?P<chip>(?:TPU|Gaudi|Ascend|Maia)[ \t-]?v?\d+\w*|"
    + "|".join(sorted(CHIP_NAMES, key=len, reverse=True))
    + r")s?(?:[ \t]+(?:GPUs?|chips?|accelerators?|processors?|superchips?))?"
    r"|(?P<generic>GPUs|graphics processing units|AI chips|AI accelerators|accelerators|TPUs))\b"
)


# A story's own dollar: the currency a bare "$" or "dollars" means. Written markers ("A$",
# "Australian dollars") settle it; else the places the story names (a dateline like "SYDNEY",
# "Perth-based"), when they outnumber the United States'; a dateline or a "-based" counts twice.
DOLLAR_MARKERS = {
    "AUD": ("A$", "AU$", "Australian dollar", "Australian dollars"),
    "NZD": ("NZ$", "New Zealand dollar", "New Zealand dollars"),
    "CAD": ("C$", "CA$", "Canadian dollar", "Canadian dollars"),
}
DOLLAR_PLACES = {
    "AUD": (
        "Australia Australian Australians Sydney Melbourne Brisbane Perth Adelaide Canberra "
        "Hobart Queensland New_South_Wales NSW Tasmania ASX Western_Australia South_Australia "
        "Northern_Territory Gold_Coast Geelong Wollongong Cairns Townsville Qld"
    ).split(),
    "NZD": "New_Zealand New_Zealander New_Zealanders Auckland Wellington Christchurch Kiwi Kiwis "
    "NZX".split(),
    "CAD": (
        "Canada Canadian Canadians Toronto Vancouver Montreal Ottawa Calgary Edmonton Winnipeg "
        "Halifax Saskatoon Regina Kelowna Kamloops Kitchener Mississauga Brampton Oshawa B.C. "
        "British_Columbia Alberta Ontario Quebec Manitoba Saskatchewan Nova_Scotia "
        "New_Brunswick Newfoundland RCMP TSX"
    ).split(),
}
US_PLACES = (
    "US$ U.S. USD US United_States America American Americans Washington New_York California "
    "Wall_Street Nasdaq NYSE"
).split()


def _dollar_words() -> dict[str, tuple[str, str]]:
    """Each word that tells a story's dollar, as written and (places) in capitals."""
    words = dict.fromkeys((w.replace("_", " ") for w in US_PLACES), ("USD", "place"))
    for code, places in DOLLAR_PLACES.items():
        for place in (place.replace("_", " ") for place in places):
            words[place] = words[place.upper()] = (code, "place")
    for code, markers in DOLLAR_MARKERS.items():
        words.update(dict.fromkeys(markers, (code, "marker")))
    return words


_DOLLAR_WORDS = _dollar_words()
# one case-sensitive prefix-tree scan for all of them: most words fail on their first letter
_DOLLAR_WORD = re.compile(r"(?<![\w$])(?:" + trie_regex(_DOLLAR_WORDS) + r")(?:(?<=\$)|(?![\w]))")


def local_dollar(text: str) -> str:
    """The currency a bare "$" means in this text: USD unless it says AUD, NZD or CAD."""
    marked: set[str] = set()
    counts = {"USD": 0, "AUD": 0, "NZD": 0, "CAD": 0}
    for found in _DOLLAR_WORD.finditer(text):
        code, kind = _DOLLAR_WORDS[found.group()]
        if kind == "marker":
            marked.add(code)
        elif code == "USD":
            counts[code] += 1
        else:  # a dateline ("SYDNEY") or "Perth-based" says where the story is
            strong = found.group().isupper() and len(found.group()) > 3
            counts[code] += 2 if strong or text.startswith("-based", found.end()) else 1
    if marked:
        return marked.pop() if len(marked) == 1 else "USD"
    code = max(("AUD", "NZD", "CAD"), key=lambda c: counts[c])
    return code if counts[code] >= 2 and counts[code] > counts["USD"] else "USD"


@dataclass(frozen=True)
class Amount:
    """Money or a count of chips, with the words it was read from."""

    kind: str  # "money" or "chips"
    value: float  # the money's value, or the number of chips
    currency: str | None  # ISO 4217 code, for money
    chip: str | None  # the chip ("H100", or "GPU" when the text names none), for chips
    text: str
    start: int
    end: int


def _number(text: str, magnitude: str | None, scale: str = "1") -> float:
    """A written number with its magnitude word or letter, without binary rounding."""
    value = Decimal(text.replace(",", "")) * Decimal(scale)
    if magnitude:
        value *= Decimal(MAGNITUDES[magnitude.lower()])
    return float(value)


class AmountFinder:
    """Reads amounts of money and counts of chips from text."""

    def find(self, text: str, dollar: str = "USD") -> list[Amount]:
        """Every amount, in the order of the text; a range gives both its ends.

        ``dollar``: the currency of a bare "$" or "dollars" (see ``local_dollar``).
        """
        found: list[Amount] = []
        taken: list[tuple[int, int]] = []
        for match in PREFIXED.finditer(text):
            taken.append(match.span())
            if match["cur"].isalpha() and _is_year(match["num"]) and not match["mag"]:
                continue  # "Euro 2020" is a football tournament
            currency = dollar if match["cur"] == "$" else PREFIX_CURRENCIES[match["cur"]]
            found += self._money(match, currency)
        for match in SUFFIXED.finditer(text):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            unit = match["cur"]
            if unit in NEED_MAGNITUDE and not match["mag"]:
                continue
            if unit == "pounds" and _WEIGHED.match(text, match.end()):
                continue  # "5 million pounds of plastic" is a weight
            before = text[max(0, match.start() - 24) : match.start()]
            if _is_year(match["num"]) and not match["mag"] and _IN_YEAR.search(before):
                continue  # "in 2019 dollars" is a price level, not an amount
            currency = dollar if unit in ("dollars", "cents", "cent") else SUFFIX_CURRENCIES[unit]
            found += self._money(match, currency, cents=unit in CENT_UNITS)
        for match in CHIPS.finditer(text):
            if _is_year(match["num"]) and not match["mag"]:
                continue
            if match["generic"] == "accelerators" and not _CHIP_MAKER.search(match.group()):
                continue  # "three accelerators" may be start-up programmes
            chip = match["chip"] or "GPU"
            if match["generic"] and match["generic"] not in ("GPUs", "graphics processing units"):
                chip = "TPU" if match["generic"] == "TPUs" else "AI chip"
            count = _number(match["num"], match["mag"])
            found.append(
                Amount("chips", count, None, chip.replace(" ", ""), match.group(), *match.span())
            )
        return sorted(found, key=lambda amount: amount.start)

    def _money(self, match: re.Match[str], currency: str, cents: bool = False) -> list[Amount]:
        """One amount, or the two ends of a range sharing the magnitude and currency."""
        numbers = [match["num"], *([match["num2"]] if match["num2"] else [])]
        return [
            Amount(
                "money",
                _number(number, match["mag"], "0.01" if cents else "1"),
                currency,
                None,
                match.group(),
                *match.span(),
            )
            for number in numbers
        ]


_CHIP_MAKER = re.compile(r"Nvidia|NVIDIA|AMD|Intel|Google|Huawei|Amazon|Microsoft")
# What follows a weight, not a sum: "pounds of plastic", "pounds per square inch" (but
# "pounds of investment" is money).
_WEIGHED = re.compile(
    r"[ \t]+(?:of(?![ \t]+(?:investment|funding|spending|public|taxpayers'?|debt|cuts|savings|"
    r"revenue|sales|losses|profits?|new|extra|additional|government|private|capital|cash|"
    r"money|their|its|his|her)\b)|per)\b"
)
# What comes before a year that sets a price level ("in 2019 dollars", "constant 2015 euros").
_IN_YEAR = re.compile(r"\b(?:in|constant|real|inflation-adjusted|today's)[ \t]+$", re.IGNORECASE)


def _is_year(number: str) -> bool:
    """A four-digit number between 1900 and 2099, more likely a year than a count."""
    return len(number) == 4 and number[:2] in ("19", "20")
