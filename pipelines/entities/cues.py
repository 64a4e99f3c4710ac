"""Unlisted organisations: capitalised names marked as organisations by the words around them."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipelines.entities.gazetteer import Found, trie_regex

# A capitalised word of a name: "Imagination", "Nano-Satellite", "AT&T", "Xnor.ai", "1X".
_WORD = r"(?:[A-Z][\w’'&+.-]*[\w&+]|[A-Z]|\d+[A-Za-z][\w.-]*)"
_NAME = rf"{_WORD}(?:[ \t]+(?:&[ \t]+)?{_WORD}){{0,3}}"
# Words that end an organisation's name and say what it is.
INDUSTRY_CUES = (
    "Labs Lab AI Technologies Technology Systems Robotics Software Semiconductor Semiconductors "
    "Computing Networks Analytics Dynamics Microsystems Electronics Devices Interactive Studios "
    "Capital Ventures Partners Investments Holdings"
).split()
MULTIWORD_CUES = (
    "Asset Management",
    "Investment Management",
    "Venture Partners",
    "Wealth Advisors",
    "Capital Partners",
)
LEGAL_SUFFIXES = (
    "Inc.",
    "Inc",
    "Incorporated",
    "Corp.",
    "Corp",
    "Corporation",
    "Ltd.",
    "Ltd",
    "Limited",
    "LLC",
    "L.L.C.",
    "PLC",
    "Plc",
    "plc",
    "GmbH",
    "AG",
    "S.A.",
    "N.V.",
    "Co.",
    "K.K.",
)
# Nouns that introduce an organisation's name before it ("chipmaker Cerebras") or after it
# ("Determined AI, a startup that ...").
KIND_NOUNS = (
    "startup",
    "start-up",
    "chipmaker",
    "chip maker",
    "chip designer",
    "AI company",
    "AI firm",
    "AI lab",
    "AI startup",
    "AI research institute",
    "venture firm",
    "venture capital firm",
    "VC firm",
    "investment firm",
    "private equity firm",
    "buyout firm",
    "asset manager",
    "hedge fund",
    "tech company",
    "tech firm",
    "technology company",
    "technology firm",
    "software company",
    "software maker",
    "software firm",
    "cybersecurity firm",
    "cybersecurity company",
    "robotics company",
    "robotics firm",
    "fintech",
    "unicorn",
)
# Words that make a cue phrase generic ("Generative AI", "Venture Capital", "Research Lab"):
# a name made only of them and its cue names no organisation.
GENERIC = frozenset(
    """Generative Conversational Responsible Ethical Agentic Enterprise Explainable Physical
    Sovereign General Artificial Narrow Open Gen Edge Trustworthy Human Applied Frontier Safe
    Embodied Multimodal Predictive Modern Advanced Weak Strong Super Good Bad Big Small Next New
    Dark Shadow Creative Visual Medical Clinical Healthcare Health Financial Legal Generic Hybrid
    Venture Working Growth Private Risk Seed Political Cultural Natural Intellectual Investment
    Research Innovation Computer Science Media Test Testing Crime Space Information Emerging Clean
    Green Digital Deep Smart Autonomous Quantum Weapons Operating Management Control Payment
    Navigation Business Strategic Trading Channel Founding Managing Senior Equity Social Neural
    Mobile Wireless Cable TV Television Free Application Antivirus Active Microwave Wearable
    Connected Electronic Consumer Power Automotive Cloud Data High Performance Global Local
    National International Regional Public State Federal Home Office Security Network Industrial
    Embedded Real Estate Pension Hedge Mutual Index Fund Funds Our Your Their Its His Her This
    That These Those Connectivity Energy Solar Photovoltaic Wind Nuclear Renewable""".split()
)
# Words that open a sentence or a phrase, never a name.
LEADING = frozenset(
    """The A An In On At For With By From To And But Or As Of Its Their Our His Her This That
    These Those When While After Before Since If Why How What Who Where Meanwhile Also Now
    Today Yesterday Tomorrow Monday Tuesday Wednesday Thursday Friday Saturday Sunday January
    February March April May June July August September October November December Chinese
    British American Japanese German French Korean Indian Israeli Canadian Australian Swiss
    Dutch Swedish European Taiwanese US U.S. UK EU Both Each Every Many Some Several Other
    Former Rival Last Next First Read Photo Image Source Credit Via Per Like Unlike Among
    Including Said Says Under Over Against Through Into About Between Despite Although Because
    Here There Then Than So Yet Still Only Even Just Until Unless Whether Which Whose Does Do
    Did Is Are Was Were Will Can Could Should Would Has Have Had Second Third Fourth Fifth
    Sixth Seventh Eighth Ninth Tenth Already Gallery Video Watch Related More Advertisement
    Sponsored Listen Explore""".split()
)
# Places: "Texas AI" or "China AI" is a region's artificial intelligence, not an organisation.
PLACES = frozenset(
    """America Africa Asia Europe China India Japan Korea Taiwan Israel Germany France Britain
    England Scotland Wales Ireland Canada Australia Russia Brazil Mexico Singapore Dubai Gulf
    Texas California Florida Ohio Virginia Georgia Arizona Utah Nevada Oregon Washington
    Michigan Illinois Massachusetts Colorado Carolina Tennessee Indiana Pennsylvania Jersey York
    London Paris Berlin Tokyo Beijing Shanghai Shenzhen Seoul Toronto Boston Chicago Seattle
    Austin Atlanta Detroit Miami Denver Houston Dallas Phoenix Valley Silicon City State
    National Union Nation Country Region World""".split()
)
# "Using AI", "Moving AI", "Rapidly AI": a verb or adverb before "AI" is prose, not a name.
_PROSE_WORD = re.compile(r"^[A-Z][a-z]+(?:ing|ly)$")
# Prefix-tree shaped: most capitalised words are followed by no cue, and fail on one letter.
_CUE = trie_regex((*INDUSTRY_CUES, *MULTIWORD_CUES))
_LEGAL = trie_regex(LEGAL_SUFFIXES)
_KIND = trie_regex(KIND_NOUNS)
_START = r"(?<![\w&.-])"
_END = r"(?![\w&])"
# "Imagination Technologies", "Ceres Robotics Inc.", "Alden Capital"
INDUSTRY = re.compile(
    rf"{_START}(?P<name>{_NAME})[ \t]+(?P<cue>{_CUE})(?:,?[ \t]+(?:{_LEGAL}))?{_END}"
)
# "Landry's, Inc.", "Tempus Inc."
LEGAL = re.compile(rf"{_START}(?P<name>{_NAME}),?[ \t]+(?P<cue>{_LEGAL}){_END}")
# "chipmaker Cerebras", "investment firm Sino Global Capital"
PREFIXED = re.compile(rf"\b(?P<cue>{_KIND})[ \t]+(?P<name>{_NAME}){_END}")
# "Determined AI, a startup that ..."
APPOSITIVE = re.compile(
    rf"{_START}(?P<name>{_NAME}),[ \t]+(?:a|an)[ \t]+(?:[\w-]+[ \t]+){{0,3}}?(?P<cue>{_KIND})\b"
)
_TITLE_WORDS = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_POSSESSIVE = re.compile(r"['’]s?$")


class CueFinder:
    """Finds organisations a gazetteer does not list, by the cues their names carry."""

    def find(self, text: str, listed: Sequence[Found]) -> list[Found]:
        """Each cued organisation name that does not overlap a listed one, in order."""
        taken = [(f.start, f.end) for f in listed]
        found: dict[int, Found] = {}
        for pattern in (INDUSTRY, LEGAL, PREFIXED, APPOSITIVE):
            for match in pattern.finditer(text):
                candidate = _candidate(text, match)
                if candidate is None or candidate.start in found:
                    continue
                if any(s < candidate.end and candidate.start < e for s, e in taken):
                    continue
                found[candidate.start] = candidate
        return [found[start] for start in sorted(found)]


def _candidate(text: str, match: re.Match[str]) -> Found | None:
    """The organisation a cued match names, or None when its words name none."""
    start, end = match.span("name")
    words = match.group("name").split()
    # "Braun's Ithaca Holdings", "U.S.-based Ceres Robotics", "Meanwhile Ceres Robotics"
    while len(words) > 1 and (
        words[0] in LEADING or words[0].endswith("-based") or _POSSESSIVE.search(words[0])
    ):
        words = words[1:]
        start = text.index(words[0], start + 1)
    if words[0] in LEADING:
        return None
    # "Energy Agency's Photovoltaic Power Systems": the name is what the owner's word owns
    owners = [i for i, word in enumerate(words[:-1]) if _POSSESSIVE.search(word)]
    if owners:
        words = words[owners[-1] + 1 :]
        start = text.index(words[0], start)
    cue = match.group("cue")
    if match.re is INDUSTRY and _POSSESSIVE.search(words[-1]):
        return None  # "the Union's AI"
    if cue == "AI" and match.re is INDUSTRY and _prose_before_ai(words):
        return None
    if words.count("&") > 1:  # "Germany & Austria Legal & General ...": the last pair
        last = len(words) - 1 - words[::-1].index("&")
        words = words[last - 1 :]
        start = text.index(" ".join(words[:3]), start)
    if match.re is INDUSTRY:
        end = match.end("cue")
        if all(word in GENERIC or word in INDUSTRY_CUES for word in words):
            return None
        if cue in ("Lab", "Labs") and words[-1] == "Research":
            return None  # a university's "... Research Lab"
        words.append(cue)
    elif all(word in GENERIC for word in words):
        return None
    if match.re in (INDUSTRY, LEGAL) and _in_title_case(text, start):
        return None
    name = " ".join(words)
    if match.re in (PREFIXED, APPOSITIVE):
        name = _POSSESSIVE.sub("", name)  # "startup Anysphere's product"
    return Found(name, None, start, end, text[start:end], cue)


def _prose_before_ai(words: list[str]) -> bool:
    """Whether the words before "AI" are prose or a place ("Already Using", "Texas")."""
    return any(_PROSE_WORD.match(word) for word in words) or all(
        word in PLACES or word in GENERIC for word in words
    )


def _in_title_case(text: str, start: int) -> bool:
    """Whether the line around ``start`` is a headline in title case (nearly every word capitalised)."""
    begin = max(text.rfind(mark, max(0, start - 200), start) for mark in ".!?\n")
    stops = [text.find(mark, start, start + 200) for mark in ".!?\n"]
    stop = min((found for found in stops if found >= 0), default=min(len(text), start + 200))
    words = [word for word in _TITLE_WORDS.findall(text, begin + 1, stop) if len(word) >= 4]
    return len(words) >= 6 and sum(word[0].isupper() for word in words) >= 0.8 * len(words)
