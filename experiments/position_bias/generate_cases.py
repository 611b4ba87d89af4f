"""Generate the position-bias case files ("lost in the middle" on small models).

Each question asks for one fact about a fictional entity (a person, a town, a code name, a
number, a year, a date). Its context is a list of short passages: one states the answer; the
others are hard negatives, passages of the same kind about other fictional entities (same
relation, different entity and value), so finding the answer takes reading the right passage,
not spotting a keyword. Every question appears once per answer position with the same
distractors in the same order (a paired design: `qid` pairs the cases), so differences
between positions are the position's effect.

Two files share the questions and the distractors (the short context's 8 are the first 8 of
the long one's 39):

- `cases.jsonl`: 9 passages (≈ 1k tokens), answer at positions 1, 3, 5, 7, 9 (CPU lineup).
- `cases_long.jsonl`: 40 passages (≈ 4k tokens), answer at positions 1, 10, 20, 30, 40.

Deterministic (seeded `random.Random`, no other input); the committed JSONL files are the
source of truth and `tests/experiments/` checks that this script reproduces them exactly.
Run: `python experiments/position_bias/generate_cases.py`.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SEED = 20240614
QUESTIONS_PER_RELATION = 6
SHORT = (9, (1, 3, 5, 7, 9))
LONG = (40, (1, 10, 20, 30, 40))
HERE = Path(__file__).resolve().parent

GIVEN = ("Imke Tomas Aino Bartek Celia Dario Elske Farid Greta Hiroko Ilse Jonas Kaia Lev "
         "Maren Nuno Odile Pavel Quirin Rosalind Sanne Teodor Ulla Viggo Wilhelmina Xavier "
         "Yara Zofia Anselm Brigid Cosmin Dagny Emeric Fenna Gaspard Halina Ivo Jorun Kasimir "
         "Liesel Matthias Nadia Orla Piet Renske Stellan Tamsin Urs Vesna Wendel").split()
SUR_HEAD = ("Dall Varn Kess Brom Ther Lind Mor Ost Quell Rask Siv Tarn Ulm Wend Yarr Zeth "
            "Harl Fenn Grev Pell Aub Corr Drev Elm Gald Hask Istr Jorv Kalv Lomb").split()
SUR_TAIL = ("ow holt ley mark inger ik sen ard wick tor ane ell by rud vik ham lund ovic ani "
            "etti ström ac eau oni").split()
PLACE_HEAD = ("Bren Cal Dorn Esk Fal Glen Hav Ith Kel Lorn Mar Nor Ost Pen Rav Sel Tor Vel Wyn "
              "Ard Bal Cor Dun Elg Fern Gill Holl Ken Lum Mell").split()
PLACE_TAIL = ("moor haven ford wick dale stead mouth thorpe field brook ness gate holm crest "
              "ridge wold combe minster").split()
MONTHS = ("January February March April May June July August September October November "
          "December").split()


class Names:
    """Fictional names, never repeated within one question's passages."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def _fresh(self, make: Callable[[], str]) -> str:
        for _ in range(10_000):
            name = make()
            if name not in self.used:
                self.used.add(name)
                return name
        raise RuntimeError("ran out of fresh names")

    def surname(self) -> str:
        return self._fresh(lambda: _join(self.rng.choice(SUR_HEAD), self.rng.choice(SUR_TAIL)))

    def person(self) -> str:
        surname = self.surname()
        return f"{self.rng.choice(GIVEN)} {surname}"

    def place(self) -> str:
        return self._fresh(lambda: _join(self.rng.choice(PLACE_HEAD),
                                         self.rng.choice(PLACE_TAIL)))


def _join(head: str, tail: str) -> str:
    """Two name parts, without tripled letters ("Dall" + "lund" is "Dallund")."""
    while len(head) > 1 and head[-1] == head[-2] == tail[0]:
        head = head[:-1]
    return head + tail


@dataclass(frozen=True)
class Fact:
    """One passage's subject and value: `entity` names it in the question."""

    entity: str
    answer: str
    aliases: tuple[str, ...]
    passage: str


@dataclass(frozen=True)
class Relation:
    """A kind of fact: how to make one, and how to ask for it."""

    name: str
    answer_kind: str
    make: Callable[[random.Random, Names, set[str]], Fact]
    question: Callable[[str], str]


def _passage(rng: random.Random, key: str, fillers: list[str], n_fill: int = 4) -> str:
    """The key sentence among *n_fill* fillers, at a random place (not always first)."""
    sentences = rng.sample(fillers, n_fill)
    sentences.insert(rng.randrange(n_fill + 1), key)
    return " ".join(sentences)


def _fresh_value(rng: random.Random, used: set[str], make: Callable[[], str]) -> str:
    for _ in range(10_000):
        value = make()
        if value not in used:
            used.add(value)
            return value
    raise RuntimeError("ran out of fresh values")


def _date_text(day: tuple[int, int, int]) -> str:
    y, m, d = day
    return f"{d} {MONTHS[m - 1]} {y}"


def _iso(day: tuple[int, int, int]) -> str:
    y, m, d = day
    return f"{y:04d}-{m:02d}-{d:02d}"


def _random_day(rng: random.Random, first_year: int, last_year: int) -> tuple[int, int, int]:
    return rng.randint(first_year, last_year), rng.randint(1, 12), rng.randint(1, 28)


# --- relations: every filler is free of people, numbers and dates, so the only value of the
# --- asked kind in a passage is its answer ---------------------------------------------------

FIELDS = ("glacier melt", "soil microbes", "tidal energy", "seed banking", "bird migration",
          "coastal erosion", "peat bogs", "cave ecosystems", "alpine lichens", "river silt")
EQUIPMENT = ("reactor coolant loop", "main pressure vessel", "cold storage vault",
             "backup generator", "seismic sensor array", "water filtration plant")
ORG_KIND = ("Institute", "Research Station", "Observatory", "Field Laboratory")


def _inspector(rng: random.Random, names: Names, used: set[str]) -> Fact:
    org = f"{names.place()} {rng.choice(ORG_KIND)}"
    equipment = rng.choice(EQUIPMENT)
    person = names.person()
    day = _date_text(_random_day(rng, 2011, 2023))
    key = rng.choice([
        f"The {org}'s {equipment} was last inspected by engineer {person} on {day}.",
        f"The last inspection of the {equipment} at the {org} was carried out by engineer "
        f"{person} on {day}.",
        f"On {day}, engineer {person} completed the most recent inspection of the {org}'s "
        f"{equipment}.",
    ])
    fillers = [
        f"The {org} was set up to study {rng.choice(FIELDS)}.",
        f"The {org} keeps its {equipment} in a separate building behind the main hall.",
        f"The {org} publishes its safety reports every spring.",
        f"Visitors to the {org} must register at the gate lodge and wear a badge.",
        f"The {org} is reached by a narrow road that is often closed after heavy snow.",
        f"Most of the {org}'s funding comes from a regional science council.",
        f"The {org} keeps its inspection records in a paper ledger as well as a database.",
    ]
    return Fact(f"the {equipment} at the {org}", person, (person.split()[-1],),
                _passage(rng, key, fillers))


CLUBS = ("Rowing Club", "Chess Society", "Male Voice Choir", "Botanical Garden",
         "Lifeboat Association", "Philatelic Society", "Cycling Club", "Brass Band")


def _founded(rng: random.Random, names: Names, used: set[str]) -> Fact:
    club = f"{names.place()} {rng.choice(CLUBS)}"
    year = _fresh_value(rng, used, lambda: str(rng.randint(1801, 1989)))
    key = rng.choice([
        f"The {club} was founded in {year} by a handful of local families.",
        f"Founded in {year}, the {club} is older than the town hall that hosts it.",
        f"The {club} traces its founding to the year {year}, when its first charter was signed.",
    ])
    fillers = [
        f"The {club} meets on the first evening of every month.",
        f"Members of the {club} pay a small yearly fee that covers the hall rent.",
        f"The {club} keeps its trophies in a glass cabinet by the entrance.",
        f"A newsletter about the {club} goes out to members by post.",
        f"The {club} has never owned its own building.",
        f"Newcomers to the {club} are welcome at any meeting without notice.",
        f"The {club} holds an open day each summer on the village green.",
    ]
    return Fact(f"the {club}", year, (), _passage(rng, key, fillers))


INDUSTRY = ("Instruments", "Textiles", "Ceramics", "Optics", "Rope Works", "Glassworks",
            "Bicycles", "Pumps")


def _headquarters(rng: random.Random, names: Names, used: set[str]) -> Fact:
    company = f"{names.surname()} {rng.choice(INDUSTRY)}"
    town = names.place()
    key = rng.choice([
        f"{company} has its headquarters in the town of {town}.",
        f"The head office of {company} is in {town}, in a converted warehouse.",
        f"{company} is headquartered in {town}, where it moved after a merger.",
    ])
    fillers = [
        f"{company} sells most of its products to small workshops.",
        f"{company} was a family business for several generations.",
        f"The logo of {company} is a stylised anchor in dark green.",
        f"{company} publishes a printed catalogue twice a year.",
        f"Staff at {company} are offered a free lunch on Fridays.",
        f"{company} has never paid for television advertising.",
        f"Orders to {company} are still taken by telephone as well as online.",
    ]
    return Fact(company, town, (), _passage(rng, key, fillers))


CODE_A = ("Amber Silent Copper Hollow Northern Velvet Granite Paper Lantern Scarlet Quiet "
          "Frozen Distant Iron Willow Cobalt").split()
CODE_B = ("Heron Lynx Marten Falcon Otter Badger Kestrel Wren Ibex Plover Stoat Osprey "
          "Bittern Vole Curlew Moth").split()
PRODUCTS = ("espresso grinder", "folding kayak", "weather balloon", "tram brake",
            "heat pump", "drone battery", "surgical stapler", "ticket printer")


def _codename(rng: random.Random, names: Names, used: set[str]) -> Fact:
    company = f"{names.surname()} {rng.choice(INDUSTRY)}"
    product = rng.choice(PRODUCTS)
    code = _fresh_value(rng, used, lambda: f"{rng.choice(CODE_A)} {rng.choice(CODE_B)}")
    key = rng.choice([
        f"Inside {company}, the project to build a new {product} runs under the code name "
        f"{code}.",
        f"{company}'s {product} project is known internally by the code name {code}.",
        f"Engineers at {company} refer to the {product} project only by its code name, {code}.",
    ])
    fillers = [
        f"The {product} project at {company} is kept secret from suppliers.",
        f"{company} expects the {product} to reach shops after a long testing phase.",
        f"A small team at {company} works on the {product} in a separate workshop.",
        f"{company} has filed patents for parts of the {product}.",
        f"Marketing at {company} has not yet chosen a public name for the {product}.",
        f"Early prototypes of the {product} were built by hand at {company}.",
    ]
    return Fact(f"{company}'s {product} project", code, (), _passage(rng, key, fillers))


SHIP_B = ("Tern Petrel Skua Fulmar Gannet Auk Shearwater Kittiwake").split()


def _crew(rng: random.Random, names: Names, used: set[str]) -> Fact:
    ship = f"{names.place()} {rng.choice(SHIP_B)}"
    crew = _fresh_value(rng, used, lambda: str(rng.randint(21, 480)))
    key = rng.choice([
        f"The research vessel {ship} sails with a crew of {crew}.",
        f"A crew of {crew} works aboard the research vessel {ship} on every voyage.",
        f"On each expedition, the research vessel {ship} carries {crew} crew members.",
    ])
    fillers = [
        f"The {ship} was built in a northern shipyard and refitted for polar work.",
        f"The {ship} spends most of the year surveying the seabed.",
        f"Scientists aboard the {ship} share cabins with the ship's officers.",
        f"The {ship} carries its own small laboratory and a workshop.",
        f"When in port, the {ship} opens its deck to school visits.",
        f"The hull of the {ship} is painted orange so it can be seen in fog.",
        f"The {ship} is owned by a university consortium.",
    ]
    return Fact(f"the research vessel {ship}", crew, (), _passage(rng, key, fillers))


RIVERS = ("Amrun", "Velle", "Istra", "Corrin", "Daul", "Sorrow", "Tenne", "Mire", "Bast",
          "Ouven")
STRUCTURES = ("footbridge over the {river} river", "public library", "swimming baths",
              "covered market", "railway station", "concert hall")


def _opened(rng: random.Random, names: Names, used: set[str]) -> Fact:
    what = rng.choice(STRUCTURES).format(river=rng.choice(RIVERS))
    thing = f"{names.place()} {what}"
    iso = _fresh_value(rng, used, lambda: _iso(_random_day(rng, 1950, 2022)))
    text = _date_text(tuple(int(x) for x in iso.split("-")))  # type: ignore[arg-type]
    key = rng.choice([
        f"The {thing} opened to the public on {text}.",
        f"On {text}, the {thing} was opened to the public for the first time.",
        f"The {thing} was opened to the public on {text} after a long building delay.",
    ])
    fillers = [
        f"The {thing} was designed by a firm of architects from the capital.",
        f"Local people campaigned for the {thing} for many years.",
        f"The {thing} is lit at night by a row of white lamps.",
        f"The {thing} is maintained by the district council.",
        f"A plaque at the entrance of the {thing} lists its first trustees.",
        f"Repairs to the {thing} are paid for from a small heritage fund.",
    ]
    return Fact(f"the {thing}", iso, (), _passage(rng, key, fillers))


BOARDS = ("Foundation", "Heritage Trust", "Music Society", "Lighthouse Trust", "Library Fund",
          "Orchard Trust")


def _chair(rng: random.Random, names: Names, used: set[str]) -> Fact:
    body = f"{names.place()} {rng.choice(BOARDS)}"
    person = names.person()
    since = rng.randint(1995, 2022)
    key = rng.choice([
        f"{person} has chaired the board of the {body} since {since}.",
        f"The board of the {body} is chaired by {person}, who took the post in {since}.",
        f"Since {since}, the chair of the {body}'s board has been {person}.",
    ])
    fillers = [
        f"The {body} gives small grants to local projects each autumn.",
        f"The {body} was created with money left in a private will.",
        f"Board meetings of the {body} are held in a rented room above a bakery.",
        f"The {body} publishes its accounts on a notice board in the square.",
        f"The {body} has no paid staff; volunteers do all the work.",
        f"Anyone living in the district may apply to the {body} for support.",
    ]
    return Fact(f"the {body}", person, (person.split()[-1],), _passage(rng, key, fillers))


def _trail(rng: random.Random, names: Names, used: set[str]) -> Fact:
    a, b = names.place(), names.place()
    km = _fresh_value(rng, used, lambda: str(rng.randint(21, 140)))
    key = rng.choice([
        f"The hiking trail from {a} to {b} is {km} kilometres long.",
        f"Walkers on the trail between {a} and {b} cover {km} kilometres in all.",
        f"The marked trail linking {a} with {b} runs for {km} kilometres.",
    ])
    fillers = [
        f"The trail from {a} to {b} crosses open moorland and pine woods.",
        f"Waymarks on the trail from {a} are painted in yellow.",
        f"There are simple mountain huts along the trail to {b}.",
        f"The trail from {a} is closed to cyclists during the lambing season.",
        f"Maps of the route to {b} can be bought at the inn in {a}.",
        f"Most walkers start the trail at {a} and finish at {b}.",
    ]
    return Fact(f"the hiking trail from {a} to {b}", km, (), _passage(rng, key, fillers))


RELATIONS = (
    Relation("inspector", "person", _inspector, lambda e: f"Who last inspected {e}?"),
    Relation("founded", "year", _founded, lambda e: f"In which year was {e} founded?"),
    Relation("headquarters", "place", _headquarters,
             lambda e: f"In which town is {e} headquartered?"),
    Relation("codename", "name", _codename, lambda e: f"What is the code name of {e}?"),
    Relation("crew", "number", _crew,
             lambda e: f"How many crew members sail on {e}?"),
    Relation("opened", "date", _opened,
             lambda e: f"On what date did {e} open to the public?"),
    Relation("chair", "person", _chair, lambda e: f"Who chairs the board of {e}?"),
    Relation("trail", "number", _trail, lambda e: f"How many kilometres long is {e}?"),
)


def _cap(question: str) -> str:
    return question[0].upper() + question[1:]


def generate() -> dict[str, list[dict[str, object]]]:
    """Both case files' rows, keyed by file name."""
    rng = random.Random(SEED)
    questions = []
    qnum = 0
    for _round in range(QUESTIONS_PER_RELATION):
        for rel in RELATIONS:
            qnum += 1
            names, used = Names(rng), set[str]()
            facts = [rel.make(rng, names, used) for _ in range(LONG[0])]
            questions.append((f"q{qnum:03d}", rel, facts))
    files: dict[str, list[dict[str, object]]] = {}
    for file, (n_passages, positions) in (("cases.jsonl", SHORT),
                                          ("cases_long.jsonl", LONG)):
        rows = []
        for qid, rel, facts in questions:
            gold, distractors = facts[0], facts[1:n_passages]
            for pos in positions:
                ordered = [f.passage for f in distractors]
                ordered.insert(pos - 1, gold.passage)
                rows.append({
                    "id": f"{qid}-p{pos}",
                    "input": {"qid": qid, "question": _cap(rel.question(gold.entity)),
                              "position": pos, "n_passages": n_passages,
                              "passages": ordered},
                    "expected": {"answer": gold.answer, "aliases": list(gold.aliases),
                                 "reject": [f.answer for f in distractors]},
                    "tags": [f"pos:{pos}", f"relation:{rel.name}", f"answer:{rel.answer_kind}"],
                })
        files[file] = rows
    return files


def render(rows: list[dict[str, object]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else HERE
    for file, rows in generate().items():
        (out / file).write_text(render(rows), encoding="utf-8")
        print(f"{out / file}: {len(rows)} cases")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
