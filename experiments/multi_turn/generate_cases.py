"""Generate the multi-turn case file: conversations whose later turns depend on earlier ones.

Six kinds, seven conversations each, 3 to 6 user turns:

- `order`: an order built item by item, one item removed, "what's my total?" (state).
- `booking`: a room booked, then "actually make that Tuesday" and a new time (correction).
- `options`: a scripted assistant reply lists three tools; the user asks about "the second
  option you listed" (reference).
- `trip`: name, destination, dates and employee number given one per turn, then a summary;
  in some the return date is corrected (slot filling).
- `budget`: a budget set in turn 1 that the turn-4 choice must honour (constraint).
- `stock`: a stock count changed by shipments and deliveries, then "how many now?" (state).

Each case's `expected.turns` has one check per generated reply (null = not scored); `stale`
lists superseded values (the old day, the old total) so the scorer can tell a reply that lost
the state from one that is merely wrong. Names, companies and prices are invented.

Deterministic (seeded `random.Random`); the committed `cases.jsonl` is the source of truth
and tests/experiments/test_multi_turn_cases.py checks that this script reproduces it.
Run: `python experiments/multi_turn/generate_cases.py`.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

SEED = 20250412
PER_KIND = 7
HERE = Path(__file__).resolve().parent

COMPANIES = ("Brennholt Logistik", "Quellmar Systems", "Ardevon Foods", "Tessaline Group",
             "Norrvik Textiles", "Palomera Energy", "Hoxley Freight", "Cendrin Analytics")
PEOPLE = ("Imke Dallow", "Teodor Vasquell", "Aino Brisk", "Farid Olmen", "Greta Haldane",
          "Nuno Calvert", "Odile Marchetz", "Pavel Ostrin", "Sanne Veldkamp", "Kaia Rindell")
TOWNS = ("Kelbrook", "Varnholm", "Ostrelle", "Dunmarrow", "Feldrach", "Saltwick", "Torvalla",
         "Hesmoor", "Calvadine", "Rothwick")
ITEMS = ("notebooks", "whiteboard markers", "desk lamps", "USB-C cables", "ergonomic mice",
         "monitor stands", "headsets", "label printers")
TOOLS = ("Plannix", "Trakora", "Shiftdesk", "Taskwell", "Boardly", "Kanvio", "Sprintra",
         "Roadmapr")
LAPTOPS = ("Veltra 14", "Norbook Pro", "Casmir X3", "Lumio Air", "Tervik 15", "Orrin Slate",
           "Pallas G2")
PRODUCTS = ("copy paper", "bottled water", "packing tape", "cleaning supplies", "coffee beans")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
ROOMS = ("Aster", "Birch", "Cedar", "Delta", "Elm", "Fjord")
MONTHS = ("March", "April", "May", "June", "September", "October")
SYSTEM = ("You are the internal service-desk assistant of {co}. Keep your answers short and "
          "state numbers, names and dates explicitly.")


def _hour(h: int) -> list[str]:
    """Accepted spellings of a full hour: 2 pm, 2pm, 2:00 pm, 14:00, 14h."""
    h12, suffix = (h - 12 if h > 12 else h), ("pm" if h >= 12 else "am")
    forms = [f"{h12} {suffix}", f"{h12}{suffix}", f"{h12}:00 {suffix}", f"{h12}:00{suffix}",
             f"{h12} {suffix[0]}.m.", f"{h:02d}:00", f"{h}:00", f"{h}h00"]
    return list(dict.fromkeys(forms))


def _start(rng: random.Random) -> list[dict[str, str]]:
    """An optional system message (half the conversations have one)."""
    return ([{"role": "system", "content": SYSTEM.format(co=rng.choice(COMPANIES))}]
            if rng.random() < 0.5 else [])


def _user(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


def order(rng: random.Random) -> tuple[list, list, list[str]]:
    (i1, i2, i3) = rng.sample(ITEMS, 3)
    q1, q2, q3 = rng.randint(2, 9), rng.randint(2, 6), rng.randint(2, 5)
    p1, p2, p3 = rng.randint(4, 30), rng.randint(5, 40), rng.randint(6, 45)
    so_far = q1 * p1 + q2 * p2
    total = q1 * p1 + q3 * p3
    msgs = [
        _user(f"I'd like to order {q1} {i1} at {p1} euros each for our office."),
        _user(f"Please add {q2} {i2} at {p2} euros each. What is the total so far?"),
        _user(f"On second thought, remove the {i2} from the order completely."),
        _user(f"Add {q3} {i3} at {p3} euros each."),
        _user("What is my order total now, in euros?"),
    ]
    turns = [None, {"must_include": [[str(so_far)]]}, None, None,
             {"must_include": [[str(total)]],
              "stale": [str(so_far), str(so_far + q3 * p3)]}]
    return msgs, turns, ["state", "arithmetic"]


def booking(rng: random.Random) -> tuple[list, list, list[str]]:
    d1, d2 = rng.sample(DAYS, 2)
    h1, h2 = rng.sample([9, 10, 11, 14, 15, 16], 2)
    room = rng.choice(ROOMS)
    team = rng.choice(("finance", "legal", "sales", "procurement", "design"))
    msgs = [
        _user(f"Please book meeting room {room} for the {team} team on {d1} at "
              f"{_hour(h1)[0]}."),
        _user(f"Actually, make that {d2} instead."),
        _user(f"And move it to {_hour(h2)[0]}, please."),
        _user("Please confirm the booking: which room, which day and what time?"),
    ]
    turns = [None, None, None,
             {"must_include": [[room], [d2], _hour(h2)], "stale": [d1, *_hour(h1)]}]
    tags = ["correction"]
    if rng.random() < 0.5:  # a second correction: the room
        room2 = rng.choice([r for r in ROOMS if r != room])
        msgs.insert(3, _user(f"Sorry, room {room} is too small. Switch to room {room2}."))
        turns = [None, None, None, None,
                 {"must_include": [[room2], [d2], _hour(h2)],
                  "stale": [room, d1, *_hour(h1)]}]
        tags.append("double_correction")
    return msgs, turns, tags


def options(rng: random.Random) -> tuple[list, list, list[str]]:
    names = rng.sample(TOOLS, 3)
    prices = rng.sample(range(4, 19), 3)
    storage = rng.sample([10, 25, 50, 100, 200, 500], 3)
    n = rng.randint(6, 24)
    rows = zip(names, prices, storage, strict=True)
    listing = "\n".join(f"{i}. {nm}: {p} euros per user per month, {s} GB of storage."
                        for i, (nm, p, s) in enumerate(rows, start=1))
    biggest = names[storage.index(max(storage))]
    k = rng.randint(1, 3)
    ordinal = {1: "first", 2: "second", 3: "third"}
    msgs = [
        _user(f"Our team of {n} people needs a project management tool. What are the "
              "options?"),
        {"role": "assistant", "content": f"Here are three options:\n{listing}"},
        _user(f"How much would the second option you listed cost per month for the whole "
              f"team of {n}?"),
        _user("Which of the three options has the most storage?"),
        _user(f"We'll take the {ordinal[k]} option you listed. What is its name, and what "
              "does it cost per user per month?"),
    ]
    turns = [{"must_include": [[str(n * prices[1])]]},
             {"must_include": [[biggest]]},
             {"must_include": [[names[k - 1]], [str(prices[k - 1])]]}]
    return msgs, turns, ["reference", "scripted_turn"]


def trip(rng: random.Random) -> tuple[list, list, list[str]]:
    name = rng.choice(PEOPLE)
    town = rng.choice(TOWNS)
    month = rng.choice(MONTHS)
    day = rng.randint(3, 18)
    back, back2 = day + rng.randint(2, 4), day + rng.randint(5, 8)
    emp = str(rng.randint(10000, 99999))
    event = rng.choice(("supplier audit", "trade fair", "customer workshop", "board meeting"))
    msgs = [
        _user(f"I need to book a business trip. My name is {name}."),
        _user(f"I'm travelling to {town} for a {event}."),
        _user(f"I'll leave on {day} {month} 2026 and return on {back} {month} 2026."),
        _user(f"My employee number is {emp}."),
    ]
    summary = _user("Please summarise my trip request: name, destination, dates and employee "
                    "number.")
    stale: list[str] = []
    tags = ["slot_filling"]
    if rng.random() < 0.5:
        msgs.append(_user(f"Correction: I'll return on {back2} {month} 2026, not on "
                          f"{back} {month}."))
        stale, back = [f"{back} {month} 2026"], back2
        tags.append("correction")
    msgs.append(summary)
    check = {"must_include": [[name, name.split()[-1]], [town], [f"{day} {month} 2026"],
                              [f"{back} {month} 2026"], [emp]]}
    if stale:
        check["stale"] = stale
    return msgs, [None] * (len(msgs) - 1) + [check], tags


def budget(rng: random.Random) -> tuple[list, list, list[str]]:
    names = rng.sample(LAPTOPS, 4)
    cap = rng.choice((900, 1000, 1100, 1200, 1300))
    prices = [cap - rng.randint(350, 500), cap - rng.randint(60, 300),
              cap + rng.randint(80, 300), cap + rng.randint(350, 600)]
    order_ = rng.sample(range(4), 4)
    quotes = ", ".join(f"{names[i]} costs {prices[i]} euros" for i in order_)
    best, cheapest = names[1], names[0]
    msgs = [
        _user(f"For this whole conversation, remember one rule: we never buy a laptop that "
              f"costs more than {cap} euros."),
        _user(f"Here are the quotes we received: {quotes}."),
        _user("Which of these laptops is the cheapest?"),
        _user("We want the most expensive laptop we are allowed to buy. Which one should we "
              "order?"),
    ]
    turns = [None, None, {"must_include": [[cheapest]]},
             {"must_include": [[best]], "must_not_include": [names[2], names[3]]}]
    return msgs, turns, ["constraint"]


def stock(rng: random.Random) -> tuple[list, list, list[str]]:
    product, town = rng.choice(PRODUCTS), rng.choice(TOWNS)
    n, a, b = rng.randint(120, 400), rng.randint(20, 90), rng.randint(30, 120)
    msgs = [
        _user(f"Our warehouse in {town} has {n} pallets of {product} in stock."),
        _user(f"This morning we shipped {a} pallets to customers."),
        _user(f"A delivery of {b} pallets has just arrived."),
        _user(f"How many pallets of {product} do we have now?"),
    ]
    now = n - a + b
    turns: list[dict[str, Any] | None] = [
        None, None, None, {"must_include": [[str(now)]], "stale": [str(n), str(n - a)]}]
    tags = ["state", "arithmetic"]
    if rng.random() < 0.5:
        c = rng.randint(10, 60)
        msgs.append(_user(f"We just shipped another {c} pallets. How many are left?"))
        turns.append({"must_include": [[str(now - c)]], "stale": [str(now)]})
        tags.append("long")
    return msgs, turns, tags


KINDS: dict[str, Callable[[random.Random], tuple[list, list, list[str]]]] = {
    "order": order, "booking": booking, "options": options, "trip": trip, "budget": budget,
    "stock": stock,
}


def generate() -> list[dict[str, object]]:
    rng = random.Random(SEED)
    rows: list[dict[str, object]] = []
    for kind, make in KINDS.items():
        for j in range(PER_KIND):
            start = _start(rng)
            msgs, turns, tags = make(rng)
            users = sum(1 for m in msgs if m["role"] == "user")
            rows.append({"id": f"{kind}-{j + 1:02d}",
                         "input": {"messages": start + msgs},
                         "expected": {"turns": turns},
                         "tags": [kind, *tags, f"user_turns_{users}",
                                  "system" if start else "no_system"]})
    return rows


def render(rows: list[dict[str, object]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else HERE
    rows = generate()
    (out / "cases.jsonl").write_text(render(rows), encoding="utf-8")
    print(f"{out / 'cases.jsonl'}: {len(rows)} cases")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
