"""Generate the information-extraction cases: every entity of a kind, from a business text.

Four kinds of record, each from the documents where they occur in practice:

- `people` (name, role, company): contract signatories, meeting attendees, a project team;
- `dates` (date, event): a contract timeline, a plan in an email, agreed dates in minutes;
- `amounts` (amount, currency, purpose): agreed prices in a contract, an email, PO notes;
- `items` (sku, quantity, unit_price): purchase-order lines in notes or an email.

Every text carries distractors the instruction rules out, so extracting "everything that looks
like a date" is wrong: people who sent apologies, witnessed or left the team; dates that were
moved or declined; amounts proposed and rejected or replaced; order lines cancelled or whose
quantity changed. Difficulty (`difficulty:` tag) grows with the record count, the number of
distractors and the written forms (ISO dates → "the 3rd of June 2025"; "EUR 1,200" → "£1,200"
→ amounts in words). Names, companies and codes are fictional, so nothing comes from memory.

Deterministic (seeded `random.Random`, no other input); the committed `cases.jsonl` is the
source of truth and `tests/experiments/` checks that this script reproduces it exactly.
Run: `python experiments/information_extraction/generate_cases.py`.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

SEED = 20251111
PER_KIND = 13
DIFFICULTIES = ("easy", "easy", "easy", "easy", "medium", "medium", "medium", "medium", "hard",
                "hard", "hard", "hard", "hard")
HERE = Path(__file__).resolve().parent

FIRST = ["Imke", "Tobias", "Marisol", "Oluwaseun", "Katarzyna", "Rhiannon", "Anselm", "Priyanka",
         "Leopold", "Ysolde", "Dariusz", "Fenella", "Ikaika", "Solveig", "Bastien", "Noor",
         "Cormac", "Elowen", "Hiroshi", "Zuzana"]
LAST = ["Dallow", "Fennimore", "Okonkwo-Reyes", "Brandvold", "Quist", "Achterberg", "Lamprecht",
        "Varga", "Pendry", "Castellanos", "Mbeki-Hart", "Thorsby", "Kowalczyk", "Annesley",
        "Ravensholm", "Delacourt", "Nyberg", "Oyelaran", "Strachan", "Wexley"]
COMPANIES = ["Veltrane GmbH", "Orrisby Logistics Ltd", "Kestrel Ardent AG", "Mirrowfield Systems",
             "Quillon Foods BV", "Tarrant & Lowe LLP", "Bramblecote Energy", "Solvik Maritime AS",
             "Hexley Print Co", "Norrland Textiles AB", "Ambrose Vale Ltd", "Pellucid Labs Inc"]
ROLES = ["Head of Procurement", "Chief Financial Officer", "Operations Director", "Legal Counsel",
         "Project Manager", "Account Manager", "IT Security Lead", "Managing Director",
         "Logistics Coordinator", "Quality Manager", "Sales Director", "Data Protection Officer"]
PROJECTS = ["Harbourline", "Cobalt Ledger", "Northgate ERP", "Saltmarsh", "Project Wren"]
AGREEMENTS = ["Supply Agreement", "Master Services Agreement", "Software Licence Agreement",
              "Logistics Framework Agreement"]

EVENTS = ["signing", "kickoff", "delivery", "payment_due", "review", "go_live", "training",
          "contract_end"]
EVENT_SENTENCES = {
    "signing": ["The agreement will be signed on {d}.", "Both parties sign the contract on {d}."],
    "kickoff": ["The project kickoff is scheduled for {d}.", "We kick off the project on {d}."],
    "delivery": ["The Supplier shall deliver the goods by {d}.",
                 "All hardware is to be delivered on {d}."],
    "payment_due": ["Payment of the first invoice is due on {d}.",
                    "The first instalment must be paid by {d}."],
    "review": ["A performance review takes place on {d}.",
               "The steering committee reviews progress on {d}."],
    "go_live": ["The new system goes live on {d}.", "Go-live is set for {d}."],
    "training": ["User training is planned for {d}.", "Staff will be trained on {d}."],
    "contract_end": ["This agreement ends on {d} unless renewed.",
                     "The contract term expires on {d}."],
}
EVENT_NOUNS = {"signing": "signing", "kickoff": "kickoff", "delivery": "delivery",
               "payment_due": "first payment", "review": "review", "go_live": "go-live",
               "training": "training", "contract_end": "end of the term"}
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]

PURPOSES = ["license_fee", "support_fee", "installation", "training", "shipping", "deposit",
            "late_penalty", "discount"]
PURPOSE_SENTENCES = {
    "license_fee": ["The annual licence fee is {a}.", "Licences cost {a} per year."],
    "support_fee": ["Support and maintenance cost {a} per year.",
                    "The support plan is priced at {a} annually."],
    "installation": ["Installation is charged at {a}.", "On-site installation costs {a}."],
    "training": ["Training for up to ten users is billed at {a}.",
                 "The training package comes to {a}."],
    "shipping": ["Shipping costs {a}.", "Freight to the Rotterdam warehouse is {a}."],
    "deposit": ["A deposit of {a} is payable on signature.", "We pay a deposit of {a} upfront."],
    "late_penalty": ["Late delivery incurs a penalty of {a} per week.",
                     "Each week of delay costs the Supplier {a}."],
    "discount": ["A one-off discount of {a} applies to the first order.",
                 "The first order is reduced by a discount of {a}."],
}
PURPOSE_NOUNS = {"license_fee": "the licence fee", "support_fee": "support", "installation":
                 "installation", "training": "training", "shipping": "shipping", "deposit":
                 "the deposit", "late_penalty": "the weekly late penalty", "discount":
                 "the discount"}
CURRENCIES = ["EUR", "USD", "GBP", "CHF"]
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}
CURRENCY_WORDS = {"EUR": "euros", "USD": "US dollars", "GBP": "pounds", "CHF": "Swiss francs"}
UNITS = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

SKU_PREFIXES = ["VX", "QM", "TR", "KL", "BN", "ZP", "HD", "RC"]
ITEM_NAMES = ["cable harness", "pallet wrap", "sensor module", "LED panel", "steel bracket",
              "filter cartridge", "label roll", "power supply", "gasket set", "relay board"]

RECORDS_BY_DIFFICULTY = {"easy": (2, 3), "medium": (3, 4), "hard": (4, 5)}
HARD_DATES = (5, 6)  # date records are short: up to 6 fit the token budget
DISTRACTORS_BY_DIFFICULTY = {"easy": 0, "medium": 1, "hard": 2}


# --- small helpers -----------------------------------------------------------------------------

def _money(value: float) -> str:
    """1250 → "1,250"; 1249.5 → "1,249.50"."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _amount_text(rng: random.Random, value: float, currency: str, hard: bool) -> str:
    forms = ["{c} {n}", "{n} {c}"]
    if hard:
        if currency in SYMBOLS:
            forms.append("{s}{n}")
        if float(value).is_integer() and value % 100 == 0 and value < 10000:
            forms.append("{w} {cw}")
    form = rng.choice(forms)
    return form.format(c=currency, n=_money(value), s=SYMBOLS.get(currency, ""),
                       w=_hundreds_in_words(int(value)) if "{w}" in form else "",
                       cw=CURRENCY_WORDS[currency])


def _hundreds_in_words(n: int) -> str:
    """700 → "seven hundred", 3400 → "three thousand four hundred" (n < 10000, n % 100 == 0)."""
    thousands, hundreds = divmod(n // 100, 10)
    parts = []
    if thousands:
        parts.append(f"{UNITS[thousands]} thousand")
    if hundreds:
        parts.append(f"{UNITS[hundreds]} hundred")
    return " ".join(parts)


def _date_text(rng: random.Random, iso: str, difficulty: str) -> str:
    y, m, d = (int(x) for x in iso.split("-"))
    forms = {"easy": ["iso", "dMy"], "medium": ["iso", "dMy", "Mdy"],
             "hard": ["dMy", "Mdy", "ord", "slash"]}[difficulty]
    if d <= 12 and "slash" in forms:
        forms = [f for f in forms if f != "slash"]  # 05/06 would be ambiguous
    form = rng.choice(forms)
    if form == "iso":
        return iso
    if form == "dMy":
        return f"{d} {MONTHS[m - 1]} {y}"
    if form == "Mdy":
        return f"{MONTHS[m - 1]} {d}, {y}"
    if form == "ord":
        suffix = "th" if 10 <= d % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")
        return f"the {d}{suffix} of {MONTHS[m - 1]} {y}"
    return f"{d:02d}/{m:02d}/{y}"


def _dates(rng: random.Random, n: int) -> list[str]:
    """*n* distinct ISO dates in 2025–2026, in order."""
    days: set[tuple[int, int, int]] = set()
    while len(days) < n:
        days.add((rng.choice([2025, 2026]), rng.randint(1, 12), rng.randint(1, 28)))
    return [f"{y}-{m:02d}-{d:02d}" for y, m, d in sorted(days)]


def _people(rng: random.Random, n: int) -> list[dict[str, str]]:
    firsts = rng.sample(FIRST, n)
    lasts = rng.sample(LAST, n)
    roles = rng.sample(ROLES, n)
    companies = [rng.choice(COMPANIES) for _ in range(n)]
    return [{"name": f"{f} {la}", "role": r, "company": c}
            for f, la, r, c in zip(firsts, lasts, roles, companies, strict=True)]


def _person_phrase(rng: random.Random, p: dict[str, str], hard: bool) -> str:
    forms = ["{name} ({role}, {company})", "{name}, {role} at {company}"]
    if hard:
        forms += ["{company}'s {role}, {name}", "{name} of {company}, acting as {role}"]
    return rng.choice(forms).format(**p)


# --- the four kinds -----------------------------------------------------------------------------

Built = tuple[str, str, str, list[dict[str, Any]], int]  # doc type, task, text, records, n distr.


def build_people(rng: random.Random, difficulty: str, i: int) -> Built:
    n = rng.randint(*RECORDS_BY_DIFFICULTY[difficulty])
    n_distr = DISTRACTORS_BY_DIFFICULTY[difficulty]
    everyone = _people(rng, n + max(n_distr, 1))
    records, extra = everyone[:n], everyone[n:]
    hard = difficulty == "hard"
    doc = ("contract clause", "meeting minutes", "email")[i % 3]
    if doc == "contract clause":
        agreement = rng.choice(AGREEMENTS)
        lines = [f"IN WITNESS WHEREOF the parties have executed this {agreement}."]
        lines += [f"Signed for and on behalf of {p['company']} by {p['name']}, {p['role']}."
                  if not hard or rng.random() < 0.5 else
                  f"Signed by {_person_phrase(rng, p, hard)}." for p in records]
        if n_distr >= 1:
            lines.append(f"Witnessed by {_person_phrase(rng, extra[0], hard)}.")
        if n_distr >= 2:
            lines.insert(1, f"This agreement replaces the one signed in 2021 by {extra[1]['name']}"
                            f", then {extra[1]['role']} of {extra[1]['company']}.")
        task = ("List every person who signs this agreement for a party, with their role and "
                "company. Leave out witnesses and anyone only mentioned.")
    elif doc == "meeting minutes":
        project = rng.choice(PROJECTS)
        lines = [f"Minutes of the {project} steering meeting.",
                 "Present: " + "; ".join(_person_phrase(rng, p, hard) for p in records) + "."]
        if n_distr >= 1:
            lines.append(f"Apologies: {_person_phrase(rng, extra[0], hard)}.")
        if n_distr >= 2:
            lines.append(f"Action: send the budget figures to {extra[1]['name']} "
                         f"({extra[1]['role']}, {extra[1]['company']}), who was not present.")
        lines.append("Next meeting in two weeks.")
        task = ("List every person who was present at the meeting, with their role and "
                "company. Leave out people who sent apologies or are only mentioned.")
    else:
        project = rng.choice(PROJECTS)
        sender = extra[-1]
        lines = [f"Hi all, please welcome the {project} rollout team:"]
        lines += [f"- {_person_phrase(rng, p, hard)}" for p in records]
        if n_distr >= 2:
            lines.append(f"{extra[0]['name']} ({extra[0]['role']}, {extra[0]['company']}) has "
                         "left the project and is no longer on the team.")
        lines.append(f"Best regards,\n{sender['name']}\n{sender['role']}, {sender['company']}")
        task = ("List every person on the rollout team named in this email, with their role "
                "and company. Leave out the sender and anyone who has left the team.")
        n_distr = max(n_distr, 1)  # the sender's signature is always there
    return doc, task, "\n".join(lines), records, n_distr


def build_dates(rng: random.Random, difficulty: str, i: int) -> Built:
    n = rng.randint(*(HARD_DATES if difficulty == "hard" else RECORDS_BY_DIFFICULTY[difficulty]))
    n_distr = DISTRACTORS_BY_DIFFICULTY[difficulty]
    events = rng.sample(EVENTS, n + n_distr)
    days = _dates(rng, n + n_distr)
    pairs = list(zip(days[:n], rng.sample(events[:n], n), strict=True))
    records = [{"date": d, "event": e} for d, e in pairs]
    sentences = [rng.choice(EVENT_SENTENCES[e]).format(d=_date_text(rng, d, difficulty))
                 for d, e in pairs]
    if n_distr >= 1:  # a date that was replaced by a record's date
        moved = rng.randrange(n)
        old = days[n]
        d, e = pairs[moved]
        sentences[moved] = (f"The {EVENT_NOUNS[e]}, originally planned for "
                            f"{_date_text(rng, old, difficulty)}, has been moved to "
                            f"{_date_text(rng, d, difficulty)}.")
    if n_distr >= 2:  # a date suggested for an event that is not on the schedule
        e = events[n + 1]
        sentences.insert(rng.randrange(len(sentences) + 1),
                         f"{rng.choice(FIRST)} suggested {_date_text(rng, days[n + 1], difficulty)}"
                         f" for the {EVENT_NOUNS[e]}, but this was declined and no date is set.")
    doc = ("contract clause", "email", "meeting minutes")[i % 3]
    if doc == "contract clause":
        text = "Schedule 2 (Timeline). " + " ".join(sentences)
    elif doc == "email":
        text = ("Hi Dana,\nhere is the updated plan for the rollout. " + " ".join(sentences)
                + "\nLet me know if anything clashes.\nThanks, " + rng.choice(FIRST))
    else:
        text = ("Minutes, project board. Agreed timeline: " + " ".join(sentences)
                + " No other business.")
    task = ("List every scheduled date with what happens on it. Leave out dates that were "
            "moved or declined.")
    return doc, task, text, records, n_distr


def build_amounts(rng: random.Random, difficulty: str, i: int) -> Built:
    n = rng.randint(*RECORDS_BY_DIFFICULTY[difficulty])
    n_distr = DISTRACTORS_BY_DIFFICULTY[difficulty]
    hard = difficulty == "hard"
    purposes = rng.sample(PURPOSES, n)
    main_currency = rng.choice(CURRENCIES)
    values: list[float] = []
    while len(values) < n + n_distr:
        v: float = rng.randrange(4, 400) * 50
        if hard and rng.random() < 0.3:
            v += 0.5
        if v not in values:
            values.append(v)
    records: list[dict[str, Any]] = []
    sentences = []
    for value, purpose in zip(values[:n], purposes, strict=True):
        currency = rng.choice(CURRENCIES) if hard and rng.random() < 0.4 else main_currency
        amount = int(value) if float(value).is_integer() else value
        records.append({"amount": amount, "currency": currency, "purpose": purpose})
        sentences.append(rng.choice(PURPOSE_SENTENCES[purpose]).format(
            a=_amount_text(rng, value, currency, hard)))
    if n_distr >= 2:  # a quote replaced by a record's amount (before the insertion below)
        k = rng.randrange(n)
        rec = records[k]
        sentences[k] = (f"The first offer for {PURPOSE_NOUNS[rec['purpose']]} was "
                        f"{_amount_text(rng, values[n + 1], rec['currency'], hard)}; it was "
                        f"revised to {_amount_text(rng, values[k], rec['currency'], hard)}.")
    if n_distr >= 1:  # a proposal that was rejected
        sentences.insert(rng.randrange(len(sentences) + 1),
                         "The vendor also proposed a setup fee of "
                         f"{_amount_text(rng, values[n], main_currency, hard)}, which we rejected.")
    doc = ("contract clause", "email", "purchase order notes")[i % 3]
    if doc == "contract clause":
        text = "Clause 7 (Fees). " + " ".join(sentences) + " All fees exclude VAT."
    elif doc == "email":
        text = ("Hello Tomas,\nafter yesterday's call the commercial terms are settled. "
                + " ".join(sentences) + "\nKind regards, " + rng.choice(FIRST))
    else:
        text = (f"PO {rng.randint(1000, 9999)} notes (buyer): " + " ".join(sentences)
                + " Invoice to the Leeds office.")
    task = ("List every agreed amount with its currency and what it is for. Leave out amounts "
            "that were rejected or replaced.")
    return doc, task, text, records, n_distr


def build_items(rng: random.Random, difficulty: str, i: int) -> Built:
    n = rng.randint(*RECORDS_BY_DIFFICULTY[difficulty])
    n_distr = DISTRACTORS_BY_DIFFICULTY[difficulty]
    hard = difficulty == "hard"
    skus: list[str] = []
    while len(skus) < n + 1:
        sku = f"{rng.choice(SKU_PREFIXES)}-{rng.randint(100, 9999)}"
        if sku not in skus:
            skus.append(sku)
    names = rng.sample(ITEM_NAMES, n + 1)
    lines_: list[tuple[str, int, float, str]] = [
        (skus[k], rng.randrange(2, 60) * 5, rng.randrange(8, 2000) / 4, names[k])
        for k in range(n + 1)]
    forms = ["{q} x {sku} ({name}) at {p} each", "{sku} {name}: qty {q}, unit price {p}"]
    if hard:
        forms.append("{q} units of {name}, SKU {sku}, {p} per unit")
    shown = lines_[:n] + (lines_[n:] if n_distr >= 1 else [])  # the cancelled line is listed too
    order = rng.sample(range(len(shown)), len(shown))
    text_lines = [rng.choice(forms).format(q=shown[k][1], sku=shown[k][0], name=shown[k][3],
                                           p=_money(shown[k][2])) for k in order]
    notes = []
    if n_distr >= 1:
        notes.append(f"Customer called: cancel {lines_[n][0]} ({lines_[n][3]}), no longer needed.")
    records = [{"sku": s, "quantity": q, "unit_price": int(p) if p.is_integer() else p}
               for s, q, p, _ in lines_[:n]]
    if n_distr >= 2:  # a quantity that changed after the order was written
        k = rng.randrange(n)
        new_q = records[k]["quantity"] + rng.randrange(1, 8) * 5
        notes.append(f"Update: quantity for {records[k]['sku']} raised to {new_q}.")
        records[k]["quantity"] = new_q
    currency = rng.choice(CURRENCIES)
    doc = ("purchase order notes", "email")[i % 2]
    if doc == "purchase order notes":
        text = (f"PO {rng.randint(1000, 9999)}, prices in {currency}.\n" + "\n".join(text_lines)
                + ("\n" + " ".join(notes) if notes else ""))
    else:
        text = (f"Hi Marta,\nplease book the following order (prices in {currency}): "
                + "; ".join(text_lines) + ". " + " ".join(notes)
                + "\nThanks, " + rng.choice(FIRST)).replace(". \n", ".\n")
    task = ("List every line item still on this order with its SKU, quantity and unit price. "
            "Leave out cancelled lines and use updated quantities.")
    return doc, task, text, records, n_distr


KINDS: dict[str, tuple[Callable[[random.Random, str, int], Built], str, list[str],
                       dict[str, list[str]]]] = {
    "people": (build_people, "name", ["name", "role", "company"], {}),
    "dates": (build_dates, "date", ["date", "event"], {"event": EVENTS}),
    "amounts": (build_amounts, "amount", ["amount", "currency", "purpose"],
                {"currency": CURRENCIES, "purpose": PURPOSES}),
    "items": (build_items, "sku", ["sku", "quantity", "unit_price"], {}),
}


def generate() -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(SEED)
    rows: list[dict[str, Any]] = []
    for kind, (build, key, fields, enums) in KINDS.items():
        for i, difficulty in enumerate(DIFFICULTIES[:PER_KIND]):
            doc, task, text, records, n_distr = build(rng, difficulty, i)
            rows.append({
                "id": f"{kind}-{i + 1:02d}",
                "input": {"doc_type": doc, "task": task, "text": text, "key": key,
                          "fields": fields, "enums": enums},
                "expected": records,
                "tags": [f"kind:{kind}", f"difficulty:{difficulty}",
                         f"doc:{doc.replace(' ', '_')}", f"records:{len(records)}",
                         f"distractors:{n_distr}"],
            })
    return {"cases.jsonl": rows}


def render(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else HERE
    for file, rows in generate().items():
        (out / file).write_text(render(rows), encoding="utf-8")
        print(f"{out / file}: {len(rows)} cases")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
