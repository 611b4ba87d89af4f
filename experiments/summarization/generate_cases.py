"""Generate the summarization cases: fictional enterprise documents with traps.

Five kinds of document (incident report, meeting notes, customer email thread, quarterly
update, policy change), ten of each. Every text carries 4–5 key facts (names, numbers, dates,
decisions) and traps a sloppy summary falls into: a figure that was corrected, a proposal
that was rejected, an owner who was replaced. `expected.contradictions` holds the trap
versions; `expected.key_facts` the right ones (each a list of aliases that count as stating
it; `re:` aliases are regexes over the normalised text, see pipeline/scoring/grounding.py).
Some numbers are written in words in the text ("forty-five minutes") so matching must
normalise. Word limits alternate between a tight 40 and a looser 60 words.

Deterministic (seeded); the committed cases.jsonl is the source of truth and
tests/experiments/test_summarization_cases.py checks this script reproduces it.
Run: `python experiments/summarization/generate_cases.py`.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from pathlib import Path

SEED = 20250402
PER_KIND = 10
HERE = Path(__file__).resolve().parent
MONTHS = ("January February March April May June July August September October November "
          "December").split()
PEOPLE = ("Helga Varnholt, Tomas Ebberly, Odile Marchetti, Kasimir Ostrand, Renske Daalder, "
          "Farid Elmqvist, Yara Pellington, Stellan Quist, Maren Okafor, Ivo Laskaris, "
          "Brigid Tannahill, Nuno Ferreirinha, Dagny Solberg, Emeric Vautrin, Liesel Hornbach, "
          "Cosmin Varga, Tamsin Wreford, Jorun Aasland, Piet Verschoor, Halina Brzoska").split(", ")
COMPANIES = ("Brenholt Logistics, Quillmark Data, Savrin Facilities, Tarnvale Security, "
             "Ostwick Print, Halden Freight, Corvane Systems, Pellmark Foods, Ardent Mobility, "
             "Lumisk Health").split(", ")
SERVICES = ("payments API", "ledger-sync service", "Kestrel gateway", "search indexer",
            "customer portal", "billing worker", "notification hub", "order pipeline")
WORDS = {5: "five", 10: "ten", 12: "twelve", 15: "fifteen", 20: "twenty", 25: "twenty-five",
         30: "thirty", 35: "thirty-five", 40: "forty", 45: "forty-five", 50: "fifty",
         60: "sixty", 75: "seventy-five", 90: "ninety"}

Case = tuple[str, list[list[str]], list[list[str]], str]  # text, facts, traps, sub-type


def _date(rng: random.Random) -> str:
    return f"{rng.randint(2, 27)} {rng.choice(MONTHS)}"


def _day(day: str) -> list[str]:
    """A day-and-month as written, and as a regex that also accepts "March 14th"."""
    d, m = day.split()
    return [day, f"re:\\b(?:{d} {m.lower()}|{m.lower()} {d}(?:st|nd|rd|th)?)\\b"]


def _two(rng: random.Random, pool: list[str] | tuple[str, ...]) -> tuple[str, str]:
    a, b = rng.sample(list(pool), 2)
    return a, b


def _spell(rng: random.Random, n: int) -> str:
    """n in words half of the time (when it has a word form here), else digits."""
    return WORDS[n] if n in WORDS and rng.random() < 0.5 else str(n)


def _money(n: int) -> str:
    return f"{n:,}"


def incident(rng: random.Random) -> Case:
    service = rng.choice(SERVICES)
    first, final = rng.sample([20, 25, 30, 35, 40, 45, 50, 60, 75, 90], 2)
    customers = rng.randint(3, 60) * 10
    owner, old_owner = _two(rng, PEOPLE)
    author = rng.choice(PEOPLE)
    cause, suspect = rng.choice([
        ("an expired TLS certificate", "a database failover"),
        ("a misconfigured load balancer rule", "a DNS outage"),
        ("a full disk on the message broker", "a faulty deploy"),
        ("a rate limit set too low in the new release", "a network partition"),
    ])
    day = _date(rng)
    text = (
        f"Incident report: {service} outage on {day}\n\n"
        f"Prepared by {author} for the operations review.\n\n"
        f"Summary of impact: the {service} returned errors to {customers} customers. The "
        f"first status update put the outage at {_spell(rng, first)} minutes; after the log "
        f"review the duration was corrected to {_spell(rng, final)} minutes, measured from "
        f"the first failed request to full recovery.\n\n"
        f"Timeline: alerts fired shortly after the morning traffic peak. The on-call engineer "
        f"first suspected {suspect} and spent time checking it, but that theory was ruled "
        f"out once the error logs were read in full. Service was restored by a manual fix "
        f"and a restart of the affected nodes.\n\n"
        f"Root cause: {cause}. Monitoring did not catch it in advance because the relevant "
        f"check was disabled during a migration last quarter.\n\n"
        f"Follow-up: the remediation work was first assigned to {old_owner}, who has since "
        f"moved to another team; {owner} now owns the follow-up actions, which include "
        f"re-enabling the missing check and adding an alert on the same condition. A "
        f"customer communication was sent the same afternoon, and the review board will "
        f"check progress at its next monthly meeting."
    )
    cause_key = cause.split(" ", 1)[1]
    facts = [[service], [f"{final} minutes"], [cause_key], [owner, owner.split()[1]],
             [f"{customers} customers"]]
    traps = [[f"{first} minutes"], [f"caused by {suspect.split(' ', 1)[1]}",
                                    f"re:(?:due to|because of) (?:a )?"
                                    f"{suspect.split(' ', 1)[1]}"],
             [f"{old_owner.split()[1]} owns", f"{old_owner.split()[1]} will own",
              f"owned by {old_owner.split()[1]}"]]
    return text, facts, traps, "corrected_figure"


def meeting(rng: random.Random) -> Case:
    project = f"Project {rng.choice(['Heron', 'Lantern', 'Basalt', 'Juniper', 'Cobalt', 'Osprey'])}"
    old_day, new_day = _date(rng), _date(rng)
    while new_day == old_day:
        new_day = _date(rng)
    asked, approved = sorted(rng.sample(range(60, 400, 20), 2), reverse=True)
    owner, proposer = _two(rng, PEOPLE)
    chair = rng.choice(PEOPLE)
    vendor = rng.choice(COMPANIES)
    text = (
        f"Meeting notes: {project} steering group\n\n"
        f"Chair: {chair}. Attendees: product, engineering, finance and legal leads.\n\n"
        f"1. Launch date. The plan circulated last month targeted {old_day}. Engineering "
        f"reported that the integration with {vendor} is behind schedule, so the group agreed "
        f"to move the launch to {new_day}. The earlier date is withdrawn and should not be "
        f"used in customer communication.\n\n"
        f"2. Budget. {proposer} proposed an additional budget of EUR {asked},000 to add a "
        f"second contractor team. Finance did not support the full amount; the proposal was "
        f"rejected and the group approved EUR {approved},000 instead, to be spent on testing "
        f"capacity only.\n\n"
        f"3. Ownership. {owner} will own the launch checklist and report weekly to the "
        f"group. {proposer} will continue to lead vendor coordination.\n\n"
        f"4. Risks. Legal flagged that the data processing agreement with {vendor} still "
        f"needs a signature; this is tracked as a blocker.\n\n"
        f"Next meeting in two weeks. Notes to be circulated by the chair."
    )
    facts = [_day(new_day), [f"{approved},000", f"re:\\b{approved}(?:000| ?k)\\b"],
             [owner, owner.split()[1]], [project]]
    if rng.random() < 0.5:
        facts.append([vendor, vendor.split()[0]])
    traps = [_day(old_day), [f"{asked},000", f"re:\\b{asked}(?:000| ?k)\\b"]]
    return text, facts, traps, "rejected_proposal"


def email_thread(rng: random.Random) -> Case:
    customer = rng.choice(COMPANIES)
    contact, agent = _two(rng, PEOPLE)
    order = f"PO-{rng.randint(10000, 99999)}"
    ordered = rng.choice([40, 50, 60, 75, 90, 120, 150, 200])
    received = ordered - rng.choice([10, 15, 20, 25, 30])
    ship = _date(rng)
    product = rng.choice(["label printers", "barcode scanners", "safety helmets",
                          "thermal sensors", "pallet jacks", "docking stations"])
    text = (
        f"Email thread: {customer} order {order}\n\n"
        f"From {contact} ({customer}) to Support, Monday:\n"
        f"Hello, we ordered {ordered} {product} under order {order} but only {received} "
        f"arrived this morning. We need the full quantity for a site opening. Please refund "
        f"the missing units.\n\n"
        f"From {agent} (Support) to {contact}, Monday:\n"
        f"Thank you, and apologies. I have confirmed the shortfall with the warehouse: the "
        f"order was split across two pallets and the second one was never loaded. I can "
        f"refund the missing units, or send a replacement shipment of "
        f"{ordered - received} units at no cost.\n\n"
        f"From {contact} to {agent}, Tuesday:\n"
        f"Given the site opening, a replacement works better for us than a refund. Please go "
        f"ahead with the replacement shipment instead.\n\n"
        f"From {agent} to {contact}, Tuesday:\n"
        f"Confirmed. The replacement shipment of {ordered - received} {product} will leave "
        f"our warehouse on {ship} by express courier, and you will receive tracking details "
        f"the same day. No refund will be issued, since the full order will be delivered. "
        f"I have also added a note to your account so the next order is checked twice."
    )
    facts = [[order], ["replacement"], _day(ship),
             [f"{ordered - received} units", f"{ordered - received} {product}"],
             [customer, customer.split()[0]]]
    traps = [["refund issued", "re:(?:will|to) (?:be )?refund(?:ed)?\\b", "receive a refund",
              "get a refund", "gets a refund", "refund was issued"]]
    return text, facts, traps, "changed_request"


def quarterly(rng: random.Random) -> Case:
    company = rng.choice(COMPANIES)
    quarter = rng.choice(["Q1", "Q2", "Q3", "Q4"])
    prelim = rng.randint(30, 90) / 10
    final = round(prelim - rng.choice([0.2, 0.3, 0.4, 0.5]), 1)
    churn = rng.choice([2, 3, 4, 5, 6])
    hires = rng.choice([12, 15, 20, 25, 30, 35, 40])
    region, target_q = rng.choice([("Nordics", "the next quarter"),
                                   ("Benelux", "the next quarter"),
                                   ("Iberia", "early next year"),
                                   ("Baltics", "the second half of next year")])
    cfo = rng.choice(PEOPLE)
    text = (
        f"{company}: {quarter} update to staff\n\n"
        f"From {cfo}, Chief Financial Officer.\n\n"
        f"Revenue. The preliminary figure shared at the all-hands was EUR {prelim} million. "
        f"After the audit adjustments for two delayed contracts, final {quarter} revenue is "
        f"EUR {final} million. Please use the final figure in any external material.\n\n"
        f"Customers. Monthly churn was {_spell(rng, churn)} percent, in line with the plan, "
        f"and the enterprise segment grew faster than the self-serve segment.\n\n"
        f"People. We hired {_spell(rng, hires)} people this quarter, most of them in "
        f"engineering and customer support. Two leadership roles remain open.\n\n"
        f"Expansion. The launch in the {region} region, planned for this quarter, has been "
        f"postponed to {target_q} while we complete the local partner agreements. "
        f"Sales teams should not promise the {region} launch date to customers yet.\n\n"
        f"Thank you all for a demanding quarter. Questions can go to the finance team "
        f"channel, and the full report will be shared with the board next week."
    )
    money = "re:\\b{} ?m(?:illion)?\\b"
    facts = [[f"{final} million", money.format(re.escape(str(final)))],
             [f"{churn} %", f"{churn} percent"],
             [f"re:\\b{hires} (?:people|new hires|hires|staff|employees|new employees)\\b"],
             [region]]
    traps = [[f"{prelim} million", money.format(re.escape(str(prelim)))],
             [f"re:{region.lower()} (?:region )?(?:launch(?:ed)?|launched) (?:this quarter|in "
              f"{quarter.lower()})", f"launched in the {region}", f"launched in {region}"]]
    return text, facts, traps, "revised_figure"


def policy(rng: random.Random) -> Case:
    company = rng.choice(COMPANIES)
    old_days, new_days = rng.choice([(2, 3), (3, 2), (2, 4), (3, 4)])
    stipend, proposed = rng.sample([150, 200, 250, 300, 400, 500], 2)
    effective = _date(rng)
    exempt = rng.choice(["warehouse staff", "lab technicians", "front-desk staff",
                         "field engineers"])
    hr = rng.choice(PEOPLE)
    text = (
        f"Policy change: hybrid work at {company}\n\n"
        f"Issued by {hr}, People team.\n\n"
        f"What changes. From {effective}, employees may work remotely up to "
        f"{_spell(rng, new_days)} days per week. The previous limit was "
        f"{_spell(rng, old_days)} days per week.\n\n"
        f"Background. The change follows a staff survey in which most respondents asked for "
        f"more flexibility, and a three-month pilot in two departments that showed no drop in "
        f"output. Managers are asked to keep at least one shared office day per team each "
        f"week so that planning meetings can happen in person.\n\n"
        f"Approval. Remote days are now approved by the employee's line manager. Requests "
        f"no longer go to the People team, which will only handle exceptions.\n\n"
        f"Equipment. A one-off home office stipend of EUR {stipend} is available to every "
        f"eligible employee. The works council had proposed EUR {proposed}; that proposal was "
        f"not adopted after the budget review.\n\n"
        f"Who is covered. The policy applies to all permanent and fixed-term employees "
        f"except {exempt}, whose roles require them to be on site.\n\n"
        f"Questions can be sent to the People team. The full policy text is on the intranet "
        f"and replaces the version published last year."
    )
    facts = [[f"{new_days} days"], _day(effective), ["line manager", "manager"],
             [f"{stipend}"], [exempt]]
    traps = [[f"re:(?<!from )(?<!previous limit was ){old_days} days per week",
              f"up to {old_days} days"],
             [f"{proposed}"], ["approved by the People team", "People team approves"]]
    return text, facts, traps, "superseded_rule"


KINDS: dict[str, Callable[[random.Random], Case]] = {
    "incident": incident, "meeting": meeting, "email": email_thread,
    "quarterly": quarterly, "policy": policy,
}
PROMPT_KIND = {"incident": "incident report", "meeting": "meeting notes",
               "email": "customer email thread", "quarterly": "quarterly update",
               "policy": "policy change"}


def generate() -> list[dict]:
    rng = random.Random(SEED)
    rows = []
    for kind, make in KINDS.items():
        for n in range(1, PER_KIND + 1):
            text, facts, traps, sub = make(rng)
            limit = 40 if n % 2 else 60
            rows.append({
                "id": f"{kind}-{n:02d}",
                "input": {"kind": PROMPT_KIND[kind], "text": text, "max_words": limit},
                "expected": {"key_facts": facts, "contradictions": traps, "max_words": limit},
                "tags": [f"kind:{kind}", f"trap:{sub}", f"limit:{limit}",
                         f"difficulty:{'hard' if limit == 40 else 'easy'}",
                         f"facts:{len(facts)}"],
            })
    return rows


def render(rows: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


if __name__ == "__main__":
    (HERE / "cases.jsonl").write_text(render(generate()), encoding="utf-8")
