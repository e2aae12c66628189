# ruff: noqa: E501  (generated word lists and templates)
"""A fictional, seeded corpus of therapy notes with gold identifier spans, for bench_deid.py.

Every person, place, employer and number here is invented. Notes are built from sentence
templates with slots; a slot filled with an identifier records its span as gold, a slot filled
with a distractor (an age under 90, a clinical eponym, an ordinary word that is also a name,
a bare year) records nothing. Two splits share no template and no name list:

- `dev`: the split the engine was developed against;
- `heldout`: other templates, other names, places and employers, other layouts, never looked
  at while the engine was written; its figures are the honest ones.

Usage: `python benchmarks/deid_corpus.py --split dev --count 5` prints notes with gold marked.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
from dataclasses import dataclass

from confide.consultation.deid import KnownIdentifiers


@dataclass
class Note:
    text: str
    gold: list[tuple[int, int]]
    known: KnownIdentifiers
    split: str


@dataclass(frozen=True)
class Lists:
    given: tuple[str, ...]
    word_names: tuple[str, ...]
    family: tuple[str, ...]
    cities: tuple[str, ...]
    employers: tuple[str, ...]
    schools: tuple[str, ...]
    streets: tuple[str, ...]
    templates: tuple[str, ...]
    kin: tuple[str, ...] = ("sister", "brother", "mother", "father", "partner", "husband", "wife", "boyfriend",
                            "girlfriend", "friend", "cousin", "aunt", "roommate", "boss", "son", "daughter")


DEV = Lists(
    given=("Kayla", "Marcus", "Priya", "Devon", "Tamsin", "Oskar", "Leona", "Rafael", "Imogen", "Desmond", "Anika",
           "Colette", "Jerome", "Wendell", "Margo", "Tobias", "Fenella", "Quentin", "Ines", "Bertram", "William",
           "Elizabeth", "Katherine", "Robert", "Jennifer", "Michael"),
    word_names=("Hope", "Will", "Joy", "Rose", "Summer", "Faith", "Grace", "Dawn", "Hunter", "Crystal"),
    family=("Kowalski", "Okafor", "Lindqvist", "Brennan", "Achterberg", "Moreau", "Takahashi", "Delgado",
            "Fairweather", "Petrov", "Nakamura", "Oyelaran", "MacAuley", "Whitcombe", "Szabo", "Castellanos"),
    cities=("Tacoma", "Duluth", "Albuquerque", "Savannah", "Spokane", "Boise", "Asheville", "Leeds", "Bristol",
            "Dayton", "Fresno", "Eugene", "Reno", "Galway"),
    employers=("Harbor Freight Logistics", "Meridian Insurance", "Copperleaf Bakery", "Northgate Hospital",
               "Bluewater Consulting", "Pinecrest Motors", "Sunnyside Diner", "Kestrel Labs"),
    schools=("Riverside High School", "Lincoln Middle School", "Maplewood Elementary", "Eastbrook Academy",
             "University of Dayton", "Cascade Community College"),
    streets=("Maple Street", "Orchard Lane", "Birch Avenue", "Kingsley Road", "Harbor Drive", "Elm Court"),
    templates=(
        "{CLIENT} arrived on time for the session on {DATE} and reported poor sleep.",
        "{PREF} said that {KIN_NAME} had been 'on her case' since {DATE}.",
        "Client ({CLIENT_FULL}, DOB {DOB}) completed the PHQ-9; score 14.",
        "{CLIENT} described a panic attack at work at {EMPLOYER} last week.",
        "Discussed conflict with {KIN_NAME}, who moved to {CITY} in {YEAR}.",
        "{PREF}'s {KIN} {KIN_NAME2} is {AGE_YOUNG} and lives nearby.",
        "Her grandmother, who is {AGE_OLD}, was admitted to {EMPLOYER} after a fall.",
        "Client mentioned a history of {EPONYM} in the family.",
        "Safety plan reviewed; crisis line and {KIN_NAME}'s number {PHONE} added.",
        "{CLIENT} can be reached at {EMAIL} or {PHONE}.",
        "She posts as {HANDLE} and worries her {KIN} will find the account.",
        "Next appointment {DATE}; {MISSPELL} agreed to journal daily.",
        "Reviewed the MRN {MRN} paperwork for the insurer.",
        "Client recently moved to {ADDRESS}, {CITY}.",
        "{NICK} (as friends call her) felt hopeful and said 'I hope this works'.",
        "Teacher at {SCHOOL} called about {CLIENT}'s absences on {DATE}.",
        "We will continue CBT; will review goals in four weeks.",
        "Mood brighter. Joy in small things is returning, she says.",
        "He read a blog at {URL} about anxiety.",
        "Client disclosed that {FRIEND} from {SCHOOL} had been bullying her since {DATE}.",
        "Trip to {CITY} with {KIN_NAME} on {DATE} went better than expected.",
        "Summer break starts soon and {PREF} is anxious about it.",
        "{CLIENT_LOWER} texted the office on {DATE} to reschedule.",
        "Client's {AGE_YOUNG}-year-old son has {EPONYM}.",
    ),
)

HELDOUT = Lists(
    given=("Soren", "Maribel", "Thaddeus", "Yolanda", "Kwame", "Ottilie", "Lucian", "Zainab", "Everett", "Philippa",
           "Caspian", "Rosalind", "Ignatius", "Nkechi", "Percival", "Saoirse", "Alexander", "Margaret", "Nicholas",
           "Patricia"),
    word_names=("Hope", "Will", "Joy", "Rose", "Summer", "Sky", "River", "Autumn", "Ivy", "Holly"),
    family=("Abernathy", "Venkataraman", "Holloway", "Grünewald", "Obi", "Featherstone", "Yilmaz", "Pemberton",
            "Kaczmarek", "Thornbury", "Ferreira", "Lachance", "Dimitriou", "Ashdown"),
    cities=("Pittsburgh", "Sacramento", "Omaha", "Halifax", "Glasgow", "Tulsa", "Knoxville", "Bozeman",
            "Lancaster", "Cork", "Wichita", "Burlington"),
    employers=("Greystone Analytics", "Tidewater Credit Union", "Marlowe & Finch LLP", "St. Brigid's Hospital",
               "Quarry Hill Foods", "Lumen Dental Group", "Ferncliff Garage"),
    schools=("Oakridge High School", "Westfield Primary School", "Hollins University", "St. Jude's Academy",
             "Bayview Middle School"),
    streets=("Juniper Way", "Carver Boulevard", "Hawthorn Close", "Sycamore Terrace", "Pell Street"),
    templates=(
        "Met with {CLIENT} ({PREF}) by video; she joined from her car outside {EMPLOYER}.",
        "{KIN_NAME} drove her to the appointment on {DATE}.",
        "On {DATE} {PREF} had an argument with {KIN_NAME} about money.",
        "Pt is a {AGE_YOUNG} y/o who works nights at {EMPLOYER}.",
        "Born {DOB}; grew up in {CITY} before moving for college at {SCHOOL}.",
        "Her great-grandmother ({AGE_OLD}) still lives alone in {CITY}.",
        "Screened for {EPONYM}; not indicated at this time.",
        "Contact preference: text {PHONE}; e-mail {EMAIL}.",
        "Client showed me messages from {HANDLE} that she found threatening.",
        "{MISSPELL} was tearful when discussing {FRIEND}'s departure.",
        "Insurance member ID {MRN} verified by front desk.",
        "New address on file: {ADDRESS}.",
        "Goes by {NICK} at home; prefers {PREF} in sessions.",
        "Referred to the support group listed on {URL}.",
        "Joy and hope were themes today; she will try the worksheet.",
        "Since {DATE} she has avoided the bus route past {SCHOOL}.",
        "{CLIENT} cancelled {DATE} due to illness and rebooked for {DATE}.",
        "{KIN_NAME2}, her {KIN}, attended the last ten minutes with consent.",
        "Autumn is usually the hardest season for {PREF}, she reports.",
        "Plan: continue weekly, revisit exposure hierarchy; {CLIENT_LOWER} agreed.",
        "Her manager {FRIEND} at {EMPLOYER} has been supportive since {DATE}.",
        "Family history includes {EPONYM}; client is {AGE_YOUNG}.",
    ),
)

_EPONYMS = ("Asperger syndrome", "Asperger's", "Tourette syndrome", "Tourette's", "Hodgkin lymphoma",
            "Hodgkin's disease", "Huntington's disease", "Parkinson's", "Turner syndrome", "Crohn's disease",
            "Alzheimer's", "Down syndrome")
_HELDOUT_EPONYMS = ("Asperger's disorder", "Tourette's disorder", "Hodgkin's lymphoma", "Graves' disease",
                    "Cushing's syndrome", "Williams syndrome", "Rett syndrome", "Marfan syndrome")


def _date_text(rng: random.Random, day: dt.date, heldout: bool) -> str:
    forms = ["%B %d, %Y", "%m/%d/%Y", "%Y-%m-%d", "%d %B %Y", "%b %d", "%B %-d", "%-m/%-d/%y", "%-m/%-d",
             "the %-dth of %B", "%a, %b %-d", "%B %Y"]
    if heldout:
        forms = ["%-d %b %Y", "%d.%m.%Y", "%-d/%-m/%Y", "%A %-d %B", "%b. %-d, %Y", "%B %-dth", "%b '%y",
                 "%m-%d-%Y", "%Y/%m/%d", "%-d-%b-%Y"]
    return day.strftime(rng.choice(forms))


def _phone(rng: random.Random, heldout: bool) -> str:
    a, b, c = rng.randint(201, 989), rng.randint(200, 999), rng.randint(0, 9999)
    layouts = [f"({a}) {b}-{c:04d}", f"{a}-{b}-{c:04d}", f"{a}.{b}.{c:04d}", f"{a} {b} {c:04d}",
               f"+1 {a} {b} {c:04d}", f"{a}{b}{c:04d}", f"{b}-{c:04d}"]
    if heldout:
        layouts = [f"+1 ({a}) {b}-{c:04d}", f"1-{a}-{b}-{c:04d}", f"07{rng.randint(100, 999)} {rng.randint(100000, 999999)}",
                   f"+44 7{rng.randint(100, 999)} {rng.randint(100000, 999999)}", f"{a}-{b}-{c:04d} ext. 12",
                   f"({a}){b}-{c:04d}"]
    return rng.choice(layouts)


def _misspell(rng: random.Random, name: str) -> str:
    if len(name) < 5:
        return name
    i = rng.randint(1, len(name) - 2)
    choice = rng.randint(0, 2)
    if choice == 0:
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]  # transposition
    if choice == 1:
        return name[:i] + name[i + 1:]  # deletion
    return name[:i] + name[i] + name[i:]  # doubling


def generate(split: str, count: int, seed: int = 18) -> list[Note]:
    """`count` notes of `split` ("dev" or "heldout"), the same for the same seed."""
    heldout = split == "heldout"
    lists = HELDOUT if heldout else DEV
    rng = random.Random(f"{seed}-{split}")
    notes = []
    for _ in range(count):
        use_word_name = rng.random() < 0.4
        given = rng.choice(lists.word_names if use_word_name else lists.given)
        family = rng.choice(lists.family)
        nick_options = {"William": "Billy", "Elizabeth": "Lizzie", "Katherine": "Katie", "Robert": "Bobby",
                        "Jennifer": "Jenny", "Michael": "Mikey", "Alexander": "Sasha", "Margaret": "Maggie",
                        "Nicholas": "Nicky", "Patricia": "Trish"}
        nick = nick_options.get(given, given[:3] + "s" if len(given) > 4 else given + "y")
        preferred = nick if rng.random() < 0.3 else given
        kin = rng.choice(lists.kin)
        kin_given = rng.choice([g for g in lists.given + lists.word_names if g != given])
        kin2_given = rng.choice([g for g in lists.given if g not in (given, kin_given)])
        friend = rng.choice([g for g in lists.given if g not in (given, kin_given, kin2_given)])
        city = rng.choice(lists.cities)
        employer = rng.choice(lists.employers)
        school = rng.choice(lists.schools)
        street = f"{rng.randint(2, 9800)} {rng.choice(lists.streets)}" + (f", Apt {rng.randint(1, 40)}" if rng.random() < 0.3 else "")
        dob = dt.date(rng.randint(1950, 2008), rng.randint(1, 12), rng.randint(1, 28))
        user = re.sub(r"[^a-z]", "", (given + family).lower())
        email = f"{user[:rng.randint(4, 10)]}{rng.randint(1, 99)}@{rng.choice(['gmail.com', 'outlook.com', 'proton.me', 'yahoo.co.uk'])}"
        phone = _phone(rng, heldout)
        handle = rng.choice([f"@{user[:8]}_{rng.randint(1, 99)}", f"@{given.lower()}.{rng.choice(['art', 'xo', 'runs'])}",
                             f"IG: {user[:6]}{rng.randint(10, 99)}", f"u/{user[:9]}"]
                            if not heldout else [f"@{family.lower()}{rng.randint(1, 999)}", f"Snap: {given.lower()}_{rng.randint(1, 9)}",
                                                 f"{given.lower()}{rng.randint(10, 99)}#{rng.randint(1000, 9999)}",
                                                 f"TikTok @{user[:7]}"])
        url = rng.choice([f"https://{user[:8]}.blogspot.com/2021/anxiety", f"www.{family.lower()}family.org",
                          f"{user[:7]}.wordpress.com"])
        mrn = rng.choice([f"{rng.randint(1000000, 9999999)}", f"A{rng.randint(100000, 999999)}",
                          f"MRN-{rng.randint(10000, 99999)}"])
        known = KnownIdentifiers(
            people=((f"{given} {family}", "CLIENT"), (preferred, "CLIENT"), (f"{kin_given} {family}", kin.upper())),
            dates=(dob.isoformat(),), phones=(phone,), emails=(email,), addresses=(street,),
            employers=(employer,), schools=(school,))
        parts: list[tuple[str, bool]] = []
        chosen = rng.sample(lists.templates, rng.randint(6, 9))
        for template in chosen:
            first_piece = True
            for piece in re.split(r"(\{[A-Z_0-9]+\})", template):
                slot = piece[1:-1] if piece.startswith("{") and piece.endswith("}") else None
                was_first, first_piece = first_piece and piece == template[:len(piece)], False
                if not piece:
                    first_piece = was_first
                    continue
                first_piece = was_first
                if slot is None:
                    first_piece = False
                    parts.append((piece, False))
                    continue
                day = dt.date(rng.randint(2019, 2026), rng.randint(1, 12), rng.randint(1, 28))
                value, gold = {
                    "CLIENT": (rng.choice([given, f"{given} {family}", f"Ms. {family}"]), True),
                    "CLIENT_FULL": (f"{given} {family}", True),
                    "CLIENT_LOWER": (given.lower(), True),
                    "PREF": (preferred, True),
                    "NICK": (nick, True),
                    "MISSPELL": (_misspell(rng, given), True),
                    "KIN": (kin, False),
                    "KIN_NAME": (f"her {kin} {kin_given}", None),
                    "KIN_NAME2": (kin2_given, True),
                    "FRIEND": (friend, True),
                    "CITY": (city, True),
                    "EMPLOYER": (employer, True),
                    "SCHOOL": (school, True),
                    "ADDRESS": (street, True),
                    "DATE": (_date_text(rng, day, heldout), True),
                    "DOB": (_date_text(rng, dob, heldout) if rng.random() < 0.5 else dob.isoformat(), True),
                    "YEAR": (str(day.year), False),
                    "AGE_OLD": (rng.choice([f"{rng.randint(90, 104)} years old", f"aged {rng.randint(90, 99)}",
                                            f"{rng.randint(90, 99)}-year-old", f"{rng.randint(90, 99)} yo"]), True),
                    "AGE_YOUNG": (str(rng.randint(6, 88)), False),
                    "EPONYM": (rng.choice(_HELDOUT_EPONYMS if heldout else _EPONYMS), False),
                    "PHONE": (phone, True),
                    "EMAIL": (email, True),
                    "HANDLE": (handle, True),
                    "URL": (url, True),
                    "MRN": (mrn, True),
                }[slot]
                if value.startswith("Ms. "):  # the title is not the identifier
                    parts.append(("Ms. ", False))
                    parts.append((value[4:], True))
                    continue
                if gold is None:  # "her sister Kayla": only the name is gold
                    prefix, name = value.rsplit(" ", 1)
                    if first_piece:
                        prefix = prefix[0].upper() + prefix[1:]
                    parts.append((prefix + " ", False))
                    parts.append((name, True))
                    continue
                if slot == "HANDLE" and ":" in value:  # "IG: name": the label is not the identifier
                    label, name = value.split(" ", 1)
                    parts.append((label + " ", False))
                    parts.append((name, True))
                    continue
                if slot == "HANDLE" and value.startswith("TikTok "):
                    parts.append(("TikTok ", False))
                    parts.append((value[7:], True))
                    continue
                parts.append((value, bool(gold)))
            parts.append((" ", False))
        text, gold_spans, cursor = "", [], 0
        for piece, is_gold in parts:
            if is_gold:
                gold_spans.append((cursor, cursor + len(piece)))
            text += piece
            cursor += len(piece)
        notes.append(Note(text=text.strip(), gold=gold_spans, known=known, split=split))
    return notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "heldout"), default="dev")
    parser.add_argument("--count", type=int, default=3)
    args = parser.parse_args()
    for note in generate(args.split, args.count):
        marked, cursor = "", 0
        for start, end in note.gold:
            marked += note.text[cursor:start] + "⟦" + note.text[start:end] + "⟧"
            cursor = end
        print(marked + note.text[cursor:], "\n")


if __name__ == "__main__":
    main()
