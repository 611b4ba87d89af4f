"""Generate the RAG-grounding cases: answer only from the passages, or say NOT IN DOCUMENTS.

Five kinds of fictional enterprise documents (vendor contracts, service runbooks, office
travel policies, product tier specs, team charters). Each document is about one entity and
states a few attributes; the passages of a case are documents of the same kind about similar
entities, so every passage looks relevant (near misses). Per kind, eight cases:

- 3 `direct`: the asked attribute is in the target's document; the other documents state the
  same attribute with other values (`reject`: the near-miss values).
- 2 `two_hop`: the question names the entity by its internal code name; one passage maps the
  code name to the entity, another holds the attribute (two passages combined).
- 3 unanswerable: `missing_attribute` (the target's document omits the attribute the others
  state), `absent_entity` (the question's entity has no document; a near-namesake does),
  `two_hop_missing` (the code name resolves, the attribute is not there).

Plus nine hand-written `outside` cases where world knowledge tempts: an answerable one whose
documents override the usual value (port 8443, not 443), an unanswerable one whose usual
value (19% VAT, AES-256) appears in no passage.

Deterministic (seeded); the committed cases.jsonl is the source of truth and
tests/experiments/test_rag_grounding_cases.py checks this script reproduces it.
Run: `python experiments/rag_grounding/generate_cases.py`.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.scoring.grounding import phrase_in

SEED = 20250311
HERE = Path(__file__).resolve().parent
MONTHS = ("January February March April May June July August September October November "
          "December").split()
PEOPLE = ("Helga Varnholt, Tomas Ebberly, Odile Marchetti, Kasimir Ostrand, Renske Daalder, "
          "Farid Elmqvist, Yara Pellington, Stellan Quist, Maren Okafor, Ivo Laskaris, "
          "Brigid Tannahill, Nuno Ferreirinha, Dagny Solberg, Emeric Vautrin, Liesel Hornbach, "
          "Cosmin Varga, Tamsin Wreford, Jorun Aasland, Piet Verschoor, Halina Brzoska").split(", ")
CODENAMES = ("Heron Lantern Basalt Juniper Cobalt Marigold Sextant Thimble Quarry Falcon "
             "Bramble Osprey").split()


def _date(rng: random.Random) -> str:
    return f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.choice([2025, 2026, 2027])}"


@dataclass(frozen=True)
class Attr:
    """One attribute of a document kind: how to ask for it, state it, and draw a value."""

    key: str
    question: str          # "{e}" is the entity phrase
    sentence: str          # "{e}" entity, "{v}" value
    value: Callable[[random.Random], str]


@dataclass(frozen=True)
class Kind:
    name: str
    doc: str               # what a document is ("contract", "runbook")
    entities: tuple[str, ...]
    near: dict[str, str]   # entity without a document -> its near-namesake that has one
    attrs: tuple[Attr, ...]
    filler: tuple[str, ...]
    tag: str


KINDS = (
    Kind("vendor contracts", "contract",
         ("Brenholt Logistics", "Quillmark Data", "Savrin Facilities", "Tarnvale Security",
          "Ostwick Print", "Halden Freight"),
         {"Brenholt Freight": "Brenholt Logistics", "Quillmark Analytics": "Quillmark Data"},
         (Attr("notice", "What is the termination notice period in the {e} contract?",
               "Either party may terminate the {e} contract with {v} written notice.",
               lambda r: f"{r.choice([15, 30, 45, 60, 90, 120])} days'"),
          Attr("cap", "What is the liability cap in the {e} contract?",
               "Liability under the {e} contract is capped at EUR {v}.",
               lambda r: f"{r.randint(2, 39) * 25_000:,}"),
          Attr("renewal", "On what date does the {e} contract renew?",
               "The {e} contract renews automatically on {v}.", _date),
          Attr("manager", "Who is the vendor account manager for the {e} contract?",
               "The vendor's account manager for the {e} contract is {v}.",
               lambda r: r.choice(PEOPLE))),
         ("Invoices under this agreement are payable by bank transfer.",
          "The agreement is governed by the procurement framework approved by the board.",
          "Service reviews take place every quarter."), "contract"),
    Kind("service runbooks", "runbook",
         ("ledger-sync service", "Kestrel gateway", "Pallas billing worker", "Nimbre search "
          "indexer", "Ardent notification hub"),
         {"ledger-export service": "ledger-sync service", "Kestrel proxy": "Kestrel gateway"},
         (Attr("rollback", "Within how many minutes must a failed deploy of the {e} be rolled "
                           "back?",
               "A failed deploy of the {e} must be rolled back within {v}.",
               lambda r: f"{r.choice([5, 10, 15, 20, 30, 45])} minutes"),
          Attr("threshold", "At what error rate does the {e} page the on-call engineer?",
               "The {e} pages the on-call engineer when the error rate exceeds {v}.",
               lambda r: f"{r.choice(['0.5', '1', '2', '3', '5'])}%"),
          Attr("owner", "Which team owns the {e}?", "The {e} is owned by the {v}.",
               lambda r: f"{r.choice(['Atlas', 'Beacon', 'Cinder', 'Delta', 'Ember', 'Fjord'])}"
                         f" team"),
          Attr("window", "On which weekday is the maintenance window for the {e}?",
               "Planned maintenance on the {e} happens on {v} evenings.",
               lambda r: r.choice(["Monday", "Tuesday", "Wednesday", "Thursday", "Sunday"]))),
         ("Dashboards for this service live in the shared observability workspace.",
          "Configuration changes go through the standard change request.",
          "Logs are retained according to the platform logging policy."), "runbook"),
    Kind("travel policies", "travel policy",
         ("Lornhaven office", "Calmouth office", "Ithmoor office", "Dunstead office",
          "Velbrook office"),
         {"Lornhaven warehouse": "Lornhaven office", "Calmouth studio": "Calmouth office"},
         (Attr("hotel", "What is the nightly hotel cap for staff travelling from the {e}?",
               "Staff travelling from the {e} may book hotels up to EUR {v} per night.",
               lambda r: str(r.choice([110, 125, 140, 150, 165, 180, 210]))),
          Attr("perdiem", "What is the daily meal allowance for the {e}?",
               "The daily meal allowance for the {e} is EUR {v}.",
               lambda r: str(r.choice([35, 40, 45, 52, 58, 64]))),
          Attr("approver", "Who approves international trips for the {e}?",
               "International trips from the {e} are approved by {v}.",
               lambda r: r.choice(PEOPLE)),
          Attr("class", "Which rail class may staff of the {e} book?",
               "Staff of the {e} may book {v} rail tickets.",
               lambda r: r.choice(["first class", "second class", "standard class",
                                   "business class", "comfort class"]))),
         ("Receipts must be uploaded within the expense tool.",
          "Trips should be booked through the corporate travel desk.",
          "Personal upgrades are paid by the traveller."), "policy"),
    Kind("product tiers", "product spec",
         ("Corvane Starter tier", "Corvane Team tier", "Corvane Business tier",
          "Corvane Scale tier", "Corvane Edge tier"),
         {"Corvane Enterprise tier": "Corvane Business tier",
          "Corvane Team Plus tier": "Corvane Team tier"},
         (Attr("storage", "How much storage does the {e} include?",
               "The {e} includes {v} of storage per workspace.",
               lambda r: f"{r.choice([5, 20, 50, 100, 250, 500])} GB"),
          Attr("rate", "What is the API rate limit of the {e}?",
               "The {e} allows {v} API requests per minute.",
               lambda r: str(r.choice([60, 120, 300, 600, 1200, 3000]))),
          Attr("support", "What is the first-response time for support on the {e}?",
               "Support tickets on the {e} get a first response within {v}.",
               lambda r: f"{r.choice([2, 4, 8, 12, 24, 48])} hours"),
          Attr("seats", "How many seats are included in the {e}?",
               "The {e} includes {v} seats.",
               lambda r: str(r.choice([3, 5, 10, 25, 50, 75])))),
         ("Billing is monthly or annual.", "Single sign-on is configured by the workspace admin.",
          "Data exports are available in CSV."), "spec"),
    Kind("team charters", "team charter",
         ("Atlas team", "Beacon team", "Cinder team", "Delta team", "Ember team"),
         {"Atlas platform group": "Atlas team", "Beacon data group": "Beacon team"},
         (Attr("lead", "Who is the escalation contact for the {e}?",
               "The escalation contact for the {e} is {v}.", lambda r: r.choice(PEOPLE)),
          Attr("rota", "How long is an on-call shift on the {e}?",
               "An on-call shift on the {e} lasts {v}.",
               lambda r: f"{r.choice([3, 5, 7, 10, 14])} days"),
          Attr("channel", "Which chat channel does the {e} use for incidents?",
               "The {e} coordinates incidents in the \"{v}\" channel.",
               lambda r: f"inc-{r.choice(['core', 'edge', 'payments', 'search', 'ops'])}"
                         f"-{r.randint(2, 9)}"),
          Attr("standup", "At what time is the {e} daily stand-up?",
               "The {e} holds its daily stand-up at {v}.",
               lambda r: f"{r.choice([8, 9, 10])}:{r.choice(['00', '15', '30', '45'])}")),
         ("The team reviews its charter twice a year.",
          "New members shadow the on-call rotation before joining it.",
          "Team goals are tracked in the quarterly planning document."), "charter"),
)


def _document(rng: random.Random, kind: Kind, entity: str, values: dict[str, str],
              drop: str | None = None) -> str:
    """One passage: the entity's attribute sentences (all but *drop*) and one filler."""
    sentences = [a.sentence.format(e=entity, v=values[a.key])
                 for a in kind.attrs if a.key != drop]
    sentences = [s[0].upper() + s[1:] for s in sentences]
    rng.shuffle(sentences)
    sentences.insert(rng.randint(0, len(sentences)), rng.choice(kind.filler))
    title = f"{kind.doc.capitalize()}: {entity}."
    return " ".join([title, *sentences])


def _answer(attr: Attr, value: str) -> tuple[str, list[str]]:
    """The expected answer and aliases (bare numbers without units, and with)."""
    answer = value.rstrip("'")
    aliases = []
    if attr.key in ("cap", "hotel", "perdiem"):
        aliases = [f"EUR {answer}", f"€{answer}", f"{answer} euros"]
    if attr.key == "owner":
        aliases = [answer.replace(" team", "")]
    if attr.key == "standup" and len(answer) == 4:
        aliases = [f"0{answer}"]
    return answer, aliases


def _fresh_value(rng: random.Random, attr: Attr, passages: list[str]) -> str:
    """A plausible value for *attr* that none of *passages* states (a model's likely guess)."""
    for _ in range(100):
        v = attr.value(rng).rstrip("'")
        if not any(phrase_in(v, p) for p in passages):
            return v
    raise RuntimeError(f"no fresh value for {attr.key}")


def _kind_cases(rng: random.Random, kind: Kind, k: int) -> list[dict]:
    cases: list[dict] = []
    codenames = list(CODENAMES)
    rng.shuffle(codenames)
    plan = ["direct", "direct", "direct", "two_hop", "two_hop", "missing_attribute",
            "absent_entity", "two_hop_missing"]
    attrs = list(kind.attrs)
    for n, sub in enumerate(plan, start=1):
        attr = attrs[(n + k) % len(attrs)]
        n_docs = rng.choice([3, 4]) if sub != "two_hop" else rng.choice([2, 3])
        entities = rng.sample(list(kind.entities), n_docs)
        target = entities[0]
        values: dict[str, dict[str, str]] = {}
        for e in entities:  # the asked attribute differs between documents (near misses)
            taken = {values[x][attr.key].rstrip("'") for x in values}
            vals = {a.key: a.value(rng) for a in kind.attrs}
            while vals[attr.key].rstrip("'") in taken:
                vals[attr.key] = attr.value(rng)
            values[e] = vals
        drop = attr.key if sub in ("missing_attribute", "two_hop_missing") else None
        asked = target
        if sub == "absent_entity":
            asked, near = rng.choice(sorted(kind.near.items()))
            if near not in entities:
                entities[-1] = near
                values[near] = values.pop(list(values)[-1])
            drop = None
        passages = [_document(rng, kind, e, values[e], drop if e == target else None)
                    for e in entities]
        phrase = asked
        if sub.startswith("two_hop"):
            code = codenames.pop()
            the = "" if kind.tag == "contract" else "the "
            passages.append(f"Internal naming: Project {code} is the internal code name for "
                            f"{the}{target}.")
            phrase = f"Project {code}"
        order = list(range(len(passages)))
        rng.shuffle(order)
        passages = [passages[i] for i in order]
        question = attr.question.format(e=phrase)
        question = question[0].upper() + question[1:]
        others = [values[e][attr.key].rstrip("'") for e in entities if e != target]
        if sub in ("direct", "two_hop"):
            answer, aliases = _answer(attr, values[target][attr.key])
            expected = {"answerable": True, "answer": answer, "aliases": aliases,
                        "reject": others}
            difficulty = "easy" if sub == "direct" and len(passages) == 3 else "hard"
        else:
            expected = {"answerable": False, "absent": [_fresh_value(rng, attr, passages)]}
            difficulty = "hard"
        cases.append({
            "id": f"{kind.tag}-{n:02d}",
            "input": {"question": question, "passages": passages},
            "expected": expected,
            "tags": [f"kind:{kind.tag}", f"type:{sub}", f"difficulty:{difficulty}",
                     "answerable" if expected["answerable"] else "unanswerable",
                     f"passages:{len(passages)}"],
        })
    return cases


OUTSIDE: list[dict] = [
    {"id": "outside-01", "question": "On which port does the Kestrel gateway accept HTTPS "
     "traffic?", "passages": [
        "Runbook: Kestrel gateway. The Kestrel gateway terminates TLS on port 8443; port 443 "
        "on the same hosts is reserved for the legacy admin console and must stay firewalled.",
        "Runbook: Pallas billing worker. The Pallas billing worker reads jobs from the queue "
        "and exposes metrics on port 9102.",
        "Runbook: Nimbre search indexer. The indexer rebuilds shards nightly and serves "
        "queries on port 7200."],
     "answer": "8443", "aliases": ["port 8443"], "reject": ["443"], "answerable": True},
    {"id": "outside-02", "question": "What is the maximum password age under the Orlenby "
     "security policy?", "passages": [
        "Security policy: Orlenby. Passwords expire after 180 days; the previous limit of "
        "90 days was withdrawn in the 2025 revision.",
        "Security policy: Orlenby. Accounts lock after 6 failed sign-in attempts.",
        "Security policy: Orlenby. Hardware keys are mandatory for administrators."],
     "answer": "180 days", "aliases": ["180"], "reject": ["90 days"], "answerable": True},
    {"id": "outside-03", "question": "How many hours long is a business day for the Savrin "
     "Facilities support SLA?", "passages": [
        "Contract: Savrin Facilities. For SLA purposes a business day runs from 07:00 to "
        "17:00 local time, a 10-hour day, Monday to Friday.",
        "Contract: Savrin Facilities. Priority 1 faults are answered within 2 business hours.",
        "Contract: Tarnvale Security. Patrol reports are sent every 24 hours."],
     "answer": "10 hours", "aliases": ["10-hour", "ten hours"], "reject": ["8 hours",
                                                                            "24 hours"],
     "answerable": True},
    {"id": "outside-04", "question": "Which cloud region hosts the Quillmark Data analytics "
     "warehouse?", "passages": [
        "Architecture note: Quillmark Data. The analytics warehouse runs in region eu-north-1; "
        "backups are copied to eu-central-2.",
        "Architecture note: Quillmark Data. The ingestion API is deployed in three zones.",
        "Architecture note: Ostwick Print. Print queues run on premises in Ostwick."],
     "answer": "eu-north-1", "aliases": [], "reject": ["us-east-1", "eu-central-2"],
     "answerable": True},
    {"id": "outside-05", "question": "How many working days does an employee in the "
     "Dunstead office have to submit a travel expense claim?", "passages": [
        "Travel policy: Dunstead office. Expense claims must be submitted within five working "
        "days of returning; the old 30-day window no longer applies.",
        "Travel policy: Velbrook office. Expense claims must be submitted within 20 working "
        "days.",
        "Travel policy: Dunstead office. Mileage is reimbursed at EUR 0.30 per kilometre."],
     "answer": "5 working days", "aliases": ["5 days", "five"], "reject": ["30", "20"],
     "answerable": True},
    {"id": "outside-06", "question": "What VAT rate does Brenholt Logistics charge customers "
     "in Germany?", "passages": [
        "Contract: Brenholt Logistics. Invoices are issued monthly and are payable within "
        "45 days of the invoice date.",
        "Contract: Brenholt Logistics. Prices are quoted net of taxes; tax treatment is set "
        "out in each country annex.",
        "Contract: Brenholt Logistics. The country annex for the Netherlands was signed on "
        "3 February 2025."],
     "absent": ["19%", "19 percent"], "answerable": False},
    {"id": "outside-07", "question": "Which encryption algorithm does Corvane use for data at "
     "rest?", "passages": [
        "Product spec: Corvane security. All traffic to Corvane is encrypted in transit with "
        "TLS 1.3.",
        "Product spec: Corvane security. Encryption keys are rotated every 90 days by the "
        "platform team.",
        "Product spec: Corvane security. Customer data is stored in the region the customer "
        "selects at sign-up."],
     "absent": ["AES-256", "AES 256", "AES"], "answerable": False},
    {"id": "outside-08", "question": "On which port does the Ithmoor bastion host accept SSH "
     "connections?", "passages": [
        "Runbook: Ithmoor bastion. Engineers reach the bastion only through the corporate VPN "
        "and must sign in with a hardware key.",
        "Runbook: Ithmoor bastion. Sessions are recorded and kept for 180 days.",
        "Runbook: Ithmoor bastion. Access requests are approved by the Fjord team lead."],
     "absent": ["22", "port 22"], "answerable": False},
    {"id": "outside-09", "question": "How many days of annual leave do employees of the "
     "Calmouth office receive?", "passages": [
        "HR policy: Calmouth office. Employees receive 12 paid sick days per year.",
        "HR policy: Calmouth office. Parental leave is 16 weeks at full pay.",
        "HR policy: Lornhaven office. Public holidays follow the regional calendar."],
     "absent": ["25 days", "20 days", "28 days"], "answerable": False},
]


def _outside_case(row: dict) -> dict:
    if row["answerable"]:
        expected = {"answerable": True, "answer": row["answer"], "aliases": row["aliases"],
                    "reject": row["reject"]}
    else:
        expected = {"answerable": False, "absent": row["absent"]}
    return {"id": row["id"], "input": {"question": row["question"],
                                       "passages": row["passages"]},
            "expected": expected,
            "tags": ["kind:outside", "type:outside_knowledge", "difficulty:hard",
                     "answerable" if row["answerable"] else "unanswerable",
                     f"passages:{len(row['passages'])}"]}


def generate() -> list[dict]:
    rng = random.Random(SEED)
    rows: list[dict] = []
    for k, kind in enumerate(KINDS):
        rows.extend(_kind_cases(rng, kind, k))
    rows.extend(_outside_case(r) for r in OUTSIDE)
    return rows


def render(rows: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


if __name__ == "__main__":
    (HERE / "cases.jsonl").write_text(render(generate()), encoding="utf-8")
