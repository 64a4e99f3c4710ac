"""Entities: each rule on hand-made sentences (hard negatives included), then floors on real texts.

The floors sit a little under what ``python -m benchmarks.entities`` measures on the labelled set
(``benchmarks/results/entities.json``); the texts come from ``../shared`` (or
``$NEWSFOLD_BENCHDATA``) and those tests skip, saying why, where they are absent.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest

from benchmarks import entities as bench
from benchmarks import entityset
from benchmarks.scoring import default_benchdata_root
from config.loader import ConfigError, load_config
from config.schema import OrganisationEntry
from pipelines.entities import EntityExtractor, Gazetteer, extract_entities
from pipelines.entities.amounts import AmountFinder
from pipelines.entities.cues import CueFinder
from pipelines.entities.events import EventFinder, sentences
from pipelines.entities.gazetteer import PACKAGED, merge_entries, trie_regex

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def extractor() -> EntityExtractor:
    return EntityExtractor()


@pytest.fixture(scope="module")
def gazetteer(extractor: EntityExtractor) -> Gazetteer:
    return extractor.gazetteer


def names(gazetteer: Gazetteer, text: str) -> list[str]:
    return [found.name for found in gazetteer.find(text)]


def events(text: str, title: str = "") -> set[str]:
    return set(extract_entities(title, text).event_types())


# A title that makes an article a business and technology story, without any event of its own.
BUSINESS = "Software company shares rose as investors cheered cloud revenue"


def money(text: str) -> list[tuple[float, str | None]]:
    return [(a.value, a.currency) for a in AmountFinder().find(text) if a.kind == "money"]


# ---- the gazetteer


def test_the_packaged_gazetteer_lists_hundreds_of_organisations_of_every_kind(
    gazetteer: Gazetteer,
) -> None:
    assert len(gazetteer) >= 300
    kinds = {entry.kind for entry in gazetteer.entries}
    assert kinds == {"lab", "bigtech", "chips", "cloud", "startup", "tech", "investor", "regulator"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Meta said on Tuesday that Meta's models would be open.", ["Meta", "Meta"]),
        ("A meta-analysis of 40 studies found no effect.", []),
        ("Meta-analysis: the studies found no effect.", []),
        ("Meta analysis of the trials followed.", []),
        ("Metadata and the metaverse.", []),
        ("Meta-owned Instagram", ["Meta", "Instagram"]),
        ("Facebook and META", ["Meta", "Meta"]),
        ("Apple sold more iPhones.", ["Apple"]),
        ("She baked an apple pie.", []),
        ("Apple pie is a classic dessert.", []),
        ("He moved to the Big Apple.", []),
        ("OpenAI and Open AI and OpenAI's", ["OpenAI", "OpenAI", "OpenAI"]),
        ("open AI models and open-source AI", []),
        ("NVIDIA and Nvidia Corp.", ["Nvidia", "Nvidia"]),
        ("nvidia drivers", []),  # matched as written
        ("Amazon Web Services and Amazon", ["Amazon Web Services", "Amazon"]),
        ("the Amazon rainforest", []),
        ("Nikola Tesla's coil", []),
        ("U.S. Intel Community officials", []),
        ("Google's DeepMind division", ["Google", "Google DeepMind"]),
        ("the Oracle of Omaha", []),
        ("www.apple.com and @OpenAI", []),
        ("OCI and Oracle Cloud", ["Oracle Cloud Infrastructure", "Oracle Cloud Infrastructure"]),
        ("OCI Group, the fertiliser maker", []),
        ("Inflection raised money", ["Inflection AI"]),
        ("an Inflection point in sales", []),
        ("The Ripple effect of the ban", []),
        ("Ripple Labs and Comcast", ["Ripple", "Comcast"]),
        (
            "BT and Telstra cut prices; Mastercard and SpaceX",
            ["BT Group", "Telstra", "Mastercard", "SpaceX"],
        ),
        ("BT Sport showed the match.", []),
        ("a painting by Hieronymus Bosch", []),
        ("Visa applications rose; Visa Inc. said", ["Visa Inc."]),
        ("The Bridgewater bridge and the juniper hedge", []),
    ],
)
def test_names_match_as_whole_words_with_their_case_and_context(
    gazetteer: Gazetteer, text: str, expected: list[str]
) -> None:
    assert names(gazetteer, text) == expected


def test_no_name_or_alias_is_listed_twice(gazetteer: Gazetteer) -> None:
    written = [n for e in gazetteer.entries for n in (e.name, *e.aliases)]
    assert sorted(n for n in set(written) if written.count(n) > 1) == []


def test_a_longer_name_wins_over_a_name_it_starts_with(gazetteer: Gazetteer) -> None:
    assert names(gazetteer, "Google Cloud Platform grew.") == ["Google Cloud"]
    assert names(gazetteer, "Taiwan Semiconductor Manufacturing Co.") == ["TSMC"]


def test_the_prefix_tree_regex_matches_what_an_alternation_matches() -> None:
    import re

    words = ["Ab", "Abc", "Abd", "B", "Bcd", "x.y"]
    pattern = re.compile(r"(?<!\w)(?:" + trie_regex(words) + r")(?!\w)")
    assert [m.group() for m in pattern.finditer("Abc Ab Abd B Bcd Abx x.y")] == [
        "Abc",
        "Ab",
        "Abd",
        "B",
        "Bcd",
        "x.y",
    ]


def test_a_user_file_adds_organisations_and_replaces_one_of_the_same_name(tmp_path: Path) -> None:
    user = tmp_path / "orgs.toml"
    user.write_text(
        "organisations = [\n"
        '  { name = "Acme Robotics", kind = "startup", aliases = ["Acme"], '
        'not_before = ["anvil"] },\n'
        '  { name = "Anthropic", kind = "lab", aliases = ["Anthropic PBC", "Claude maker"] },\n'
        "]\n"
    )
    gazetteer = Gazetteer.load(user)
    assert names(gazetteer, "Acme and the Claude maker, not an Acme anvil") == [
        "Acme Robotics",
        "Anthropic",
    ]
    assert len(gazetteer) == len(Gazetteer.load()) + 1


def test_merge_keeps_the_order_and_replaces_by_name() -> None:
    a = OrganisationEntry(name="A", kind="lab")
    b = OrganisationEntry(name="B", kind="lab")
    b2 = OrganisationEntry(name="B", kind="tech")
    merged = merge_entries([a, b], [b2])
    assert [(e.name, e.kind) for e in merged] == [("A", "lab"), ("B", "tech")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("organisations = [", "not valid TOML"),
        ('organisations = [{ name = "X", kind = "bakery" }]', "organisations.0.kind"),
        ('organisations = [{ name = "X" }]', "organisations.0.kind"),
        ('organisations = [{ name = "X", kind = "lab", aliases = [" "] }]', "empty name"),
        ('companies = [{ name = "X", kind = "lab" }]', "organisations"),
    ],
)
def test_a_bad_gazetteer_file_is_refused_at_load_naming_file_and_key(
    tmp_path: Path, content: str, message: str
) -> None:
    user = tmp_path / "orgs.toml"
    user.write_text(content)
    config = tmp_path / "newsfold.toml"
    config.write_text(f'[entities]\ngazetteer = "{user}"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(config, env={})
    assert "entities.gazetteer" in str(caught.value) and message in str(caught.value)
    assert str(user) in str(caught.value)


def test_a_missing_gazetteer_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(env={"NEWSFOLD__ENTITIES__GAZETTEER": str(tmp_path / "none.toml")})


def test_a_good_gazetteer_file_is_taken_from_the_config(tmp_path: Path) -> None:
    user = tmp_path / "orgs.toml"
    user.write_text('organisations = [{ name = "Acme Robotics", kind = "startup" }]\n')
    config = load_config(env={"NEWSFOLD__ENTITIES__GAZETTEER": str(user)})
    extractor = EntityExtractor.from_config(config.entities)
    assert [o.name for o in extractor.extract("", "Acme Robotics grew.").organisations] == [
        "Acme Robotics"
    ]


@pytest.mark.slow
def test_the_cli_exits_2_on_a_bad_gazetteer_file(tmp_path: Path) -> None:
    user = tmp_path / "orgs.toml"
    user.write_text('organisations = [{ name = "X", kind = "bakery" }]\n')
    config = tmp_path / "newsfold.toml"
    config.write_text(f'[entities]\ngazetteer = "{user}"\n')
    newsfold = str(Path(sys.executable).with_name("newsfold"))
    done = subprocess.run(
        [newsfold, "schedule", "--config", str(config)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "entities.gazetteer" in done.stderr


# ---- unlisted organisations


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "UK chip designer Imagination Technologies said",
            [("Imagination Technologies", "Technologies")],
        ),
        ("Evan Sparks, CEO of Determined AI, a startup", [("Determined AI", "AI")]),
        ("the private equity firm Alden Capital owns", [("Alden Capital", "Capital")]),
        ("Meanwhile U.S.-based Ceres Robotics Inc. won", [("Ceres Robotics", "Robotics")]),
        ("owner of Landry's, Inc. and", [("Landry's", "Inc.")]),
        ("Braun's Ithaca Holdings bought it", [("Ithaca Holdings", "Holdings")]),
        ("the AI startup Zyphra, which", [("Zyphra", "AI startup")]),
        ("Kumo, a startup that builds models", [("Kumo", "startup")]),
        ("Generative AI and Responsible AI and Venture Capital", []),
        ("the Smart and Sustainable Automation Research Lab", []),
        ("Apple Strikes New Deal With UK Chip Designer Imagination Technologies", []),
        ("In March, the company said", []),
        ("Hospitals Already Using AI report shorter waits", []),
        ("Moving AI into production is hard", []),
        ("the Texas AI plan and China AI rules", []),
        ("the European Union's AI rules", []),
        ("the Energy Agency’s Photovoltaic Power Systems programme", []),
        ("a Fourth Energy Technology revolution", []),
        ("Photo Gallery Landry's, Inc. owner", [("Landry's", "Inc.")]),
        ("the Shanghai-based Unitree Robotics said", [("Unitree Robotics", "Robotics")]),
        ("Harmonic AI, a startup, raised", [("Harmonic AI", "AI")]),
    ],
)
def test_unlisted_organisations_are_found_by_their_cues(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert [(f.name, f.cue) for f in CueFinder().find(text, [])] == expected


def test_a_listed_name_is_never_reported_again_as_unlisted(extractor: EntityExtractor) -> None:
    found = extractor.extract("", "Nvidia Corp. and Microsoft AI and Alibaba Group Holding Ltd.")
    assert [(o.name, o.listed) for o in found.organisations] == [
        ("Nvidia", True),
        ("Microsoft", True),
        ("Alibaba", True),
    ]


def test_an_unlisted_organisation_is_marked_with_its_cue(extractor: EntityExtractor) -> None:
    (org,) = extractor.extract("", "Imagination Technologies said so.").organisations
    assert (org.name, org.kind, org.listed, org.cue) == (
        "Imagination Technologies",
        "unlisted",
        False,
        "Technologies",
    )


# ---- amounts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("raised $640 million", [(640e6, "USD")]),
        ("a US$9.8bn deal", [(9.8e9, "USD")]),
        ("€2 billion", [(2e9, "EUR")]),
        ("£1.5bn", [(1.5e9, "GBP")]),
        ("$4.1B", [(4.1e9, "USD")]),
        ("$128.7 billion", [(128.7e9, "USD")]),
        ("a $5 coffee", [(5.0, "USD")]),
        ("$40-50 billion a year", [(40e9, "USD"), (50e9, "USD")]),
        ("800 billion yuan ($114.6 billion)", [(800e9, "CNY"), (114.6e9, "USD")]),
        ("500 million pounds", [(500e6, "GBP")]),
        ("176 Hong Kong dollars", [(176.0, "HKD")]),
        ("75 cents a gallon", [(0.75, "USD")]),
        ("Rs 42,900 and Rs 250 crore", [(42900.0, "INR"), (2.5e9, "INR")]),
        ("Sh130m in wages", [(130e6, "KES")]),
        ("R$90 million", [(90e6, "BRL")]),
        ("$373 billion dollars", [(373e9, "USD")]),
        ("at 135 pounds he won 5 games", []),
        ("Euro 2020 qualifier", []),
        ("5 million pounds of plastic and 40 pounds per square inch", []),
        ("500 million pounds of investment", [(500e6, "GBP")]),
        ("costs in 2019 dollars and in constant 2015 euros", []),
        ("He paid 2019 dollars for it.", [(2019.0, "USD")]),
        ("5G phones with 20TB drives and 4K screens", []),
    ],
)
def test_money_is_read_with_value_and_currency(
    text: str, expected: list[tuple[float, str]]
) -> None:
    assert money(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NRW rose after the Perth-based contractor paid $10.7 million", [(10.7e6, "AUD")]),
        ("SYDNEY (Reuters) - The miner paid $5 million.", [(5e6, "AUD")]),
        ("It paid A$1.5bn, or $1 billion more than before.", [(1.5e9, "AUD"), (1e9, "AUD")]),
        ("Auckland Transport paid 135-thousand-dollars; Auckland ratepayers", [(135e3, "NZD")]),
        ("Kelowna City Council approved $126-million; Kelowna's RCMP", [(126e6, "CAD")]),
        # a single mention of a place further on is not the story's own dollar
        ("Apple paid $5 billion for a startup, its Sydney office said.", [(5e9, "USD")]),
        ("In New York, the Sydney Opera House tour costs $50, U.S. buyers say.", [(50.0, "USD")]),
        ("The kiwi fruit costs $2 in Ohio.", [(2.0, "USD")]),
        ("A Gold Coast man won $1 million; the Western Australia draw", [(1e6, "AUD")]),
    ],
)
def test_a_bare_dollar_is_the_story_s_own_dollar(
    extractor: EntityExtractor, text: str, expected: list[tuple[float, str]]
) -> None:
    found = extractor.extract("", text).amounts
    assert [(a.value, a.currency) for a in found if a.kind == "money"] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Meta would own over 340,000 Nvidia H100 GPUs", [(340_000, "H100")]),
        ("a cluster of 100k H100s", [(100_000, "H100")]),
        ("16,000 of Nvidia's A100 chips", [(16_000, "A100")]),
        ("10,000 GPUs", [(10_000, "GPU")]),
        ("the 2024 GPUs roadmap", []),
        ("an RTX 3080 with 5,888 CUs", []),
        ("it went through 3 accelerators before its seed round", []),
        ("20,000 Nvidia accelerators", [(20_000, "AIchip")]),
    ],
)
def test_chip_counts_are_read_with_count_and_chip(
    text: str, expected: list[tuple[int, str]]
) -> None:
    found = [(a.value, a.chip) for a in AmountFinder().find(text) if a.kind == "chips"]
    assert found == expected


def test_each_amount_keeps_the_words_it_was_read_from() -> None:
    text = "It raised US$9.8bn."
    (amount,) = AmountFinder().find(text)
    assert amount.text == "US$9.8bn" == text[amount.start : amount.end]


# ---- events


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Mistral raised €600 million in a Series B round led by General Catalyst.", "funding"),
        ("AI startup Anysphere raises $900 million at a $9.9 billion valuation.", "funding"),
        ("The company shelved its plans for an initial public offering.", "funding"),
        ("Google has bought CloudSimple, a startup.", "acquisition"),
        ("Coty took a majority stake in Kylie Jenner's company.", "acquisition"),
        ("The merger of Gannett and GateHouse became final.", "acquisition"),
        ("Meta would own over 340,000 Nvidia H100 GPUs by the end of 2024.", "compute_deal"),
        ("Microsoft signed a deal to rent cloud capacity from CoreWeave.", "compute_deal"),
        ("OpenAI partnered with Apple on Siri.", "partnership"),
        ("The two companies signed a memorandum of understanding.", "partnership"),
        ("OpenAI launched GPT-4o on Monday.", "launch"),
        ("Audi has unveiled a new e-tron model.", "launch"),
        ("Microsoft hired Mustafa Suleyman to run Microsoft AI.", "hiring"),
        ("Neumann stepped down as CEO last month.", "hiring"),
        ("Renault named a former Volkswagen executive as its chief executive.", "hiring"),
        ("The EU adopted the AI Act on Tuesday.", "policy"),
        ("Trump will raise tariffs on Chinese imports.", "policy"),
        ("The FTC sued Amazon over its marketplace.", "legal"),
        ("The New York State Attorney General is investigating WeWork Inc.", "legal"),
        ("Nvidia reported quarterly revenue of $30 billion.", "earnings"),
        ("Google laid off 12,000 employees.", "layoffs"),
        ("Scale AI is cutting 14% of its staff amid job cuts.", "layoffs"),
        ("Embracing open source, the corporation unveiled Llama 2 on Tuesday.", "launch"),
        ("Since the AirPods first launched in 2016, users asked for more.", "launch"),
        ("The feature will be rolled out gradually on desktop.", "launch"),
        ("The board approved Jane Doe's appointment as chief executive.", "hiring"),
        ("Oil company PKN Orlen is joining as co-title sponsor of the team.", "partnership"),
        ("Patrik Hanser starts as senior sales manager at the Frankfurt office.", "hiring"),
        ("Jenner still has a partnership with Ulta Beauty to sell her products.", "partnership"),
    ],
)
def test_each_kind_of_event_is_found_with_its_trigger(text: str, kind: str) -> None:
    found = [e for e in extract_entities(BUSINESS, text).events if e.type == kind]
    assert found, f"no {kind} in {text!r}"
    assert found[0].trigger in text and found[0].sentence


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Buttigieg raised $24.7 million in the final quarter.", "funding"),
        ("I bought a $5 coffee and a CD.", "acquisition"),
        ("The Louvre has fought to acquire an 18th-century painting.", "acquisition"),
        ("Barcelona submit bid for Dinamo Zagreb player Dani Olmo.", "acquisition"),
        ("Meta plans to acquire over 340,000 Nvidia H100 GPUs.", "acquisition"),
        ("Blue-chip stocks fell after the trade deal stalled.", "compute_deal"),
        ("Chris Early, senior vp partnerships and revenue at Ubisoft, said so.", "partnership"),
        ("Prosecutors launched an investigation into the firm.", "launch"),
        ("The ministry released a statement and two reports.", "launch"),
        ("He made his debut for Spain in November.", "launch"),
        ("Lufthansa retires big jets as demand falls.", "hiring"),
        ("Destiny 2 on Stadia is a marked step down from the Xbox version.", "hiring"),
        ("The Fed cut interest rates by a quarter point.", "policy"),
        ("Sign up for a free trial of our services.", "legal"),
        ("The weather is fine, he said.", "legal"),
        ("Even before he launched his bid for the White House, he golfed.", "launch"),
        ("The SunShot Initiative launched by the U.S. government aims lower.", "launch"),
        ("Despite the setbacks introduced by its neighbour, exports grew.", "launch"),
        ("It is the launch customer for five 787 Dreamliners.", "launch"),
        ("The robot passed its first clinical trial of blood drawing.", "legal"),
        ("Giuliani threatens protests at the Trump impeachment trial.", "legal"),
        ("AI predicts appointment types and arrival times.", "hiring"),
        ("The stock trades at 37 times TTM earnings.", "earnings"),
    ],
)
def test_hard_negatives_report_no_event_of_that_kind(text: str, kind: str) -> None:
    assert kind not in events(text)
    assert kind not in events(text, BUSINESS)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # nobody who acts: no organisation, company, product, role or partner in the sentence
        ("Netanyahu launched a tirade against the justice system.", "launch"),
        ("The driver is safe and was released on Tuesday.", "launch"),
        ("He was hired to work on internal tooling.", "hiring"),
        ("Whoever it is, we need to find them and recruit them soon.", "hiring"),
        ("The investigation is ongoing, officials said.", "legal"),
        ("Two men were arrested on Wednesday.", "legal"),
        ("They collaborated with researchers on the study.", "partnership"),
        # sport, crime, private life and politics
        ("Robert Kubica joins F1 team Alfa Romeo as reserve driver.", "hiring"),
        (
            "Mourinho agreed a deal to replace Pochettino as Tottenham's manager this season.",
            "hiring",
        ),
        ("She said she would be stepping down as party leader of the CDU.", "hiring"),
        ("The Nike sponsorship deal with the club runs to 2025.", "partnership"),
        ("Police at Google's campus began an investigation into a shooting.", "legal"),
        ("The minister unveiled the new Apple Card to parliament.", "launch"),
        ("The league's ban on Chelsea was lifted, so the squad can grow.", "policy"),
        ("After leaving the company, Gates set up a foundation with his wife.", "hiring"),
    ],
)
def test_an_ambiguous_trigger_needs_someone_who_acts_and_no_other_domain(
    text: str, kind: str
) -> None:
    assert kind not in events(text, BUSINESS)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Apple introduced a new iPhone at its event.", "launch"),
        ("The FTC sued Meta over Instagram.", "legal"),
        ("Samsung hired Jane Park to run its chip unit.", "hiring"),
        ("The startup signed a partnership with Oracle.", "partnership"),
    ],
)
def test_an_ambiguous_kind_needs_a_business_story(text: str, kind: str) -> None:
    # the listed organisations of the sentence make it one on their own
    assert kind in events(text)
    generic = text.replace("Apple", "Tom").replace("Meta", "Tom").replace("Samsung", "Tom")
    generic = generic.replace("FTC", "state").replace("Instagram", "a post")
    generic = generic.replace("The startup", "Tom").replace("Oracle", "Ann")
    generic = generic.replace("iPhone", "song").replace("chip", "garden")
    assert kind not in events(generic)


def test_a_story_about_business_is_told_by_its_words_or_its_sentence() -> None:
    sentence = "Acme Robotics unveiled a new warehouse robot."
    assert "launch" in events(sentence)  # two business words in the sentence itself
    plain = "Acme Robotics unveiled a new garden statue."
    assert "launch" not in events(plain)
    assert "launch" in events(plain, "Shares of the company rose as investors cheered the data")
    assert "launch" not in events(plain, "Shares rose")


@pytest.mark.parametrize(
    "text",
    [
        "The council adopted guidelines on travel and tourism.",
        "New laws on car seats take effect in the state on Jan. 1.",
    ],
)
def test_a_policy_outside_business_is_not_reported(text: str) -> None:
    assert "policy" not in events(text)


@pytest.mark.parametrize(
    "text",
    [
        "The European Commission adopted rules on data and online platforms.",
        "Trump will raise tariffs on Chinese imports.",
    ],
)
def test_a_policy_about_the_economy_is_reported_in_any_story(text: str) -> None:
    assert "policy" in events(text)


def test_a_business_trigger_needs_a_name_in_its_sentence() -> None:
    assert "layoffs" not in events("Intro. Layoffs hit hard.")
    assert "layoffs" in events("Intro. Layoffs hit Acme hard.")


def test_a_headline_counts_with_its_field() -> None:
    (event,) = extract_entities("Cerebras raises $1.1 billion", "").events
    assert (event.type, event.field, event.trigger) == (
        "funding",
        "title",
        "raises $1.1 billion",
    )


def test_sentences_do_not_end_at_abbreviations() -> None:
    text = "It sold cloud services to U.S. energy giant Chevron Corp. in 2017. Mr. Smith left.\nNew"
    assert [s.strip() for _, s in sentences(text)] == [
        "It sold cloud services to U.S. energy giant Chevron Corp. in 2017.",
        "Mr. Smith left.",
        "New",
    ]


def test_event_offsets_point_at_the_trigger() -> None:
    text = "Intro. Google laid off 12,000 employees."
    (event,) = EventFinder().find([("text", text)], orgs=[("text", 7)])
    assert text[event.start : event.end] == event.trigger == "laid off"


# ---- the result


def test_the_result_is_plain_json(extractor: EntityExtractor) -> None:
    found = extractor.extract(
        "Anysphere raises $900 million",
        "The AI startup Anysphere, maker of Cursor, raised $900 million in a round led by "
        "Thrive Capital. It will buy 10,000 Nvidia H100 GPUs.",
    )
    data = json.loads(json.dumps(found.as_dict()))
    assert set(data) == {"organisations", "amounts", "events"}
    assert {"name", "kind", "listed", "mentions", "forms", "cue"} <= set(data["organisations"][0])
    assert {"kind", "value", "currency", "chip", "text", "start", "end"} <= set(data["amounts"][0])
    assert {"type", "trigger", "field", "start", "end", "sentence"} <= set(data["events"][0])
    assert found.event_types() == ["funding", "compute_deal"]


def test_the_gazetteer_is_package_data_of_the_wheel() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = setuptools["package-data"]["pipelines"]
    assert any(fnmatch(f"entities/{PACKAGED}", pattern) for pattern in patterns)
    assert (ROOT / "pipelines" / "entities" / PACKAGED).is_file()


# ---- the benchmark's scorer, by hand


def test_names_are_compared_without_case_article_suffix_or_punctuation() -> None:
    assert bench.normalise("The Carlyle Group") == bench.normalise("carlyle group")
    assert bench.normalise("Apple Inc.") == bench.normalise("Apple") == "apple"
    assert bench.normalise("Landry's, Inc.") == "landry"
    assert bench.normalise("AT&T") == "at&t"


def test_counts_score_neutral_predictions_in_neither_direction(gazetteer: Gazetteer) -> None:
    labels = entityset.Labels(
        "aeb",
        "x",
        "0",
        "dev",
        organisations=("Facebook", "Imagination Technologies"),
        other_organisations=("Tempus",),
        money=((640e6, "USD"),),
        events=("funding", "launch"),
    )
    found = extract_entities(
        "",
        "Meta and Tempus Inc. and Bogus Labs. Meta raised $640 million and $5 in a Series A round.",
    )
    orgs = bench.organisation_counts(labels, found, gazetteer)
    # Meta names Facebook (an alias), Tempus is neutral, Bogus Labs is wrong; one missed
    assert (orgs.right, orgs.predicted, orgs.neutral, orgs.found, orgs.labelled) == (1, 3, 1, 1, 2)
    assert orgs.precision == 0.5 and orgs.recall == 0.5
    amounts = bench.amount_counts(labels, found)
    assert (amounts.right, amounts.predicted, amounts.labelled) == (1, 2, 1)
    kinds = bench.event_counts(labels, found)
    assert (kinds["funding"].right, kinds["launch"].labelled, kinds["launch"].right) == (1, 1, 0)


def test_a_text_that_changed_is_set_apart(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text("Title\nBody text.\n")
    good = entityset.text_digest("Title", "Body text.\n")
    labels = [
        entityset.Labels("seeds", "a.txt", good, "dev"),
        entityset.Labels("seeds", "a.txt", "0" * 16, "dev"),
        entityset.Labels("seeds", "b.txt", good, "dev"),
    ]
    loaded = entityset.load_set(tmp_path / "benchdata", labels)
    assert len(loaded.pairs) == 1
    assert loaded.changed == ["seeds/a.txt"] and loaded.missing == ["seeds/b.txt"]


def test_the_labels_are_well_formed_and_about_30_percent_held_out() -> None:
    labels = entityset.read_labels()
    assert len(labels) >= 150
    assert len({(x.dataset, x.key) for x in labels}) == len(labels)
    hashed = [x for x in labels if x.split in entityset.HASHED_SPLITS]
    held = sum(x.split == "heldout" for x in hashed)
    assert 0.25 <= held / len(hashed) <= 0.35
    assert all(x.split == entityset.split_of(x.dataset, x.key) for x in hashed)
    assert sum(x.split == "fresh" for x in labels) >= 60


# ---- floors on the labelled set


@pytest.fixture(scope="module")
def scored(extractor: EntityExtractor) -> dict[str, bench.SplitScore]:
    root = default_benchdata_root()
    reason = entityset.missing_reason(root)
    if reason:
        pytest.skip(reason)
    labelled = entityset.load_set(root)
    assert labelled.changed == [] and labelled.missing == []
    return bench.run_set(labelled, extractor)


# A little under what the benchmark measures (benchmarks/results/entities.json): dev, where the
# rules were tuned, P/R organisations 0.988/0.953, amounts 0.994/0.994, events 0.961/0.771;
# heldout, whose errors were read in tuning, organisations 1.000/0.902, amounts 1.000/0.894,
# events 0.962/0.581; fresh, never tuned on, organisations 0.988/0.750, amounts 0.931/0.900,
# events 0.833/0.250 (5 right of 6).
FLOORS = {
    "dev": {
        ("organisations", "precision"): 0.97,
        ("organisations", "recall"): 0.94,
        ("amounts", "precision"): 0.98,
        ("amounts", "recall"): 0.98,
        ("events", "precision"): 0.94,
        ("events", "recall"): 0.75,
    },
    "heldout": {
        ("organisations", "precision"): 0.98,
        ("organisations", "recall"): 0.88,
        ("amounts", "precision"): 0.98,
        ("amounts", "recall"): 0.87,
        ("events", "precision"): 0.94,
        ("events", "recall"): 0.56,
    },
    "fresh": {
        ("organisations", "precision"): 0.97,
        ("organisations", "recall"): 0.73,
        ("amounts", "precision"): 0.91,
        ("amounts", "recall"): 0.88,
        ("events", "precision"): 0.80,
        ("events", "recall"): 0.23,
    },
}


@pytest.mark.benchdata
@pytest.mark.parametrize("split", sorted(FLOORS))
def test_floors_on_the_labelled_texts(scored: dict[str, bench.SplitScore], split: str) -> None:
    for (field, measure), floor in FLOORS[split].items():
        value = getattr(scored[split].fields[field], measure)
        assert value >= floor, f"{split} {field} {measure} {value:.3f} < {floor}"


def test_the_saved_result_renders_in_the_benchmarks_readme() -> None:
    from benchmarks import report

    saved = json.loads((ROOT / "benchmarks" / "results" / "entities.json").read_text())
    section = report.section(saved)
    assert section.startswith("## entities") and "heldout (48 texts)" in section
    assert "fresh (64 texts)" in section
