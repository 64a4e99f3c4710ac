"""Events: what a sentence reports happened (a round, a deal, a launch, a ruling ...) and why."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from pipelines.entities.gazetteer import trie_regex

EVENT_TYPES = (
    "funding",
    "acquisition",
    "compute_deal",
    "partnership",
    "launch",
    "hiring",
    "policy",
    "legal",
    "earnings",
    "layoffs",
)
_I = re.IGNORECASE
# A sentence ends at . ! or ? before a space and a capital, a digit or a quote, unless the word
# before the stop is an abbreviation ("U.S.", "Corp.", "Sept."); a line break ends one too.
_STOP = re.compile(r"[.!?]+[\"'’”)]*[ \t]+(?=[\"'‘“(]?[A-Z0-9])|\n+")
_ABBREVIATION = re.compile(
    r"(?:\b[A-Z]|\b[A-Z]\.[A-Z]|Mr|Mrs|Ms|Dr|St|Jr|Sr|Inc|Corp|Co|Ltd|No|vs|Gov|Sen|Rep|Gen|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.$"
)
_CAP = r"(?-i:[A-Z])"
_MONEY = r"(?:US\$|[$€£])[\d.,]+(?:[ -]?(?:million|billion|trillion|bn|m|b)\b)?"
_NAME = r"(?-i:[A-Z][\w&.'’-]*)"
# A company's name right after a verb: capitalised, no digits ("CloudSimple", not "RTX 3000").
_COMPANY = (
    r"(?-i:(?!(?:Mr|Mrs|Ms|Dr|President)\b)[A-Z][A-Za-z&.'’-]*(?!\w)"
    r"(?: [A-Z][A-Za-z&.'’-]*(?!\w))*)(?! \S*\d)"
)
_ROLE = (
    r"(?:chief(?: \w+)? (?:officer|executive)|CEO|CFO|CTO|COO|CSO|president|"
    r"chairman|chairwoman|chair|head|director|executive|manager|lead|engineer|scientist|"
    r"researcher|coach|editor|adviser|advisor|member|partner|driver|player)"
)


@dataclass(frozen=True)
class Rule:
    """A trigger and the words around it that must (or must not) be there."""

    trigger: re.Pattern[str]
    # searched in the rest of the sentence after the trigger / in the sentence before it
    needs_after: re.Pattern[str] | None = None
    refuse_after: re.Pattern[str] | None = None
    refuse_before: re.Pattern[str] | None = None
    # searched in the whole sentence
    needs: re.Pattern[str] | None = None
    refuse: re.Pattern[str] | None = None
    # an organisation must be named in the sentence before the trigger ("Anysphere raised")
    org_before: bool = False
    # triggers that need a maker: an organisation named in the sentence, a maker or product
    # right before them ("the company unveiled", "the AirPods first launched") or what was
    # made right after them ("unveiled Llama 2", "launched a new app")
    weak: re.Pattern[str] | None = None
    maker_before: re.Pattern[str] | None = None
    made_after: re.Pattern[str] | None = None

    def match(self, sentence: str, orgs: Sequence[int] = ()) -> re.Match[str] | None:
        """The first trigger in the sentence whose surroundings fit; ``orgs`` start names."""
        if self.needs and not self.needs.search(sentence):
            return None
        if self.refuse and self.refuse.search(sentence):
            return None
        for found in self.trigger.finditer(sentence):
            if self.org_before and not any(start < found.start() for start in orgs):
                continue
            after, before = sentence[found.end() :], sentence[: found.start()]
            if self.needs_after and not self.needs_after.match(after):
                continue
            if self.refuse_after and self.refuse_after.match(after):
                continue
            if self.refuse_before and self.refuse_before.search(before):
                continue
            if self.weak and self.weak.match(found.group()) and not self._made(orgs, before, after):
                continue
            return found
        return None

    def _made(self, orgs: Sequence[int], before: str, after: str) -> bool:
        """Whether a weak trigger has a maker or a thing made around it."""
        if orgs:
            return True
        if self.maker_before and self.maker_before.search(before):
            return True
        return bool(self.made_after and self.made_after.match(after))


def _rx(pattern: str, flags: int = _I) -> re.Pattern[str]:
    return re.compile(pattern, flags)


RULES: dict[str, tuple[Rule, ...]] = {
    "funding": (
        Rule(
            _rx(r"\brais(?:e|es|ed|ing)\b"),
            needs_after=_rx(
                r".{0,80}?\b(?:Series [A-K]|seed|funding|round|financing|venture capital|"
                r"investors|listing|IPO|initial public offering|share sale)\b"
            ),
        ),
        Rule(
            _rx(
                r"\b(?:Series [A-K] (?:round|funding|financing)|seed (?:round|funding)|"
                r"funding round|round of funding|financing round|(?:led|co-led) the \S*\s?round|"
                r"initial public offering|(?-i:IPO)|secondary listing|share sale|"
                r"go(?:es|ing)? public|lifeline|bail(?:ed)? out|rescue (?:package|financing|deal)|"
                r"(?:early |lead )?backer of|invested in (?:\w+ ){0,3}(?:startups|companies)|"
                rf"{_MONEY} investment in|invest(?:s|ed|ing)? (?:up to )?{_MONEY} in(?:to)? {_CAP}|"
                rf"inject(?:s|ed)? {_MONEY})\b"
            ),
            refuse_before=_rx(r"\b(?:political|campaign|charity)\s+$"),
        ),
        # "Anysphere raises $900 million": an organisation raising money, not a campaign
        Rule(
            _rx(rf"\brais(?:e|es|ed|ing) (?:about |nearly |more than |over )?{_MONEY}"),
            org_before=True,
        ),
    ),
    "acquisition": (
        Rule(
            _rx(r"\b(?:acquir(?:e|es|ed|ing)|bought|buys|buying|to buy|purchas(?:ed|ing))\b"),
            needs_after=re.compile(
                r" (?:(?:(?:a|an|the|its|entire|majority|minority|controlling|ownership)\s+|"
                r"\d[\d.]*%\s+|[\d.]+ per cent\s+){0,4}(?:stake|position|interest|shares? in)|"
                rf"(?:the )?{_COMPANY})"
            ),
        ),
        Rule(
            _rx(
                r"\b(?:acquisitions?|merg(?:er|ers|e|ed|ing)(?: with)?|takeover|acquired by|"
                r"sold to|was sold to|selling \S+(?: \S+){0,2} to|took (?:a|an) (?:\S+ ){0,2}stake|"
                rf"acquired for {_MONEY}|(?:which|that) \S+ (?:acquired|bought|purchased))\b"
            ),
            needs_after=re.compile(
                r"(?:[, ]+(?:of|by|to|with|including|between|for|the|a|an|its|\w+-)?){0,3}[ ]?"
                r"(?:[A-Z][\w&.'’-]*|company|startup|firm|business|unit|division|rival|maker|"
                r"group|partner|talks|deal|agreement|spree|plans?|in\b|for\b|\$)"
            ),
            refuse_after=_rx(r" (?:out|off)\b"),
        ),
    ),
    "compute_deal": (
        Rule(
            _rx(
                r"\b(?:deal|agreement|contract|order|pact|licen[cs]e|licensing|supply|"
                r"purchase|acquire|own|buy|bought|rent|lease|secure[sd]?)\b"
            ),
            needs=_rx(
                r"\b(?:GPUs?|chips?|chipmakers?|chip designers?|semiconductors?|compute capacity|"
                r"computing (?:power|capacity)|cloud (?:services|capacity|computing|contract|"
                r"infrastructure)|data ?cent(?:er|re)s?|servers|accelerators|TPUs|"
                r"supercomputers?|H100s?|A100s?|H200s?|B200s?)\b"
            ),
            refuse=_rx(r"\b(?:blue[- ]chips?|potato chips|poker chips|chip in|trade deal)\b"),
        ),
    ),
    "partnership": (
        Rule(
            _rx(
                r"\b(?:(?:a|an|the|this|that|new|strategic|expanded|exclusive|multi-year|"
                r"long-term|global) (?:\w+ )?partnership|partnership (?:with|between|to|deal|"
                r"agreement)|partnered|partnering with|partners? with|teamed up|"
                r"team(?:s|ing)? up|collaborat(?:e|es|ed|ing) with|collaboration (?:with|between)|"
                r"(?:this|that|expanded|new|strategic) collaboration|joint venture|"
                r"(?:strategic )?alliance (?:with|between)|memorandum of understanding|"
                r"(?-i:MOU|MoU)|(?:licen[cs]e|licensing|distribution|supply|reseller) "
                r"(?:agreement|deal|pact)|"
                r"sponsorship (?:deal|agreement)|(?:title|co-title|official|main|shirt) sponsor|"
                r"(?:ink|inks|inked|strike|strikes|struck|sign|signs|signed) (?:a |an )?(?:new )?"
                r"(?:\w+ )?(?:deal|agreement|pact|contract) with)\b"
            ),
            refuse_before=_rx(r"\b(?:trade|peace|plea|record|nuclear|budget|climate)\s+$"),
        ),
    ),
    "launch": (
        Rule(
            _rx(
                r"\b(?:launch(?:es|ed|ing)?|unveil(?:s|ed|ing)?|debut(?:s|ed|ing)?|"
                r"introduc(?:e|es|ed|ing)|roll(?:s|ed|ing)? (?:\w+ )?out|"
                r"releas(?:e|es|ed|ing)|took the wraps o(?:f|ff)|takes the wraps o(?:f|ff)|"
                r"(?:goes|went|go) on sale|(?:is|are) now available|available for pre-?order|"
                r"start(?:s|ed)? shipping|beg(?:an|ins) shipping|hit(?:s|ting)? store shelves|"
                r"announc(?:e|es|ed|ing) (?:the |a |an |its )?(?:new|latest)|"
                r"new feature)\b"
            ),
            refuse_after=_rx(
                r"(?: \S+){0,4}? (?:an? )?(?:investigations?|probes?|inquiry|campaigns?|attacks?|"
                r"offensive|operations?|appeals?|lawsuits?|missiles?|strikes?|crackdown|"
                r"study|statements?|reports?|data|figures|results|findings|videos?|footage|"
                r"documents|details|images?|photos?|transcript|memo|guidance|numbers|prisoners|"
                r"hostages|survey|plans?|proposals?|strategy|roadmap|budget|polic(?:y|ies)|"
                r"measures?|package|framework|bills?|legislation|laws?|rules|regulations|bans?|"
                r"tax|tariffs?|guidelines|standards|restrictions|requirements|penalties|"
                r"sanctions|fundraising|spacecraft|rockets?|satellites?|tons|tonnes|CO2|carbon|"
                r"emissions|foundation|fondation|charity|museum|initiative|movement|petition|"
                r"career|command|communication|from (?:prison|jail|custody|hospital)|on bail|"
                r"and error|bids?|customers?)\b|"
                r" by (?:the )?(?:[\w.]+ )?(?:government|administration|ministry|department|"
                r"agency|council|state)\b|"
                rf" {_NAME} to\b|"  # "introduced Cook to the audience"
                r" (?:about |some |up to |nearly )?(?:[$€£¥]|\d[\d,.]* (?:million|billion|"
                r"trillion|tons|barrels|yuan|dollars|euros))"  # "release $800 billion into"
            ),
            refuse_before=_rx(
                r"(?:\b(?:his|her|their)\s+(?:\w+\s+){0,2}|\b(?:campaign|fundraiser|"
                r"investigation|probe|inquiry|rocket|missile|tender offer)\b.{0,30}|"
                r"\b(?:data|press|news|earnings|economic|statistical|official)\s+|"
                r"\b(?:decision|ruling|report|statement|results?|data|figures|numbers|study|"
                r"findings|order|verdict)\s+(?:was|were|is|are|has been|have been|will be)\s+|"
                r"\b(?:app|application|program|browser|game|malware|ransomware)\s+(?:is|was|gets)\s+)$"
            ),
            weak=_rx(r"launch|unveil|debut|introduc|roll|releas"),
            maker_before=re.compile(
                r"(?:\b[A-Z][\w&.'’-]*|\b(?:company|corporation|firm|startup|maker|giant|brand|"
                r"developer|carrier|operator|team))(?: \w+)? $|"
                r"\b(?:will be|was|were|is|are|has been|have been|being|to be) $"
            ),
            made_after=_rx(
                r" (?:the |a |an )?(?-i:[A-Z][\w.-]*)|"
                r" (?:a |an |the )?(?:new|latest|next|its|their)\b|"
                r"(?: \S+){0,4}? (?:app|apps|model|models|version|"
                r"service|services|feature|features|product|products|device|devices|phones?|"
                r"smartphones?|laptops?|tablets?|computers?|chips?|processors?|platform|tools?|"
                r"software|update|edition|line|lineup|range|console|cars?|vehicles?|"
                r"subscription|plans?|offers?|brand|store|website|beta|preview)\b"
            ),
        ),
    ),
    "hiring": (
        Rule(
            _rx(
                r"\b(?:appoint(?:s|ed|ing)|appointment (?:of|as)|hired|hires|poach(?:es|ed|ing)?|"
                r"recruit(?:s|ed|ing|ment)?|"
                rf"named (?:\S+ ){{0,5}}?(?:as )?(?:its |the |a )?(?:new )?{_ROLE}|"
                rf"(?:new|first) (?:{_ROLE})(?: and {_ROLE})?|"
                rf"join(?:s|ed|ing)? (?:\S+ ){{0,5}}?as (?:its |a |an |the )?(?:new )?(?:\S+ )?{_ROLE}|"
                rf"(?:to|will|can|into) join(?:ing)? {_CAP}|"
                r"step(?:s|ped|ping)? down|resign(?:s|ed|ing|ation)|"
                r"(?:left|leaving|leaves|leave) (?:the |his |her |their )(?:\w+ )?"
                r"(?:company|firm|job|post|role|board|position|team|club)|"
                r"depart(?:s|ed|ure) as|"
                r"ousted|sacked|fired (?:as|from)|(?:to|will|plans to|planning to) retire|"
                r"retire[sd]? (?:as|from)|after retiring|retiring (?:as|from)|successor to|"
                r"(?:his|her|their|potential|named) successor|"
                r"to replace \S+(?: \S+)? as|"
                r"take(?:s)? over as|took over as|start(?:s|ed)? as)\b"
            ),
            refuse_after=_rx(r" (?:fans|supporters|volunteers|voters|customers|students)\b"),
            refuse_before=_rx(r"\b(?:a|an|the|marked|big|huge|small)\s+$"),
        ),
    ),
    "policy": (
        Rule(
            _rx(
                r"\b(?:tariffs?|export controls?|executive order|"
                r"general licen[cs]e|stimulus (?:measure|package|bill|plan|program)|"
                r"(?:take|takes|taking|took|go|goes|going|went|come|comes|came) "
                r"(?:into )?(?:effect|force)|pull(?:ed|s|ing)? (?:\w+ ){0,4}out of the "
                r"(?:\w+ )?(?:agreement|accord|treaty|deal))\b"
            ),
        ),
        Rule(
            _rx(
                r"\b(?:law|laws|legislation|bill|act|regulations?|rules|ban|bans|banned|"
                r"banning|moratorium|directive|ordinance|subsid(?:y|ies)|tax(?:ation)? "
                r"(?:cut|cuts|credit|increase|hike|break)s?|standards|requirements|"
                r"proposals?|measures|guidelines)\b"
            ),
            needs=_rx(
                r"\b(?:pass(?:ed|es|age)|sign(?:ed|s)|approv(?:ed|es|al)|adopt(?:ed|s)|"
                r"enact(?:ed|s)|propos(?:e|ed|es)|introduc(?:e|ed|es)|impos(?:e|ed|es|ing)|"
                r"lift(?:ed|s)?|extend(?:ed|s)?|block(?:ed|s)?|struck down|repeal(?:ed|s)?|"
                r"veto(?:ed)?|enforc(?:e|ed|es)|implement|reviewing|"
                r"loosen(?:ing)?|tighten(?:ing)?|vot(?:ed|es|e)|unveil(?:ed|s)|"
                r"requir(?:e|es|ed)|ban|banned|illegal|ordered|demanding|"
                r"urg(?:e|ed|ing))\b"
            ),
        ),
    ),
    "legal": (
        Rule(
            _rx(
                r"\b(?:lawsuits?|sue|sued|sues|suing|filed (?:a |the )?suit|"
                r"(?:a|the) suit (?:against|by|filed)|class[- ]action|court|judge|ruling|"
                r"ruled|jury|acquitted|indict(?:ed|ment)|charged with|(?:criminal|federal) "
                r"charges|charges (?:against|were filed|filed|of|related)|(?:faces?|on) charges|"
                r"pleaded|pleads guilty|guilty plea|convicted|sentenced|sentencing|"
                r"settlement|settled (?:a|the|with|its) (?:\w+ )?(?:case|lawsuit|suit|claims?|"
                r"charges)?|fined|fines (?:of|totall?ing)|(?:a|the) fine of|antitrust|"
                r"investigat(?:ing|ion|ions|es|ed)|probe (?:into|of)|(?:a|an) (?:\w+ )?probe|"
                r"inquiry|subpoena\w*|prosecutors?|attorney general|litigation|infring\w+|"
                r"injunction|arrest(?:ed|s)?|detention|legal (?:action|dispute|battle|fight|"
                r"challenge)|trial|scrutiny from)\b"
            ),
            refuse_after=_rx(
                r"(?: (?:period|version|run|subscription|membership|offer|request|of our|"
                r"of \d+)|s? (?:are|is|were) offered|,? not to be| line| print|(?-i: Polar)|"
                r" party| coalition| stations?| and error)\b"
            ),
            refuse_before=_rx(
                r"(?:\b(?:free|full|drug|food|tennis|basketball|science|"
                r"scientific|research|further)\s+(?:\w+\s+)?|"
                r"\b(?:is|was|be|are|looks?|seems?|feel|feels) (?:\w+ )?|"
                r"\b(?:clinical|impeachment|medical|pilot|randomi[sz]ed|field|time)\s+(?:\w+\s+)?)$"
            ),
        ),
    ),
    "earnings": (
        Rule(
            _rx(
                r"\b(?:(?:reported|reports|report|posted|posts|announced|announces|released|beat|"
                r"missed|topped|forecast|expects|sees|cut|raised|lowered) "
                r"(?:\S+ ){0,4}?(?:earnings|results|revenue|profits?|loss|losses|guidance|"
                r"net income)|earnings (?:report|release|call|per share|beat|miss|season|"
                r"estimates?)|(?:quarterly|annual|full-year|half-year|interim|fiscal[- ]year) "
                r"(?:earnings|results|revenue|profit|loss|sales)|(?:first|second|third|"
                r"fourth|September|June|March|December)[- ]quarter (?:earnings|results|revenue|"
                r"profit|loss|sales)|Q[1-4] (?:earnings|results)|financial results|results season|"
                rf"(?:net )?(?:loss|losses|profit) of (?:nearly |about |more than )?{_MONEY}|"
                rf"revenue of (?:nearly |about )?{_MONEY}|per[- ](?:diluted )?share earnings)"
            ),
        ),
    ),
    "layoffs": (
        Rule(
            _rx(
                r"\b(?:lay(?:s|ing)? off|laid off|layoffs?|job cuts?|"
                r"cut(?:s|ting)? (?:\d[\d,]* |thousands of |hundreds of |some |more )?"
                r"(?:jobs|positions|roles|staff|workers|employees|its workforce)|"
                r"eliminat(?:e|es|ed|ing) (?:\d[\d,]* )?(?:jobs|positions|roles)|"
                r"job eliminations|redundanc(?:y|ies)|workforce reduction|"
                r"reduc(?:e|es|ed|ing) (?:its |the )?(?:workforce|headcount|staff)|"
                r"headcount (?:reduction|cuts))\b"
            ),
        ),
    ),
}
# Words (or the starts of words) that every trigger of a kind holds: one scan of the text for
# all of them tells which kinds' rules a sentence needs, so most sentences run none.
ANCHORS: dict[str, tuple[str, ...]] = {
    "funding": (
        "rais",
        "series",
        "seed",
        "funding",
        "round",
        "financing",
        "initial public",
        "ipo",
        "secondary listing",
        "share sale",
        "go public",
        "goes public",
        "going public",
        "lifeline",
        "bail",
        "rescue",
        "backer",
        "invest",
        "inject",
    ),
    "acquisition": (
        "acquir",
        "acquisition",
        "bought",
        "buy",
        "purchas",
        "merg",
        "takeover",
        "sold",
        "selling",
        "took",
    ),
    "compute_deal": (
        "gpu",
        "chip",
        "semiconductor",
        "compute",
        "computing",
        "cloud",
        "data cent",
        "datacent",
        "server",
        "accelerator",
        "tpu",
        "supercomputer",
        "h100",
        "a100",
        "h200",
        "b200",
    ),
    "partnership": (
        "partner",
        "team",
        "collaborat",
        "joint venture",
        "alliance",
        "memorandum",
        "mou",
        "sponsor",
        "licen",
        "distribution",
        "supply",
        "reseller",
        "ink",
        "strike",
        "struck",
        "sign",
    ),
    "launch": (
        "launch",
        "unveil",
        "debut",
        "introduc",
        "roll",
        "releas",
        "took the wraps",
        "takes the wraps",
        "on sale",
        "available",
        "shipping",
        "store shelves",
        "announc",
        "new feature",
    ),
    "hiring": (
        "appoint",
        "hired",
        "hires",
        "poach",
        "recruit",
        "named",
        "chief",
        "ceo",
        "cfo",
        "cto",
        "coo",
        "cso",
        "president",
        "chair",
        "head",
        "director",
        "executive",
        "manager",
        "lead",
        "engineer",
        "scientist",
        "researcher",
        "coach",
        "editor",
        "advis",
        "member",
        "partner",
        "join",
        "step",
        "resign",
        "left",
        "leaving",
        "leaves",
        "leave",
        "depart",
        "ousted",
        "sacked",
        "fired",
        "retir",
        "successor",
        "replace",
        "take",
        "took",
        "start",
    ),
    "policy": (
        "tariff",
        "export control",
        "executive order",
        "general licen",
        "stimulus",
        "effect",
        "force",
        "pull",
        "law",
        "legislation",
        "bill",
        "act",
        "regulation",
        "rules",
        "ban",
        "moratorium",
        "directive",
        "ordinance",
        "subsid",
        "tax",
        "standards",
        "requirements",
        "proposal",
        "measures",
        "guidelines",
    ),
    "legal": (
        "lawsuit",
        "sue",
        "suing",
        "suit",
        "class",
        "court",
        "judge",
        "ruling",
        "ruled",
        "jury",
        "acquitted",
        "indict",
        "charge",
        "plead",
        "guilty",
        "convicted",
        "sentenc",
        "settle",
        "fined",
        "fines",
        "fine of",
        "antitrust",
        "investigat",
        "probe",
        "inquiry",
        "subpoena",
        "prosecutor",
        "attorney general",
        "litigation",
        "infring",
        "injunction",
        "arrest",
        "detention",
        "legal",
        "trial",
        "scrutiny",
    ),
    "earnings": (
        "earnings",
        "results",
        "revenue",
        "profit",
        "loss",
        "guidance",
        "income",
        "quarter",
        "q1",
        "q2",
        "q3",
        "q4",
        "per share",
        "per-share",
        "per diluted",
    ),
    "layoffs": (
        "lay",
        "laid",
        "job cut",
        "cut",
        "eliminat",
        "job eliminations",
        "redundanc",
        "workforce",
        "reduc",
        "headcount",
    ),
}


def _kinds_by_anchor(anchors: dict[str, tuple[str, ...]]) -> dict[str, frozenset[str]]:
    """Each anchor word with the kinds whose triggers hold it."""
    kinds: dict[str, frozenset[str]] = {}
    for kind, words in anchors.items():
        for word in words:
            kinds[word] = kinds.get(word, frozenset()) | {kind}
    return kinds


_ANCHOR_KINDS = _kinds_by_anchor(ANCHORS)
_ANCHOR = re.compile(r"\b(?:" + trie_regex(_ANCHOR_KINDS) + ")")
# Buying art is not buying a company.
_ARTWORK = _rx(r"\b(?:painting|portrait|artwork|sculpture|masterpiece|museum)s?\b")
# A count of chips in a sentence that also says they are bought or owned is a compute deal.
_PROCURED = _rx(
    r"\b(?:own|owns|buy|buys|bought|buying|purchas\w+|order\w*|acquir\w+|deploy\w*|"
    r"secur(?:e|es|ed|ing)|rent\w*|leas(?:e|es|ed|ing)|suppl(?:y|ies|ied)|ship(?:s|ped|ping)?|"
    r"deliver\w*|receiv\w+)\b"
)
# Monetary policy ("the Fed cut rates") is not the policy or regulation the events are about.
_MONETARY = _rx(
    r"\b(?:central bank|Fed|Federal Reserve|People's Bank|ECB|interest rates?|"
    r"basis points|reserve requirement|reserve ratio|monetary policy)\b"
)


# ---- evidence: what an event needs besides its trigger

# Kinds whose words also tell of sport, politics, crime or private life ("launched a bid",
# "stepped down as party leader", "was arrested"): reported only where the story is about
# business or technology. An article says so with DOMAIN_WORDS distinct BUSINESS_WORDS, a
# sentence with SENTENCE_DOMAIN_WORDS of them or a listed (AI or technology) organisation.
AMBIGUOUS = frozenset({"launch", "legal", "partnership", "hiring", "policy"})
DOMAIN_WORDS = 3
SENTENCE_DOMAIN_WORDS = 2
BUSINESS_WORDS = tuple(
    word.replace("_", " ")
    for word in (
        "company companies firm firms startup startups start-up start-ups corporation corporations "
        "business businesses industry industries shares shareholder shareholders stock stocks "
        "investor investors revenue revenues profit profits customer customers consumer consumers "
        "users product products brand brands retailer retailers software hardware technology "
        "technologies tech digital online internet app apps platform platforms smartphone "
        "smartphones device devices computer computers computing chip chips semiconductor "
        "semiconductors data cloud ai artificial_intelligence algorithm algorithms e-commerce ceo "
        "chief_executive executive executives valuation subscribers telecom telecoms broadband 5g "
        "streaming website websites cyber cybersecurity cyberattack cyberattacks robot robots "
        "robotics gadget gadgets electronics acquisition merger funding ipo nasdaq wall_street "
        "earnings analyst analysts manufacturer manufacturers manufacturing supplier suppliers "
        "patent patents venture subscription"
    ).split()
)
# one scan of the lower-cased text: a prefix tree of whole words
_BUSINESS = re.compile(r"\b(?:" + trie_regex(BUSINESS_WORDS) + r")\b")
# Who acts in a sentence when no organisation is named: a company, not a person or a team.
_PARTY = _rx(
    r"\b(?:compan(?:y|ies)|firms?|start-?ups?|corporations?|(?:tech|chip|car|phone|software)"
    r"(?:maker|giant)s?|makers?|manufacturers?|retailers?|brands?|carriers?|operators?|"
    r"developers?|providers?|regulators?|(?-i:Inc|Corp|Ltd|LLC|PLC|plc)\b\.?)(?!\w)"
)
# What a launch makes: a product noun, or a product's name (mixed case, or with a number:
# "iPhone", "ChatGPT", "GPT-4o", "Galaxy S10", "Llama 2").
_PRODUCT = re.compile(
    r"(?i:\b(?:apps?|models?|versions?|services?|features?|products?|devices?|phones?|"
    r"smartphones?|laptops?|tablets?|computers?|chips?|processors?|platforms?|tools?|software|"
    r"updates?|editions?|lineup|consoles?|subscriptions?|beta|preview|chatbots?|assistants?|"
    r"headsets?|wearables?|gadgets?|browsers?|operating system|handsets?|websites?)\b)|"
    r"\b[a-z]+[A-Z]\w*|\b[A-Z][a-z]+[A-Z]\w*|\b[A-Z][\w-]*[ -]?\d+\w*"
)
# Sentences about sport, crime or private life, and about politics: words of such a sentence
# ("coach", "police", "wife", "party leader") rule out every ambiguous kind, politics all but
# policy.
_OFF_DOMAIN = _rx(
    r"\b(?:coach(?:es|ing)?|players?|squad|league|club|season|striker|midfielder|goalkeeper|"
    r"defender|quarterback|referee|tournament|championship|(?-i:F1|NFL|NBA|FIFA|UEFA)|"
    r"police|murder\w*|killings?|shooting|stabbing|assault|rape|manslaughter|homicide|"
    r"suspects?|drunk\w*|wife|husband|girlfriend|boyfriend|divorce|album|singer|actor|actress|"
    r"film|movie|concert|prophec\w+)\b"
)
_POLITICS = _rx(
    r"\b(?:election|electoral|campaign|candidates?|party leader|prime minister|ministers?|"
    r"parliament|senators?|congressman|congresswoman|governor|mayor|lawmakers?|impeachment)\b"
)
# Who acts in a policy: a government, a legislature or a regulator.
_GOVERNMENT = _rx(
    r"\b(?:government|administration|state|states|council|parliament|congress|senate|house|"
    r"lawmakers?|legislat\w+|ministry|minister|commission|regulators?|authorit(?:y|ies)|"
    r"agency|department|president|(?-i:EU|U\.S\.|US|UK|FCC|FTC|SEC))\b"
)
# What a policy that matters to business is about, when the story as a whole does not say so.
_ECONOMY = _rx(
    r"\b(?:tariffs?|trade|imports?|exports?|econom\w+|stimulus|tax\w*|industry|industries|"
    r"compan(?:y|ies)|business(?:es)?|firms?|markets?|prices?|producers?|manufactur\w+|"
    r"accounting|banks?|investment|technolog(?:y|ies)|digital|internet|online|data|"
    r"(?-i:AI)|platforms?|products?)\b"
)
# A hire at a company: the role says so even where the company goes unnamed.
_CORPORATE_ROLE = _rx(
    r"\b(?:(?-i:CEO|CFO|CTO|COO|CIO|CMO|VP)|chief (?:\w+ )?officer|chief executive|"
    r"chair(?:man|woman)|managing director|vice[- ]president|general counsel|board|"
    r"(?:senior |sales |product |marketing |engineering |regional |country )+manager|"
    r"head of (?:\w+ )?(?:sales|marketing|product|engineering|research|operations))\b"
)
# A partner named right after "with" or "between".
_PARTNER = re.compile(r"\b(?:with|between) (?:the )?[A-Z][\w&.'’-]+")
# A name further in than a sentence's first word: enough for the kinds whose triggers are
# business words themselves ("reported a loss", "laid off", "acquired").
_PROPER_NAME = re.compile(r"(?<=[ (])[A-Z][\w&.'’-]*[a-z][\w&.'’-]*")


def domain_words(text: str) -> int:
    """How many distinct words of business or technology a text holds."""
    return len({m.group() for m in _BUSINESS.finditer(text.lower())})


def evidenced(kind: str, sentence: str, orgs: Sequence[int], business: bool) -> bool:
    """Whether a sentence whose trigger fits says enough to report an event of this kind.

    Each kind needs someone who acts: an organisation named in the sentence (``orgs``) or a
    company spoken of ("the firm"). Else a launch needs what was made ("a new app", "iPhone
    12"), a hire a company's role ("as its CFO"), a partnership a partner's name, a policy a
    government or any name, and the kinds whose triggers are business words themselves any
    name. The ambiguous kinds also need a story about business or technology (``business``;
    for a policy, economic words in its sentence will do) and no words of sport, crime or
    private life in the sentence, nor (but for a policy) of politics.
    """
    if kind in AMBIGUOUS:
        if _OFF_DOMAIN.search(sentence) or (kind != "policy" and _POLITICS.search(sentence)):
            return False
        if not business and not (kind == "policy" and _ECONOMY.search(sentence)):
            return False
    if orgs or _PARTY.search(sentence):
        return True
    if kind == "policy" and _GOVERNMENT.search(sentence):
        return True
    if kind not in AMBIGUOUS or kind == "policy":
        return bool(_PROPER_NAME.search(sentence))
    other = {
        "launch": _PRODUCT,
        "hiring": _CORPORATE_ROLE,
        "partnership": _PARTNER,
    }.get(kind)
    return bool(other and other.search(sentence))


@dataclass(frozen=True)
class Event:
    """One event a sentence reports, with the words that triggered it."""

    type: str
    trigger: str
    field: str  # "title" or "text"
    start: int  # where the trigger is in that field
    end: int
    sentence: str


def sentences(text: str) -> Iterator[tuple[int, str]]:
    """Each sentence with where it starts."""
    start = 0
    for stop in _STOP.finditer(text):
        if stop.group()[0] != "\n" and _ABBREVIATION.search(text, max(0, start), stop.start() + 1):
            continue
        if text[start : stop.start()].strip():
            yield start, text[start : stop.end()]
        start = stop.end()
    if text[start:].strip():
        yield start, text[start:]


class EventFinder:
    """Finds the events each sentence of a title and text reports."""

    def find(
        self,
        fields: Sequence[tuple[str, str]],
        chips: Sequence[tuple[str, int, int]] = (),
        orgs: Sequence[tuple[str, int]] = (),
        listed: Sequence[tuple[str, int]] = (),
    ) -> list[Event]:
        """Every event of each sentence of the (field, text) pairs, in order.

        ``chips`` are the counts of chips found, as (field, start, end); ``orgs`` where the
        organisations found start, as (field, start), and ``listed`` where those of them the
        gazetteer lists do.
        """
        found = []
        lowered = [text.lower() for _, text in fields]
        words = [[(m.start(), m.group()) for m in _BUSINESS.finditer(low)] for low in lowered]
        article = len({word for each in words for _, word in each}) >= DOMAIN_WORDS
        for (field, text), low, business_words in zip(fields, lowered, words, strict=True):
            counts = [(start, end) for where, start, end in chips if where == field]
            names = [start for where, start in orgs if where == field]
            known = [start for where, start in listed if where == field]
            anchors = [(m.start(), _ANCHOR_KINDS[m.group()]) for m in _ANCHOR.finditer(low)]
            for offset, sentence in sentences(text):
                end = offset + len(sentence)
                kinds = frozenset().union(*(k for at, k in anchors if offset <= at < end))
                if counts and any(offset <= s < end for s, _ in counts):
                    kinds |= {"compute_deal"}
                if not kinds:
                    continue
                inside = [s - offset for s in names if offset <= s < end]
                business = article or (
                    bool(kinds & AMBIGUOUS)
                    and (
                        any(offset <= s < end for s in known)
                        or len({w for at, w in business_words if offset <= at < end})
                        >= SENTENCE_DOMAIN_WORDS
                    )
                )
                found += self._sentence(field, offset, sentence, counts, inside, kinds, business)
        return found

    def _sentence(
        self,
        field: str,
        offset: int,
        sentence: str,
        counts: Sequence[tuple[int, int]],
        orgs: Sequence[int],
        kinds: frozenset[str],
        business: bool = True,
    ) -> list[Event]:
        """The events of the given kinds one sentence reports, one per kind."""
        found = []
        context = " ".join(sentence.split())[:300]
        for kind, rules in RULES.items():
            if kind not in kinds:
                continue
            if kind == "policy" and _MONETARY.search(sentence):
                continue
            if kind == "acquisition" and _ARTWORK.search(sentence):
                continue
            match = next((m for m in (rule.match(sentence, orgs) for rule in rules) if m), None)
            if match and not evidenced(kind, sentence, orgs, business):
                continue
            if match:
                start = offset + match.start()
                found.append(
                    Event(kind, match.group(), field, start, start + len(match.group()), context)
                )
            elif kind == "compute_deal" and _PROCURED.search(sentence):
                inside = [(s, e) for s, e in counts if offset <= s < offset + len(sentence)]
                if inside:
                    s, e = inside[0]
                    found.append(
                        Event(kind, sentence[s - offset : e - offset], field, s, e, context)
                    )
        return found
