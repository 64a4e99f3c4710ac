"""The text patterns of boilerplate lines, English first, other languages where cheap."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipelines.extraction.lines import Line

_I = re.IGNORECASE
_WORD = re.compile(r"\w+")
_LONG_WORD = re.compile(r"[^\W\d_]{4,}")

# Labels that introduce a link to another article, in the languages trafilatura meets most.
_READ_ALSO = (
    r"read (?:more|also|next)|also read|see (?:also|more)|related(?: article| story| reading| post)?|"
    r"recommended(?: reading)?|must read|don'?t miss|more from [\w .'-]{1,40}|related coverage|"
    r"next read|you (?:might|may) also like|continue reading|also on [\w.-]{2,30}|more|"
    r"lesen sie (?:auch|mehr|hier)|auch interessant|mehr (?:zum thema|dazu)|weiterlesen|zum weiterlesen|"
    r"siehe auch|schon gelesen\??|auch lesen|passend (?:dazu|zum thema)|das könnte (?:sie|dich) auch interessieren|"
    r"à lire (?:aussi|également)|lire aussi|(?:à )?voir aussi|sur le même sujet|"
    r"lea (?:también|más)|lea|lee también|le puede interesar|te puede interesar|vea también|ver también|puedes ver|"
    r"leggi anche|vedi anche|potrebbe interessarti|leia (?:também|mais)|veja também|"
    r"czytaj (?:też|także|więcej)|zobacz (?:też|także)|dowiedz się więcej|lees ook|zie ook"
)
TEASER = re.compile(rf"^[(\[]?(?:{_READ_ALSO})\s*(?:»|:|：|\||–|—|>|-)\s*\S", _I)
RELATED_HEADING = re.compile(
    r"^(?:related(?: news| articles?| stories| posts| content| coverage| reading| links)?|"
    r"more (?:stories|news|on this|to read|from [\w .'-]{1,30})|most (?:read|popular|viewed|shared)(?: [\w ]{1,30})?|"
    r"trending(?: now| stories)?|popular (?:now|posts|stories|on [\w .'-]{1,30})|recommended(?: for you| stories)?|"
    r"you (?:may|might) also like|read next|latest (?:news|stories|articles)|don'?t miss|explore further|"
    r"also read|see also|more:|editor'?s picks|top stories|"
    r"auch interessant|weitere (?:artikel|beiträge|themen|nachrichten|meldungen)(?: zum thema| aus [\w ]{1,30})?|"
    r"mehr (?:zum thema|themen|dazu|aus [\w ]{1,30})|das könnte (?:sie|dich) auch interessieren|"
    r"das thema könnte dich auch interessieren|meistgelesen|empfohlene (?:artikel|beiträge)|lesen sie auch|"
    r"schon gelesen|mehr zum thema(?: auf [\w.-]{2,40})?|"
    r"à lire aussi|sur le même (?:sujet|thème)|les plus lus|"
    r"te puede interesar|le puede interesar|noticias relacionadas|lo más leído|"
    r"leggi anche|articoli correlati|czytaj (?:też|także)|zobacz (?:też|także)|lees ook)\s*[:.…!?]*$",
    _I,
)
TAIL_HEADING = re.compile(
    r"^(?:tags?|topics?|filed under|about the author|about us|schlagwörter|themen|mots-clés|"
    r"etiquetas|temas|über (?:den|die) autor(?:in)?|à propos de l'auteur|"
    r"quellen(?:angaben)?|originalpublikation|zusatzinformationen|weitere informationen|"
    r"(?:presse)?kontakt|contact|media contacts?|références|fuentes)\s*:?$",
    _I,
)
CREDIT = re.compile(
    r"^[(\[]?(?:sources?|via|credits?|image credit|photo credit|with inputs from|"
    r"(?:additional )?reporting by|editing by|writing by|compiled by|mit material (?:von|der)|"
    r"quelle|quellen(?:angaben)?|fuente|source ?:)\b[\s:]+\S",
    _I,
)
# News agencies signing a story with an editor's initials: "aja/PAP", "(dpa)", "dsw / DPA".
AGENCY_SIGN = re.compile(
    r"^\(?(?:[\w.]{1,12}\s*/\s*)*(?:dpa|afp|ap|pap|apa|kna|epd|sda|efe|ansa|reuters|ddp|afx|dts)"
    r"(?:\s*/\s*[\w.]{1,12})*\)?$",
    _I,
)
CONTRIBUTED = re.compile(r"\bcontributed (?:reporting|to this (?:report|story|article))\b", _I)
DISCLAIMER = re.compile(
    r"^(?:disclaimer|disclosure|legal disclaimer|haftungsausschluss|avertissement)\b\s*[.:–—-]", _I
)
AFFILIATE = re.compile(
    r"\baffiliate[- ]links?\b|\bmay (?:earn|receive|get) (?:a )?(?:small )?(?:commission|compensation|share)\b"
    r"|\bcontains references to products\b|\bprovisions?-?links?\b",
    _I,
)
SHARE = re.compile(
    r"^(?:share(?: this| it)?(?: article| story| post| page)?(?: link)?(?: on [\w ]{1,30})?|"
    r"share via\b.{0,40}|click to share.{0,60}|tweet this|copy link|follow us on .{1,60}|"
    r"like this (?:story|article)\?.{0,60}|teilen(?: mit)?|artikel teilen|partager|compartir|condividi|"
    r"udostępnij|"
    r"(?:facebook|twitter|x|linkedin|whatsapp|email|e-mail|reddit|telegram|pinterest|xing)"
    r"(?:\s*[|/·,]\s*\w+){1,8})\s*[:.!]?$",
    _I,
)
NEWSLETTER = re.compile(
    r"\b(?:newsletters?|in your inbox|to your inbox|your inbox|get daily updates|stay on top of|"
    r"join \d[\d,]* (?:readers|subscribers)|thanks? (?:you )?for signing up|"
    r"error processing your subscription|delivered (?:to|through) your (?:door|letterbox|inbox|mailbox)|"
    r"inscrivez-vous|abonnez-vous|suscríbete|zapisz się)\b",
    _I,
)
# Weaker cues that are only a prompt on a short line ("Subscribe to The Daily Model").
SUBSCRIBE = re.compile(
    r"\b(?:subscribe(?: to| now| here| today)?|sign up(?: for| to| now| here| today)?|"
    r"abonnieren|jetzt anmelden|suscribirse)\b",
    _I,
)
COOKIE = re.compile(r"\b(?:cookies?|cookie policy|accept all|privacy settings)\b", _I)
COMMENT_PROMPT = re.compile(
    r"\b(?:comments?|kommentar\w*|commentaires?|comentarios?|commenti)\b.{0,80}"
    r"\b(?:log(?:ged)? in|sign(?:ed)? in|eingeloggt|anmelden|schreiben|leave|post|add|write|moderat\w+)\b|"
    r"\b(?:log(?:ged)? in|sign(?:ed)? in|eingeloggt|registrier\w*)\b.{0,80}"
    r"\b(?:to (?:post |leave |write |add )?(?:a )?comment|um kommentare|kommentieren|commenter|comentar)\b|"
    r"^(?:sie sind (?:aktuell |derzeit )?nicht eingeloggt|you are not logged in)\b|"
    r"\b(?:letter to the editor|leserbrief)\b|\bverraten sie (?:uns )?(?:gerne )?in den kommentaren\b",
    _I,
)
COMMENTS = re.compile(
    r"^(?:\d+\s+)?(?:comments?|view comments|show comments|leave a (?:comment|reply)|add a comment|"
    r"post a comment|join the (?:conversation|discussion)|tell us what you think\W*|"
    r"what do you think\?|no comments(?: yet)?|"
    r"kommentare?|kommentar schreiben|keine kommentare|commentaires?|comentarios?|commenti|"
    r"komentarze|dołącz do dyskusji|reacties|kommentare insgesamt:?\s*\d*)\s*(?:\(.{0,60}\))?[:.!]*$",
    _I,
)
PLACEHOLDER = re.compile(
    r"^(?:loading\b.{0,60}\.{3}|advertisement|sponsored|ad|anzeige|werbung|publicité|publicidad|"
    r"wird geladen\W*|chargement\W*|cargando\W*|image|photo|video|bild anzeigen|"
    r"back to top|zurück nach oben|nach oben|print|drucken|imprimer|order reprints?|reprints?|"
    r"print (?:this )?(?:article|page|story)|e-?mail (?:this )?(?:article|story)|"
    r"(?:back to|zurück zu[mr]?|zurück|retour (?:à|au)|volver a|torna a) [\w -]{1,40})$",
    _I,
)
CONTACT = re.compile(
    r"^(?:follow (?:@?[\w.]+ ){0,4}on (?:twitter|x|facebook|instagram|linkedin|threads|mastodon|bluesky)|"
    r"(?:e-?mail|reach|contact|write to) (?:\w+ ){0,4}(?:at|on|via)\s+\S+@|"
    r"have a (?:news )?tip\?|got a tip\?|"
    r"folgen sie (?:uns|\w+) (?:auf|bei)|suivez-nous|síguenos|seguici)"
    r"|\b(?:may|can) be reached at\b|^\S+@\S+\.\w{2,}$|^(?:twitter\.com|x\.com)/\w+$"
    r"|^(?:telefon|tel\.?|phone|fax|e-mail)\s*:?\s*[+\d(][\d ()/+-]{5,}$",
    _I,
)
COPYRIGHT = re.compile(
    r"^(?:copyright|©|\(c\))\s|\ball rights reserved\b|\balle rechte vorbehalten\b|"
    r"\btous droits réservés\b|\btodos los derechos reservados\b|\bwszelkie prawa zastrzeżone\b|"
    r"\bprawem autorskim\b|\burheberrechtlich geschützt\b|\bfor your personal,? non-commercial use\b",
    _I,
)
# Picture credits and captions' bylines: "Photo: …", "(Credit: …)", "Titelbild: …", "© AFP / X".
IMAGE_CREDIT = re.compile(
    r"^\(?(?:photo|picture|image|foto|bild|titelbild|beitragsbild|headerbild|symbolbild|imagen|"
    r"crédits? photos?|photo credit|image credit|credit|credits|fotos?|bildquelle|quelle bild)\s*:"
    r"|©\s*[\w .,&/-]{2,60}\)?$",
    _I,
)
SUPPORT = re.compile(
    r"\b(?:support (?:our|us|independent) (?:journalism|work|reporting|newsroom)|consider supporting|if you (?:enjoyed|liked|valued) (?:this|reading)|donate (?:now|today|here)|make a donation|spenden sie|"
    r"unterstütze[n]? (?:uns|unsere|unseren)|soutenez|apoya (?:nuestro|a)|wesprzyj)\b",
    _I,
)
PAYWALL = re.compile(
    r"^(?:pour lire la suite|pour accéder en illimité|to continue reading|continue reading with|"
    r"read the full (?:story|article)|subscribe to (?:continue|read)|already a subscriber\??|"
    r"weiterlesen mit|jetzt weiterlesen|lesen sie (?:jetzt )?weiter mit|sie haben bereits ein abo|"
    r"para seguir leyendo|continua a leggere|this (?:article|content) is (?:for|only available to) subscribers)\b",
    _I,
)
PLACEHOLDER_MAX = 80
BIO = re.compile(
    r"^[A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+){0,3} (?:is|was|has been|covers|writes|joined)\b.{0,600}?"
    r"\b(?:writer|journalist|reporter|editor|correspondent|analyst|contributor|author|columnist|"
    r"professional|covers|based in|graduate|veteran|enthusiast)\b",
)
NAME_LINE = re.compile(r"^[A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+){0,3}$")
SUMMARY_HEADING = re.compile(
    r"^(?:key (?:takeaways|points|facts)|highlights|in brief|summary|tl;? ?dr|at a glance|"
    r"what to know|the big picture|in short|das wichtigste in kürze|auf einen blick|en bref|"
    r"en resumen)\s*:?$",
    _I,
)
# A wire dateline opening the story: "SAN FRANCISCO, Nov 17 (Compute Wire) —", "(Reuters) -".
DATELINE = re.compile(
    r"^(?:[A-Z][A-Z .'-]{1,40}(?:, [A-Z][\w.' -]{1,30})*,?\s+(?:[A-Z][a-z]{2,8}\.? \d{1,2}\s+)?)?"
    r"\([A-Z][\w .&'-]{1,40}\)\s*[-—–]+\s*"
)
BULLET = re.compile(r"^\s*(?:[-•*▪◦●]|\d{1,2}[.)])\s+\S")
# Headlines end without a full stop and are not a quotation from end to end: a linked line that
# does is a sentence of the story (a linked phrase, a "click to tweet" quote).
_SENTENCE_END = re.compile(r"(?<![.…])\.[\"”’)]?$")
QUOTED = re.compile(r"^[\"“„«].{10,}[\"”“»][.!?]?$")
URL_OR_EMAIL = re.compile(r"^(?:\S+@\S+\.\w+|(?:https?://|www\.)\S+)$")

_MONTHS = (
    r"jan(?:uary|uar|vier|eiro)?|feb(?:ruary|ruar)?|févr(?:ier)?|fevereiro|mar(?:ch|s)?|märz|"
    r"apr(?:il)?|avr(?:il)?|abril|may|mai|mayo|maio|june?|juni|juin|junio|junho|july?|juli|juil(?:let)?|"
    r"julio|julho|aug(?:ust)?|août|agosto|sep(?:t|tember)?|sept(?:embre)?|septiembre|setembro|"
    r"oct(?:ober|obre)?|okt(?:ober)?|octubre|outubro|nov(?:ember|embre|iembre|embro)?|"
    r"dec(?:ember)?|dez(?:ember|embro)?|déc(?:embre)?|diciembre|enero|febrero|marzo|gennaio|"
    r"febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre"
)
_DATE = re.compile(
    rf"\b\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b|"
    rf"\b(?:{_MONTHS})\.?\s+\d{{1,2}}\b|\b\d{{1,2}}\.?\s+(?:de\s+)?(?:{_MONTHS})\b|"
    rf"\b\d{{1,2}}:\d{{2}}\b",
    _I,
)
_WEEKDAYS = (
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun|"
    r"montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|lundi|mardi|mercredi|jeudi|"
    r"vendredi|samedi|dimanche|lunes|martes|miércoles|jueves|viernes|sábado|domingo|"
    r"segunda-feira|terça-feira|quarta-feira|quinta-feira|sexta-feira|lunedì|martedì|"
    r"mercoledì|giovedì|venerdì|sabato|domenica"
)
_META_WORDS = re.compile(
    r"\b(?:updated?|published|posted|last (?:modified|updated)|modified|created|"
    r"aktualisiert|veröffentlicht|erstellt|stand:|letzte änderung|publié|mis à jour|publicado|"
    r"actualizado|pubblicato|aggiornato|opublikowano|min(?:ute)?s? read|reading time|lesezeit|"
    r"temps de lecture|tiempo de lectura|tempo de leitura|czas czytania|przeczytasz w)\b",
    _I,
)
_WEEKDAY = re.compile(rf"\b(?:{_WEEKDAYS})\b\.?", _I)
TAGS_LINE = re.compile(
    r"^(?:tags?|topics?|schlagwörter|schlagworte|themen|mots-clés|etiquetas|filed under|categories|"
    r"kategorien?|catégories?|keywords)\s*:\s*\S.{0,150}$",
    _I,
)
_LABEL = re.compile(r"^[^\W\d_][\w-]*:\s")
_MARKER = re.compile(r"^(?:[-•*▪◦●]|\d{1,2}[.)])\s+")
_BYLINE = re.compile(r"^(?:by|von|par|por|di|door|text:|autor:|author:)\s+(.{2,60})$", _I)


class Cue:
    """A pattern searched only in lines holding one of its literal hints (a cheap prefilter)."""

    def __init__(self, pattern: re.Pattern[str], *hints: str) -> None:
        self.pattern = pattern
        self.hints = hints

    def search(self, text: str) -> re.Match[str] | None:
        """The pattern's first match, None when no hint is in the text."""
        low = text.casefold()
        if not any(hint in low for hint in self.hints):
            return None
        return self.pattern.search(text)


def words(text: str) -> str:
    """The case-folded words of a text, space-joined (for comparisons)."""
    return " ".join(_WORD.findall(text.casefold()))


def is_meta_line(text: str, edge: bool, authors: set[str]) -> bool:
    """A date stamp, dated byline or reading time (a bare date only at the article's edge)."""
    dated = _DATE.search(text)
    labelled = _META_WORDS.search(text)
    if text.startswith(("—", "–", "-")) or "(@" in text:
        return False  # a list item or the signature of an embedded post
    if not labelled and not (dated and edge):
        return False
    if not labelled and _LABEL.match(text):
        return False  # "Deadline: 3 May": a date the story gives
    rest = _WEEKDAY.sub(" ", _DATE.sub(" ", _META_WORDS.sub(" ", text)))
    if dated and authors:
        rest = " ".join(
            part for part in re.split(r"\bby\b", rest) if part.strip().casefold() not in authors
        )
    return len(_LONG_WORD.findall(rest)) <= (3 if labelled and dated else 1)


def bare(text: str) -> str:
    """A line without its list marker."""
    return _MARKER.sub("", text, count=1)


def byline_of(text: str, authors: set[str]) -> bool:
    """'By <author>' naming one of the page's authors."""
    match = _BYLINE.match(text.strip())
    if not match or not authors:
        return False
    named = match.group(1).casefold()
    return any(author in named for author in authors)


def is_link_headline(text: str) -> bool:
    """A link text that reads as another article's headline: four words or more, one sentence, no full stop."""
    words = text.split()
    return (
        len(words) >= 4
        and ". " not in text
        and not _SENTENCE_END.search(text)
        and not QUOTED.match(text)
        and not URL_OR_EMAIL.match(text)
    )


def is_credit(text: str) -> bool:
    """A source, agency or reporting credit line."""
    return bool(
        CREDIT.match(text)
        or CONTRIBUTED.search(text)
        or (len(text) <= 30 and AGENCY_SIGN.match(text))
    )


def is_heading(line: Line) -> bool:
    """A line that reads as a heading: marked so, or short without a closing full stop."""
    return line.kind == "head" or (len(line.text) <= 60 and not line.text.endswith("."))


# Search-anywhere patterns behind their hints.
COOKIE_CUE = Cue(COOKIE, "cookie", "accept all", "privacy settings")
CONTACT_CUE = Cue(
    CONTACT,
    "follow",
    "mail",
    "reach",
    "contact",
    "write to",
    "tip?",
    "folgen",
    "suivez",
    "síguenos",
    "seguici",
    "reached at",
    "@",
    "twitter.com",
    "x.com/",
    "tel",
    "phone",
    "fax",
)
COPYRIGHT_CUE = Cue(
    COPYRIGHT,
    "copyright",
    "©",
    "(c)",
    "rights reserved",
    "rechte vorbehalten",
    "droits réservés",
    "derechos reservados",
    "prawa zastrzeżone",
    "prawem autorskim",
    "urheberrechtlich",
    "non-commercial",
)
IMAGE_CREDIT_CUE = Cue(IMAGE_CREDIT, ":", "©")
SUPPORT_CUE = Cue(
    SUPPORT,
    "support",
    "enjoyed",
    "liked",
    "valued",
    "donat",
    "spenden",
    "unterstütz",
    "soutenez",
    "apoya",
    "wesprzyj",
)
COMMENT_CUE = Cue(
    COMMENT_PROMPT,
    "comment",
    "kommentar",
    "commentaire",
    "comentario",
    "commenti",
    "logged",
    "log in",
    "sign in",
    "signed in",
    "eingeloggt",
    "registr",
    "letter to the editor",
    "leserbrief",
)
NEWSLETTER_CUE = Cue(
    NEWSLETTER,
    "newsletter",
    "inbox",
    "daily updates",
    "stay on top",
    "join ",
    "signing up",
    "subscription",
    "delivered",
    "inscrivez",
    "abonnez",
    "suscríbete",
    "zapisz",
)
SUBSCRIBE_CUE = Cue(SUBSCRIBE, "subscri", "sign up", "abonnieren", "anmelden", "suscribirse")
AFFILIATE_CUE = Cue(
    AFFILIATE,
    "affiliate",
    "commission",
    "compensation",
    "share",
    "references to products",
    "provision",
)
