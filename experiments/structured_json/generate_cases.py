"""Generate `cases_v2.jsonl`, the structured-JSON experiment's version 2 cases.

Version 2 asks the seed post's question at scale: 320 extraction cases over ten schemas (the
four of version 1 plus invoice, shipment, job posting, meeting, recipe and property listing),
with nested objects, arrays of strings and of objects, enums, optional and nullable fields.
Each case is a short business text (a note, an email, a record) whose values a model must
copy or normalize: dates written out ("the third of March 2024" → "2024-03-03"), numbers
written out ("twelve hundred", "1.2k", "$3,450.00" → 1200, 1200, 3450.0), enum values said
in other words ("is on its way" → "in_transit"), values that are simply not there (→ null),
and a wrong value mentioned nearby (an old price, a voided invoice, last year's attendance).

Tags: the difficulty (`easy`: values written as the JSON wants them; `medium`: one trap;
`hard`: two or more) and the traps in the case, named `date_text`, `number_text`, `enum`,
`distractor`, `nullable` (an expected null), `nested` (a nested object) and `array`.

All names, companies, products and numbers are made up here (cities and countries are real
places). Deterministic (seeded `random.Random`); the committed JSONL is the source of truth
and `tests/experiments/` checks that this script reproduces it exactly and that every expected
string is in its text. Run: `python experiments/structured_json/generate_cases.py`.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

SEED = 20250303
HERE = Path(__file__).resolve().parent
PER_SCHEMA = {"person": 26, "product": 26, "event": 26, "order": 26, "invoice": 36,
              "shipment": 36, "job_posting": 36, "meeting": 36, "recipe": 36,
              "property_listing": 36}
# The traps each schema's texts can set; `nullable` means "leave a nullable value out".
TRAPS = {
    "person": ("number_text", "nullable", "distractor"),
    "product": ("number_text", "enum", "distractor"),
    "event": ("date_text", "number_text", "distractor"),
    "order": ("number_text", "distractor"),
    "invoice": ("date_text", "number_text", "enum", "nullable", "distractor"),
    "shipment": ("date_text", "number_text", "enum", "distractor"),
    "job_posting": ("date_text", "number_text", "enum", "nullable", "distractor"),
    "meeting": ("date_text", "number_text", "enum", "nullable", "distractor"),
    "recipe": ("number_text", "enum", "distractor"),
    "property_listing": ("date_text", "number_text", "enum", "nullable", "distractor"),
}

GIVEN = ("Maria Tomas Priya Jonah Lucia Hiroshi Greta Samuel Ines Oliver Nina Aisha Farah "
         "Mateo Signe Kwame Elif Rafael Yuki Amara Bruno Leona Dmitri Hana Idris Camille "
         "Emeka Sofia Lars Mei Teodora Anil Zainab Felix Noor Ruben Astrid Kofi Ilse Joaquin "
         "Petra Omar Lena Tariq Vera Nico Saanvi Henrik").split()
SURNAMES = ("Lindqvist Okafor Raman Feld Moreno Tanabe Holm Adeyemi Carvalho Brandt Petrova "
            "Bello Haddad Arroyo Strand Mensah Kaya Duarte Sato Nwosu Ferreira Vogel Orlov "
            "Kimura Rahimi Laurent Eze Romano Berg Chen Ionescu Mehta Yusuf Wagner Aziz "
            "Delgado Nyberg Asante Kruger Salas Novak Haddou Becker Qureshi Sokolova Marchetti "
            "Iyer Dahl").split()
CITIES = ("Portland Leeds Wellington Denver Seville Osaka Bergen Lagos Porto Hamburg Vilnius "
          "Abuja Amman Valencia Tampere Accra Izmir Curitiba Sapporo Enugu Braga Graz Lyon "
          "Turin Aarhus Krakow Pune Mombasa Bremen Utrecht Galway Tartu").split()
COUNTRY = {"Portland": "United States", "Leeds": "United Kingdom", "Wellington": "New Zealand",
           "Denver": "United States", "Seville": "Spain", "Osaka": "Japan", "Bergen": "Norway",
           "Lagos": "Nigeria", "Porto": "Portugal", "Hamburg": "Germany",
           "Vilnius": "Lithuania", "Abuja": "Nigeria", "Amman": "Jordan", "Valencia": "Spain",
           "Tampere": "Finland", "Accra": "Ghana", "Izmir": "Turkey", "Curitiba": "Brazil",
           "Sapporo": "Japan", "Enugu": "Nigeria", "Braga": "Portugal", "Graz": "Austria",
           "Lyon": "France", "Turin": "Italy", "Aarhus": "Denmark", "Krakow": "Poland",
           "Pune": "India", "Mombasa": "Kenya", "Bremen": "Germany", "Utrecht": "Netherlands",
           "Galway": "Ireland", "Tartu": "Estonia"}
CO_HEAD = ("Brightwell Northgate Halcyon Ferrous Juniper Tallow Copperleaf Bluestem Quayside "
           "Marlow Oakhurst Saltmarsh Windrow Larkspur Greyfield Harrowgate Kingsmere "
           "Ashcombe").split()
CO_TAIL = ("Supplies", "Analytics", "Print Works", "Logistics", "Catering", "Design Studio",
           "Software", "Engineering", "Facilities", "Media")
MONTHS = ("January February March April May June July August September October November "
          "December").split()
WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
CURRENCIES = {  # code: (symbol, words)
    "USD": ("$", "US dollars"), "EUR": ("€", "euros"), "GBP": ("£", "pounds sterling"),
    "CAD": ("C$", "Canadian dollars"), "AUD": ("A$", "Australian dollars"),
    "CHF": ("CHF ", "Swiss francs"), "JPY": ("¥", "yen"),
}

# --- numbers and dates in words --------------------------------------------------------------

ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen").split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
ORDINALS = ("_ first second third fourth fifth sixth seventh eighth ninth tenth eleventh "
            "twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth "
            "nineteenth twentieth").split()


def words(n: int) -> str:
    """A whole number in English words: 1250 → "one thousand two hundred and fifty"."""
    if n < 20:
        return ONES[n]
    if n < 100:
        return TENS[n // 10] + (f"-{ONES[n % 10]}" if n % 10 else "")
    if n < 1000:
        rest = f" and {words(n % 100)}" if n % 100 else ""
        return f"{ONES[n // 100]} hundred{rest}"
    rest = ""
    if n % 1000:
        rest = (" and " if n % 1000 < 100 else " ") + words(n % 1000)
    return f"{words(n // 1000)} thousand{rest}"


def ordinal_words(n: int) -> str:
    if n <= 20:
        return ORDINALS[n]
    if n == 30:
        return "thirtieth"
    return f"{TENS[n // 10]}-{ORDINALS[n % 10]}"


def suffix(n: int) -> str:
    if 11 <= n % 100 <= 13:
        return f"{n}th"
    return f"{n}" + {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def iso(d: dt.date) -> str:
    return d.isoformat()


def date_plain(d: dt.date) -> str:
    return d.isoformat()


def date_text(rng: random.Random, d: dt.date) -> str:
    """The date as people write it: never ISO, always with the year."""
    month = MONTHS[d.month - 1]
    return rng.choice([
        f"the {ordinal_words(d.day)} of {month} {d.year}",
        f"{month} {suffix(d.day)}, {d.year}",
        f"{d.day} {month} {d.year}",
        f"{WEEKDAYS[d.weekday()]}, {d.day} {month} {d.year}",
        f"{month[:3]} {d.day}, {d.year}",
    ])


def random_date(rng: random.Random, start: int = 2023, end: int = 2026) -> dt.date:
    first = dt.date(start, 1, 1).toordinal()
    last = dt.date(end, 12, 31).toordinal()
    return dt.date.fromordinal(rng.randint(first, last))


def money_plain(amount: float, code: str) -> str:
    """`1450.00 EUR`: the number as JSON writes it, the currency as its code."""
    if code == "JPY" and amount == int(amount):
        return f"{amount:.0f} {code}"
    return f"{amount:.2f} {code}"


def money_symbol(amount: float, code: str) -> str:
    """`€1,450.00`: a symbol and thousands separators."""
    sym = CURRENCIES[code][0]
    return f"{sym}{amount:,.0f}" if code == "JPY" else f"{sym}{amount:,.2f}"


def money_text(rng: random.Random, amount: float, code: str) -> str:
    """A round amount said the way people say it: `twelve hundred euros`, `€1.2k`."""
    sym, word = CURRENCIES[code]
    n = int(amount)
    forms = [f"{words(n)} {word}"]
    if n % 100 == 0 and 1000 < n < 10000 and n % 1000:
        forms.append(f"{words(n // 100)} hundred {word}")
    if n % 100 == 0 and n >= 1000:
        forms.append(f"{sym}{n / 1000:g}k")
    if n % 100_000 == 0 and n >= 1_000_000:
        forms = [f"{sym}{n / 1_000_000:g} million", f"{n / 1_000_000:g} million {word}"]
    return rng.choice(forms)


def code_for(rng: random.Random, codes: tuple[str, ...], mapped: bool) -> tuple[str, str]:
    """(code, how the text names it): the code itself, or a symbol/word when *mapped*."""
    code = rng.choice(codes)
    if not mapped:
        return code, code
    return code, rng.choice([CURRENCIES[code][0].strip(), CURRENCIES[code][1]])


def person_name(rng: random.Random) -> tuple[str, str]:
    given = rng.choice(GIVEN)
    return given, f"{given} {rng.choice(SURNAMES)}"


def company(rng: random.Random) -> str:
    return f"{rng.choice(CO_HEAD)} {rng.choice(CO_TAIL)}"


def other(rng: random.Random, pool: tuple[Any, ...] | list[Any], *not_: Any) -> Any:
    return rng.choice([x for x in pool if x not in not_])


def an(word: str) -> str:
    """The word with its indefinite article: "an 83", "an eleven", "a 60"."""
    vowel = word[0] in "aeiou8" or word.startswith(("11", "18")) and not word[2:3].isdigit()
    return f"{'an' if vowel else 'a'} {word}"


def join_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def text_of(*sentences: str) -> str:
    """Sentences joined, empty ones dropped, each starting with a capital letter."""
    return " ".join(s[0].upper() + s[1:] for s in sentences if s)


# --- one generator per schema: (rng, traps) → (text, expected) ---------------------------------

Gen = Callable[[random.Random, set[str]], tuple[str, dict[str, Any]]]

JOBS = ("nurse", "carpenter", "data analyst", "teacher", "baker", "pharmacist", "translator",
        "electrician", "librarian", "architect")


def gen_person(rng: random.Random, traps: set[str]) -> tuple[str, dict[str, Any]]:
    first, name = person_name(rng)
    age = rng.randint(19, 84)
    city = rng.choice(CITIES)
    job = rng.choice(JOBS)
    email = None if "nullable" in traps else (
        f"{name.lower().replace(' ', rng.choice(['.', '_', '']))}@example."
        f"{rng.choice(['com', 'org', 'net'])}")
    age_s = words(age) if "number_text" in traps else str(age)
    intro = rng.choice([
        f"{name} is {age_s} years old and lives in {city}.",
        f"{name}, aged {age_s}, lives in {city} and works as a {job}.",
        f"Our newest volunteer is {name}, {an(age_s)}-year-old {job} from {city}.",
        f"Member record: {name} lives in {city}. {first} is {age_s}.",
    ])
    if email:
        mail = rng.choice([f"{first}'s email address is {email}.",
                           f"You can reach {first} at {email}.", f"Contact: {email}."])
    else:
        mail = rng.choice([f"{first} did not give an email address.",
                           "There is no email address on file.", ""])
    distractor = ""
    if "distractor" in traps:
        old_city, (_, o_name) = other(rng, CITIES, city), person_name(rng)
        distractor = rng.choice([
            f"{first} moved to {city} from {old_city} two years ago.",
            f"{first}'s sister {o_name}, who is {rng.randint(19, 84)}, lives in {old_city}.",
            f"An older address, {first.lower()}.old@example.com, no longer works.",
        ])
    fillers = rng.sample([
        f"{first} signed up for the Saturday shift at the community garden.",
        f"{first} heard about us from a friend at the library.",
        f"Please add {first} to the newsletter list and send the welcome pack by post.",
        f"{first} would like to help with the autumn book sale and the winter coat drive.",
        f"{first} prefers to be contacted in the evening, after work.",
        f"{first} has done first-aid training and is happy to lead a group of new volunteers.",
        "The coordinator met them last week and thinks they will be a great fit.",
    ], 3)
    sentences = [intro, mail, distractor, *fillers]
    head, rest = sentences[0], sentences[1:]
    rng.shuffle(rest)
    return text_of(head, *rest), {"name": name, "age": age, "city": city, "email": email}


PRODUCTS = (("Desk Lamp", ["lighting", "office"]), ("Backpack", ["outdoor", "travel"]),
            ("Water Bottle", ["sports", "hydration"]), ("Yoga Mat", ["fitness", "yoga"]),
            ("Rain Jacket", ["outerwear", "waterproof"]), ("Espresso Machine",
                                                            ["coffee", "kitchen", "appliances"]),
            ("Hiking Boots", ["footwear", "hiking", "outdoor"]),
            ("Sleeping Bag", ["camping", "outdoor"]), ("Bluetooth Speaker",
                                                       ["audio", "portable", "wireless"]),
            ("Cutting Board", ["kitchen", "wood"]), ("Standing Desk", ["office", "furniture"]),
            ("Road Bike", ["cycling", "sports"]))
PRODUCT_ADJ = ("Aurora Kestrel Nimbus Solstice Harbor Tundra Comet Cobalt Maple Pebble Juniper "
               "Fjord Ember Quartz Lumen Sable Drift Orchid Talon Vesper").split()


def gen_product(rng: random.Random, traps: set[str]) -> tuple[str, dict[str, Any]]:
    noun, tags = rng.choice(PRODUCTS)
    name = f"{rng.choice(PRODUCT_ADJ)} {noun}"
    code, cur = code_for(rng, ("USD", "EUR", "GBP", "JPY", "CAD", "CHF"), "enum" in traps)
    if "number_text" in traps:
        price = float(rng.choice([1200, 1500, 2400, 250, 300, 120, 450, 1800]))
        if code == "JPY":
            price *= 100
        price_s = money_text(rng, price, code)
    else:
        price = float(rng.randint(5, 900)) + (0 if code == "JPY" else rng.choice([0, .5, .99, .95]))
        if code == "JPY":
            price *= 100
        price_s = money_symbol(price, code) if "enum" in traps else money_plain(price, code)
    if "enum" in traps and "number_text" not in traps and cur not in price_s:
        price_s = f"{price:,.2f} {cur}"
    elif "enum" not in traps and code not in price_s:
        price_s = f"{price_s} ({code})"
    in_stock = rng.random() < 0.6
    stock = rng.choice(["It is in stock.", "It is available now and ships today."] if in_stock
                       else ["It is out of stock.", "It is sold out at the moment."])
    pitch = rng.choice([f"The {name} costs {price_s}.", f"The {name} is priced at {price_s}.",
                        f"New in the shop: the {name}, for {price_s}."])
    tag_s = rng.choice([f"Tags: {', '.join(tags)}.", f"It is tagged {join_list(tags)}."])
    distractor = ""
    if "distractor" in traps:
        old = price + rng.choice([10, 20, 50]) * (100 if code == "JPY" else 1)
        extra = rng.choice([5, 8, 15]) * (100 if code == "JPY" else 1)
        distractor = rng.choice([
            f"Last month it was listed at {money_plain(old, code)}, before the spring sale.",
            f"Shipping adds {money_plain(extra, code)} to every order.",
        ])
    fillers = rng.sample([
        "Every order comes with a two-year warranty.",
        "Reviews praise how solid it feels and how well it is finished.",
        "It is one of our best sellers this season, so do not wait too long.",
        "Returns are free within a month of delivery.",
        "The design team spent a year refining it with feedback from customers.",
        "It is packed in plastic-free, recyclable packaging.",
    ], 3)
    body = [stock, tag_s, distractor, *fillers]
    rng.shuffle(body)
    return text_of(pitch, *body), {"name": name, "price": price, "currency": code,
                                   "in_stock": in_stock, "tags": tags}


EVENT_KIND = ("Robotics Fair", "Book Festival", "Jazz Night", "Garden Day", "Chili Cookoff",
              "Film Weekend", "Data Summit", "Craft Market", "Choir Concert", "Startup Pitch Day")
VENUES = ("Riverside Convention Center", "Blue Lantern Hall", "Elm Street Park",
          "Oakwood Library", "Millbrook Town Square", "Harbour Arts Centre", "Granary Hall",
          "Kingsway Community Centre")


def gen_event(rng: random.Random, traps: set[str]) -> tuple[str, dict[str, Any]]:
    title = f"{rng.choice(CITIES)} {rng.choice(EVENT_KIND)}"
    venue = rng.choice(VENUES)
    day = random_date(rng, 2024, 2026)
    day_s = date_text(rng, day) if "date_text" in traps else date_plain(day)
    if "number_text" in traps:
        attendees = rng.choice([1200, 1500, 2400, 1100, 300, 450, 80, 65])
        att_s = rng.choice([words(attendees)] + ([f"{attendees / 1000:g}k"] if attendees % 100 == 0
                                                 and attendees >= 1000 else []))
    else:
        attendees = rng.randint(15, 2500)
        att_s = str(attendees)
    main = rng.choice([
        f"The {title} takes place on {day_s} at {venue}.",
        f"Save the date: the {title} will be held at {venue} on {day_s}.",
        f"This year's {title} is scheduled for {day_s}, at {venue}.",
    ])
    count = rng.choice([f"{att_s} attendees are expected.",
                        f"We expect {att_s} attendees.",
                        f"Registrations have reached {att_s}, and that is the number of "
                        "attendees we are planning for."])
    distractor = ""
    if "distractor" in traps:
        distractor = rng.choice([
            f"Last year's edition drew {rng.randint(20, 900)} people.",
            f"It was first planned for {date_plain(day - dt.timedelta(days=rng.randint(7, 40)))}"
            ", but the date was moved.",
            f"A smaller preview event at {other(rng, VENUES, venue)} is not part of this listing.",
        ])
    fillers = rng.sample([
        "Food stalls will be open all day.",
        "Parking nearby is limited, so please come by bus or bike.",
        "Volunteers should arrive an hour before the doors open.",
        "The programme will be posted on the notice board and on the website.",
        "The venue is step-free, and there is a quiet room for anyone who needs a break.",
        "Tickets are free, but everyone must register in advance.",
    ], 3)
    body = [count, distractor, *fillers]
    rng.shuffle(body)
    return text_of(main, *body), {"title": title, "date": iso(day), "location": venue,
                                  "attendees": attendees}


QTY_WORDS = {12: "a dozen units of", 2: "a pair of", 24: "two dozen units of",
             3: "three units of", 4: "four units of", 6: "six units of", 10: "ten units of"}


def sku(rng: random.Random) -> str:
    letters = "ABCDEFGHKLMNPRSTW"
    return f"{rng.choice(letters)}{rng.choice(letters)}-{rng.randint(100, 9999)}"


def gen_order(rng: random.Random, traps: set[str]) -> tuple[str, dict[str, Any]]:
    order_id = f"ORD-{rng.randint(10000, 99999)}"
    _, customer = person_name(rng)
    items = []
    parts = []
    for _ in range(rng.randint(1, 3)):
        code = sku(rng)
        if "number_text" in traps:
            qty = rng.choice(list(QTY_WORDS))
            parts.append(f"{QTY_WORDS[qty]} {code}")
        else:
            qty = rng.randint(1, 9)
            parts.append(rng.choice([f"{qty} x {code}", f"{qty} of {code}", f"{code} (qty {qty})"]))
        items.append({"sku": code, "quantity": qty})
    total = float(rng.randint(20, 4000)) + rng.choice([0, .5, .25, .99])
    total_s = money_symbol(total, "USD") if "number_text" in traps else f"{total:.2f}"
    lines = [
        rng.choice([f"Order {order_id} was placed by {customer}.",
                    f"{customer} placed order {order_id} this morning.",
                    f"New web order {order_id}, customer {customer}."]),
        rng.choice([f"It contains {join_list(parts)}.", f"Items: {join_list(parts)}.",
                    f"The basket holds {join_list(parts)}."]),
        rng.choice([f"The order total is {total_s}.", f"Total charged: {total_s}.",
                    f"The customer paid {total_s} in all."]),
    ]
    if "distractor" in traps:
        lines.append(rng.choice([
            f"{sku(rng)} was removed from the basket before checkout.",
            f"The customer's previous order, ORD-{rng.randint(10000, 99999)}, came to "
            f"{rng.randint(20, 900)}.00.",
        ]))
    lines += rng.sample(["Please pack the items in recycled boxes.",
                         "The customer asked for delivery in the evening, after work.",
                         "Payment was confirmed by the bank this afternoon.",
                         "Gift wrapping was not requested.",
                         "The warehouse should ship it with the next courier collection.",
                         "The customer is a regular and has never returned anything."], 3)
    return text_of(*lines), {"order_id": order_id, "customer": customer, "items": items,
                             "total": total}


SERVICES = ("Website maintenance", "Office cleaning", "Catering for the board meeting",
            "Printing of brochures", "Software licence renewal", "Consulting hours",
            "Equipment rental", "Translation of contracts", "Courier services",
            "Annual safety inspection")


def gen_invoice(rng: random.Random, traps: set[str]) -> tuple[str, dict[str, Any]]:
    vendor = company(rng)
    code, cur = code_for(rng, ("USD", "EUR", "GBP", "CAD", "AUD", "CHF"), "enum" in traps)
    issued = random_date(rng)
    number = f"INV-{issued.year}-{rng.randint(1, 9999):04d}"
    due = None if "nullable" in traps else issued + dt.timedelta(days=rng.choice([14, 30, 45]))
    services = rng.sample(SERVICES, rng.randint(1, 3))
    if "number_text" in traps:
        amounts = [float(rng.choice([1200, 2500, 800, 3400, 450, 1500])) for _ in services]
    else:
        amounts = [float(rng.randint(40, 4000)) + rng.choice([0, .5, .75]) for _ in services]
    total = round(sum(amounts), 2)

    def amount_s(a: float) -> str:
        if "number_text" in traps:
            return money_text(rng, a, code) if rng.random() < .5 else money_symbol(a, code)
        return money_symbol(a, code) if "enum" in traps else money_plain(a, code)

    item_s = [f"{s.lower() if i else s} ({amount_s(a)})"
              for i, (s, a) in enumerate(zip(services, amounts, strict=True))]
    total_s = money_symbol(total, code) if "number_text" in traps or "enum" in traps else (
        money_plain(total, code))
    if "enum" in traps and CURRENCIES[code][0].strip() not in total_s and cur not in total_s:
        total_s = f"{total_s} ({cur})"
    issued_s = date_text(rng, issued) if "date_text" in traps else date_plain(issued)
    lines = [
        rng.choice([f"Invoice {number} from {vendor} is dated {issued_s}.",
                    f"We received invoice {number} from {vendor}, issued on {issued_s}.",
                    f"{vendor} sent us invoice {number} on {issued_s}."]),
        rng.choice([f"It covers {join_list(item_s)}.", f"Line items: {'; '.join(item_s)}.",
                    f"The charges are for {join_list(item_s)}."]),
        rng.choice([f"The total is {total_s}.", f"Amount due in total: {total_s}.",
                    f"Altogether it comes to {total_s}."]),
    ]
    if due is not None:
        due_s = date_text(rng, due) if "date_text" in traps else date_plain(due)
        lines.append(rng.choice([f"Payment is due by {due_s}.", f"Please pay before {due_s}.",
                                 f"The due date is {due_s}."]))
    else:
        lines.append(rng.choice(["The invoice does not give a due date.",
                                 "No due date is printed on it.", ""]))
    if "distractor" in traps:
        lines.append(rng.choice([
            f"It replaces invoice INV-{issued.year}-{rng.randint(1, 9999):04d} "
            f"for {money_plain(total + 250, code)}, which was voided.",
            f"A reminder about last quarter's bill of {money_plain(round(total * .6, 2), code)} "
            "came in the same envelope.",
        ]))
    if "enum" not in traps and code not in text_of(*lines):
        lines.append(f"All amounts are in {code}.")
    lines += rng.sample(["Accounts payable should file it under the facilities budget.",
                         "The bank details have not changed.",
                         "Questions go to the finance inbox.",
                         "A paper copy was also posted to the office."], 2)
    expected = {"invoice_number": number, "vendor": vendor, "issue_date": iso(issued),
                "due_date": iso(due) if due else None, "currency": code, "total": total,
                "line_items": [{"description": s, "amount": a}
                               for s, a in zip(services, amounts, strict=True)]}
    return text_of(*lines), expected


CARRIERS = ("Northwind Parcel", "SwiftLine Freight", "Bluebird Express", "Harbour Post",
            "Meridian Cargo", "Kite Couriers")
STATUS = {
    "label_created": ("A shipping label has been created.",
                      "So far only the shipping label has been printed; nobody has collected "
                      "the parcel yet."),
    "in_transit": ("Status: in transit.", "The parcel is on its way between depots."),
    "out_for_delivery": ("Status: out for delivery.",
                         "The driver loaded it onto the van this morning for delivery today."),
    "delivered": ("Status: delivered.", "It was handed to the recipient at the front door."),
    "returned": ("Status: returned.", "It could not be delivered and went back to the sender."),
}


def gen_shipment(rng: random.Random, traps: set[str]) -> tuple[str, dict[str, Any]]:
    tracking = f"{rng.choice(['NW', 'SL', 'BX', 'HP', 'MC', 'KC'])}{rng.randint(10**8, 10**9 - 1)}"
    carrier = rng.choice(CARRIERS)
    status = rng.choice(list(STATUS))
    src, dst = rng.sample(CITIES, 2)
    shipped = random_date(rng)
    if "number_text" in traps:
        weight, weight_s = rng.choice([(1.5, "one and a half kilograms"),
                                       (2.5, "two and a half kilos"),
                                       (0.5, "half a kilo"), (12.0, "twelve kilograms"),
                                       (1.2, "1,200 grams"), (0.75, "750 grams")])
    else:
        weight = rng.choice([0.4, 1.2, 2.0, 3.5, 5.25, 8.0, 14.6])
        weight_s = f"{weight:g} kg"
    shipped_s = date_text(rng, shipped) if "date_text" in traps else date_plain(shipped)
    lines = [
        rng.choice([f"Shipment {tracking} was sent with {carrier} on {shipped_s}.",
                    f"{carrier} picked up parcel {tracking} on {shipped_s}.",
                    f"Tracking number {tracking} ({carrier}), shipped {shipped_s}."]),
        rng.choice([f"It travels from {src}, {COUNTRY[src]} to {dst}, {COUNTRY[dst]}.",
                    f"Origin: {src}, {COUNTRY[src]}. Destination: {dst}, {COUNTRY[dst]}.",
                    f"The parcel left {src} ({COUNTRY[src]}) for {dst} ({COUNTRY[dst]})."]),
        rng.choice([f"It weighs {weight_s}.", f"Weight: {weight_s}.",
                    f"The scale at the depot read {weight_s}."]),
        STATUS[status][1 if "enum" in traps else 0],
    ]
    if "distractor" in traps:
        o_city = other(rng, CITIES, src, dst)
        lines.append(rng.choice([
            f"A second parcel to {o_city} weighed {rng.choice([3, 6, 9])} kg and was delivered "
            "last week.",
            f"The customer first asked for delivery to {o_city}, {COUNTRY[o_city]}, but changed "
            f"the address to {dst}.",
        ]))
    lines += rng.sample(["The box is marked fragile and should be kept upright.",
                         "No signature is needed on delivery.",
                         "Customs paperwork is attached to the outside of the box.",
                         "The sender paid for insurance.",
                         "The recipient has asked to be notified by text message."], 2)
    return text_of(*lines), {
        "tracking_id": tracking, "carrier": carrier, "status": status, "weight_kg": weight,
        "shipped_on": iso(shipped), "origin": {"city": src, "country": COUNTRY[src]},
        "destination": {"city": dst, "country": COUNTRY[dst]}}


ROLES = (("Data Engineer", ["Python", "SQL", "Airflow"]),
         ("Frontend Developer", ["TypeScript", "React", "CSS"]),
         ("Warehouse Supervisor", ["forklift licence", "scheduling"]),
         ("Marketing Coordinator", ["copywriting", "social media", "event planning"]),
         ("Payroll Specialist", ["Excel", "payroll software", "attention to detail"]),
         ("Site Reliability Engineer", ["Kubernetes", "Terraform", "Linux", "Go"]),
         ("Graphic Designer", ["Figma", "typography"]),
         ("Lab Technician", ["pipetting", "sample tracking", "lab safety"]))
EMPLOYMENT = {
    "full_time": ("This is a full-time position.", "It is a permanent role, forty hours a week."),
    "part_time": ("This is a part-time position.", "The role is twenty hours a week."),
    "contract": ("This is a contract position.", "It is a fixed six-month engagement, "
                 "invoiced as a freelancer."),
    "internship": ("This is an internship.", "It is a paid summer placement for students."),
}


def gen_job_posting(rng: random.Random, traps: set[str]) -> tuple[str, dict[str, Any]]:
    role, skills = rng.choice(ROLES)
    employer = company(rng)
    kind = rng.choice(list(EMPLOYMENT))
    title = f"Trainee {role}" if kind == "internship" else (
        f"{rng.choice(['', 'Senior ', 'Junior '])}{role}")
    remote = rng.random() < .5
    city = rng.choice(CITIES)
    skills = rng.sample(skills, rng.randint(2, len(skills)))
    # a null must not hide the trap that would have been written into the same value
    null_salary = "nullable" in traps and "number_text" not in traps and (
        "date_text" in traps or rng.random() < .5)
    null_start = "nullable" in traps and not null_salary and "date_text" not in traps
    salary = None
    sal_s = rng.choice(["The salary is not disclosed.", "Pay is not stated in the ad.", ""])
    if not null_salary:
        code, cur = code_for(rng, ("USD", "EUR", "GBP", "CAD", "AUD", "CHF"), "enum" in traps)
        lo = rng.randint(30, 90) * 1000
        hi = lo + rng.randint(1, 4) * 5000
        salary = {"min": float(lo), "max": float(hi), "currency": code}
        if "number_text" in traps:
            sym, word = CURRENCIES[code]
            lo_s, hi_s = rng.choice([(f"{sym}{lo // 1000}k", f"{sym}{hi // 1000}k"),
                                     (words(lo // 1000),
                                      f"{words(hi // 1000)} thousand {word}")])
            sal_s = rng.choice([f"The salary is {lo_s} to {hi_s}.",
                                f"Pay ranges from {lo_s} to {hi_s} a year."])
            if "enum" not in traps and code not in sal_s:
                sal_s = sal_s[:-1] + f" ({code})."
        else:
            amount = (lambda a: money_symbol(a, code)) if "enum" in traps else (
                lambda a: money_plain(a, code))
            sal_s = f"The salary range is {amount(lo)} to {amount(hi)} per year."
    start = None
    start_s = ""
    if not null_start:
        start = random_date(rng, 2024, 2026)
        start_s = rng.choice(["The start date is {d}.", "The successful candidate starts on {d}."]
                             ).format(d=date_text(rng, start) if "date_text" in traps
                                      else date_plain(start))
    where = rng.choice(
        ["The job is fully remote.", "You can work from anywhere; it is a remote role."]
        if remote else [f"The job is on-site in {city}; remote work is not possible.",
                        f"You will work at our office in {city}, not remotely."])
    lines = [
        rng.choice([f"{employer} is hiring a {title}.", f"Job opening at {employer}: {title}.",
                    f"We at {employer} are looking for a {title}."]),
        EMPLOYMENT[kind][1 if "enum" in traps else 0],
        where,
        rng.choice([f"Required skills: {', '.join(skills)}.",
                    f"The skills we ask for are {join_list(skills)}."]),
        sal_s, start_s,
    ]
    if "distractor" in traps:
        lines.append(rng.choice([
            f"Last year's posting for a similar role offered {rng.randint(20, 29)}k less.",
            f"The team also has an opening for a {other(rng, [r for r, _ in ROLES], role)}, "
            "posted separately.",
        ]))
    lines += rng.sample(["Applications close at the end of the month.",
                         "Send a CV and a short cover letter.",
                         "Interviews are held by video call.",
                         "We are a small, friendly team and value clear writing."], 2)
    return text_of(*lines), {"title": title, "company": employer, "employment_type": kind,
                             "remote": remote, "salary": salary, "skills": skills,
                             "start_date": iso(start) if start else None}


MEETINGS = ("Budget review", "Sprint planning", "Design critique", "Quarterly all-hands",
            "Vendor call", "Hiring panel", "Safety briefing", "Board prep")
ROOMS = ("Room 4B", "Atlas Room", "Boardroom 2", "Fern Room", "Studio C")
TIMES = {(9, 30): "half past nine in the morning", (14, 30): "half past two in the afternoon",
         (9, 45): "quarter to ten in the morning", (15, 15): "quarter past three in the afternoon",
         (11, 0): "eleven o'clock in the morning", (16, 0): "4 pm", (13, 30): "1:30 pm",
         (10, 0): "10 am", (8, 15): "8:15 am"}
DURATIONS = {90: "an hour and a half", 45: "forty-five minutes", 60: "one hour",
             30: "half an hour", 120: "two hours", 75: "an hour and a quarter"}
RECURRENCE = {"none": ("It is a one-off meeting.", "It happens just this once."),
              "daily": ("It repeats daily.", "It runs every working day."),
              "weekly": ("It repeats weekly.", "It takes place every {weekday}."),
              "monthly": ("It repeats monthly.", "After this one, it comes round once a month.")}


def gen_meeting(rng: random.Random, traps: set[str]) -> tuple[str, dict[str, Any]]:
    title = rng.choice(MEETINGS)
    day = random_date(rng, 2024, 2026)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    (h, m), time_text = rng.choice(list(TIMES.items()))
    time_s = time_text if "number_text" in traps else f"{h:02d}:{m:02d}"
    dur, dur_text = rng.choice(list(DURATIONS.items()))
    dur_s = dur_text if "number_text" in traps else f"{dur} minutes"
    people = [person_name(rng)[1] for _ in range(rng.randint(2, 4))]
    people = list(dict.fromkeys(people))
    room = None if "nullable" in traps else rng.choice(ROOMS)
    recurrence = rng.choice(list(RECURRENCE))
    day_s = date_text(rng, day) if "date_text" in traps else date_plain(day)
    lines = [
        rng.choice([f"The {title.lower()} is on {day_s} at {time_s}.",
                    f"Meeting: {title}, {day_s}, starting at {time_s}.",
                    f"I have booked the {title.lower()} for {day_s}, starting at {time_s}."]),
        rng.choice([f"It lasts {dur_s}.", f"Please block {dur_s} for it.",
                    f"We need {dur_s}."]),
        rng.choice([f"Invited: {', '.join(people)}.", f"Attendees are {join_list(people)}."]),
        RECURRENCE[recurrence][1 if "enum" in traps else 0].format(
            weekday=WEEKDAYS[day.weekday()]),
    ]
    if room:
        lines.append(rng.choice([f"We meet in {room}.", f"Location: {room}."]))
    else:
        lines.append(rng.choice(["The room is still to be confirmed.", ""]))
    if "distractor" in traps:
        lines.append(rng.choice([
            f"It was originally set for {(h + 2) % 24:02d}:{m:02d}, but that clashed with "
            "another booking.",
            f"Last time it ran over to {dur + 30} minutes.",
            f"{person_name(rng)[1]} sent apologies and will not attend.",
        ]))
    lines += rng.sample(["The agenda will follow by email.", "Please bring your laptop.",
                         "Coffee and biscuits will be provided.",
                         "Send any questions to the organiser beforehand.",
                         "Minutes from the last session are in the shared folder."], 2)
    return text_of(*lines), {"title": title, "date": iso(day),
                             "start_time": f"{h:02d}:{m:02d}", "duration_minutes": dur,
                             "attendees": people, "room": room, "recurrence": recurrence}


# item: (quantity, unit, plain text, text needing the unit mapped)
INGREDIENTS = {
    "plain flour": (250.0, "g", "250 g plain flour", "250 grams of plain flour"),
    "milk": (0.5, "l", "0.5 l milk", "half a litre of milk"),
    "eggs": (12.0, "piece", "", "a dozen eggs"),
    "honey": (2.0, "tbsp", "2 tbsp honey", "two tablespoons of honey"),
    "salt": (1.0, "tsp", "1 tsp salt", "a teaspoon of salt"),
    "butter": (100.0, "g", "100 g butter", "a hundred grams of butter"),
    "arborio rice": (1.5, "cup", "1.5 cup arborio rice", "one and a half cups of arborio rice"),
    "vegetable stock": (750.0, "ml", "750 ml vegetable stock",
                        "750 millilitres of vegetable stock"),
    "onions": (2.0, "piece", "", "two onions"),
    "sugar": (120.0, "g", "120 g sugar", "120 grams of sugar"),
    "rolled oats": (1.0, "cup", "1 cup rolled oats", "a cup of rolled oats"),
    "bananas": (3.0, "piece", "", "three ripe bananas"),
    "lemons": (2.0, "piece", "", "two lemons"),
    "spaghetti": (400.0, "g", "400 g spaghetti", "400 grams of spaghetti"),
    "bacon": (150.0, "g", "150 g bacon", "150 grams of bacon"),
    "parmesan": (50.0, "g", "50 g parmesan", "fifty grams of parmesan"),
    "mushrooms": (300.0, "g", "300 g mushrooms", "300 grams of mushrooms"),
    "chicken thighs": (6.0, "piece", "", "six chicken thighs"),
    "potatoes": (1.0, "kg", "1 kg potatoes", "a kilo of potatoes"),
    "olive oil": (3.0, "tbsp", "3 tbsp olive oil", "three tablespoons of olive oil"),
    "red lentils": (200.0, "g", "200 g red lentils", "200 grams of red lentils"),
    "cumin": (2.0, "tsp", "2 tsp cumin", "two teaspoons of cumin"),
    "white fish": (600.0, "g", "600 g white fish", "600 grams of white fish"),
    "cream": (200.0, "ml", "200 ml cream", "200 millilitres of cream"),
}
DISHES = (
    ("Oat Pancakes", True, ["rolled oats", "milk", "eggs", "honey", "salt"]),
    ("Lemon Drizzle Cake", True, ["plain flour", "butter", "sugar", "lemons", "eggs"]),
    ("Bacon Carbonara", False, ["spaghetti", "bacon", "parmesan", "eggs", "salt"]),
    ("Mushroom Risotto", True, ["arborio rice", "mushrooms", "vegetable stock", "onions",
                                "parmesan", "butter"]),
    ("Chicken Tray Bake", False, ["chicken thighs", "potatoes", "olive oil", "lemons", "salt"]),
    ("Spiced Lentil Soup", True, ["red lentils", "onions", "vegetable stock", "cumin",
                                  "olive oil"]),
    ("Fish Pie", False, ["white fish", "potatoes", "milk", "butter", "cream"]),
    ("Banana Bread", True, ["bananas", "plain flour", "sugar", "butter", "eggs"]),
)
LEVELS = {"easy": "Difficulty: easy.", "medium": "Difficulty: medium.",
          "hard": "Difficulty: hard."}


def gen_recipe(rng: random.Random, traps: set[str]) -> tuple[str, dict[str, Any]]:
    name, vegetarian, pantry = rng.choice(DISHES)
    servings = rng.choice([2, 4, 6, 8])
    prep = rng.choice([20, 30, 45, 60, 75, 90])
    level = rng.choice(["easy", "medium", "hard"])
    usable = [i for i in pantry if "enum" in traps or INGREDIENTS[i][1] != "piece"]
    picks = rng.sample(usable, min(len(usable), rng.randint(2, 4)))
    ingredients = [{"item": i, "quantity": INGREDIENTS[i][0], "unit": INGREDIENTS[i][1]}
                   for i in picks]
    ing_s = [INGREDIENTS[i][3 if "enum" in traps else 2] for i in picks]
    if "number_text" in traps:
        serv_s = rng.choice([f"Serves {words(servings)}.", f"Enough for {words(servings)} people."])
        prep_s = {20: "twenty minutes", 30: "half an hour", 45: "three quarters of an hour",
                  60: "an hour", 75: "an hour and a quarter", 90: "an hour and a half"}[prep]
    else:
        serv_s = rng.choice([f"Serves {servings}.", f"Servings: {servings}."])
        prep_s = f"{prep} minutes"
    lines = [
        rng.choice([f"Recipe: {name}.", f"Here is my {name} recipe.",
                    f"Tonight we are making {name}."]),
        serv_s,
        rng.choice([f"Preparation takes {prep_s}.", f"Prep time: {prep_s}."]),
        LEVELS[level],
        rng.choice(["It is vegetarian.", "Suitable for vegetarians."] if vegetarian else
                   ["It is not vegetarian.", "Not suitable for vegetarians."]),
        rng.choice([f"You need {join_list(ing_s)}.", f"Ingredients: {'; '.join(ing_s)}."]),
    ]
    if "distractor" in traps:
        lines.append(rng.choice([
            f"Double everything if you are cooking for {servings * 2}.",
            f"My grandmother's version took {prep + 30} minutes, but this one is quicker.",
            "You can add a handful of herbs, but they are optional and not in the list.",
        ]))
    lines += rng.sample(["Serve it warm, straight from the oven or the pan.",
                         "It keeps for two days in the fridge in a closed container.",
                         "My family asks for it every weekend.",
                         "Use the best ingredients you can find; it makes a difference.",
                         "A green salad goes well on the side."], 2)
    return text_of(*lines), {"name": name, "servings": servings, "prep_minutes": prep,
                             "difficulty": level, "vegetarian": vegetarian,
                             "ingredients": ingredients}


STREETS = ("Elm Street", "Harbour Road", "Linden Avenue", "Quarry Lane", "Mill Row",
           "Castle Terrace", "Orchard Way", "Station Road")
FEATURES = ("garden", "garage", "balcony", "fireplace", "solar panels", "cellar",
            "sea view", "lift", "home office")
LISTING_STATUS = {"for_sale": ("It is for sale.", "Viewings are open to all buyers."),
                  "under_offer": ("It is under offer.",
                                  "The seller has accepted an offer, subject to survey."),
                  "sold": ("It has been sold.", "Contracts were exchanged and the keys handed "
                           "over last week.")}


def gen_property_listing(rng: random.Random, traps: set[str]) -> tuple[str, dict[str, Any]]:
    listing_id = f"LST-{rng.randint(10000, 99999)}"
    street = f"{rng.randint(2, 120)} {rng.choice(STREETS)}"
    city = rng.choice(CITIES)
    postal = rng.choice([f"{rng.randint(10000, 99999)}", f"{rng.randint(1000, 9999)}",
                         f"{rng.choice('LMNSEW')}{rng.randint(1, 19)} {rng.randint(1, 9)}"
                         f"{rng.choice('ABDEFG')}{rng.choice('HJLNPQRT')}"])
    code, cur = code_for(rng, ("EUR", "GBP", "USD", "CHF", "CAD"), "enum" in traps)
    bedrooms = rng.randint(1, 5)
    area = float(rng.randint(38, 240))
    if "number_text" in traps:
        price = float(rng.choice([485_000, 1_200_000, 325_000, 2_400_000, 760_000]))
        price_s = money_text(rng, price, code)
        if code not in price_s and cur not in price_s and CURRENCIES[code][1] not in price_s:
            price_s = f"{price_s} ({cur})"
        bed_s = f"{words(bedrooms)}-bedroom"
        area_s = f"{words(int(area))} square metres"
    else:
        price = float(rng.randint(150, 2500) * 1000)
        price_s = money_symbol(price, code) if "enum" in traps else money_plain(price, code)
        bed_s = f"{bedrooms}-bedroom"
        area_s = f"{area:g} m²"
    status = rng.choice(list(LISTING_STATUS))
    features = rng.sample(FEATURES, rng.randint(1, 3))
    listed = None if "nullable" in traps and "date_text" not in traps else (
        random_date(rng, 2024, 2026))
    lines = [
        rng.choice([f"Listing {listing_id}: a {bed_s} home at {street}, {city} {postal}.",
                    f"{listing_id} — {bed_s} house, {street}, {postal} {city}.",
                    f"New on our books ({listing_id}): a {bed_s} flat at {street}, {city}, "
                    f"postcode {postal}."]),
        rng.choice([f"The asking price is {price_s}.", f"Price: {price_s}.",
                    f"The seller wants {price_s}."]),
        rng.choice([f"Living space is {area_s}.", f"It measures {area_s}."]),
        rng.choice([f"Features: {', '.join(features)}.",
                    f"Features listed by the agent: {join_list(features)}."]),
        LISTING_STATUS[status][1 if "enum" in traps else 0],
    ]
    if listed:
        listed_s = date_text(rng, listed) if "date_text" in traps else date_plain(listed)
        lines.append(rng.choice([f"Listed on {listed_s}.",
                                 f"It came on the market on {listed_s}."]))
    if "distractor" in traps:
        lines.append(rng.choice([
            f"The neighbouring house sold for {money_plain(price + 40_000, code)} last spring.",
            f"The price was cut from {money_plain(price + 25_000, code)} to the figure above.",
        ]))
    lines += rng.sample(["The local schools are within walking distance.",
                         "Pets are welcome.", "Viewing is by appointment only.",
                         "The agent describes it as bright and well kept."], 2)
    return text_of(*lines), {"listing_id": listing_id,
                             "address": {"street": street, "city": city, "postal_code": postal},
                             "price": price, "currency": code, "bedrooms": bedrooms,
                             "area_sqm": area, "status": status, "features": features,
                             "listed_on": iso(listed) if listed else None}


GENERATORS: dict[str, Gen] = {
    "person": gen_person, "product": gen_product, "event": gen_event, "order": gen_order,
    "invoice": gen_invoice, "shipment": gen_shipment, "job_posting": gen_job_posting,
    "meeting": gen_meeting, "recipe": gen_recipe, "property_listing": gen_property_listing,
}
DIFFICULTY = ("easy", "medium", "hard")


def _pick_traps(rng: random.Random, schema: str, level: int) -> set[str]:
    """easy: none; medium: one; hard: two or three (a distractor more often than not)."""
    menu = TRAPS[schema]
    if level == 0:
        return set()
    if level == 1:
        return {rng.choice(menu)}
    k = min(len(menu), rng.choice([2, 3]))
    picked = set(rng.sample(menu, k))
    if "distractor" not in picked and rng.random() < .6:
        picked.add("distractor")
    return picked


def _structure_tags(expected: dict[str, Any]) -> list[str]:
    tags = []
    values = list(expected.values())
    if any(isinstance(v, dict) for v in values):
        tags.append("nested")
    if any(isinstance(v, list) and v for v in values):
        tags.append("array")
    if any(v is None for v in values) or any(
            isinstance(v, dict) and None in v.values() for v in values):
        tags.append("nullable")
    return tags


def generate() -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    rows = []
    for schema, count in PER_SCHEMA.items():
        for i in range(count):
            level = i % 3
            traps = _pick_traps(rng, schema, level)
            text, expected = GENERATORS[schema](rng, traps)
            shown = sorted((traps - {"nullable"}) | set(_structure_tags(expected)))
            rows.append({"id": f"{schema}-v2-{i + 1:02d}",
                         "input": {"schema": schema, "text": text},
                         "expected": expected, "tags": [DIFFICULTY[level], *shown]})
    return rows


def render(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else HERE / "cases_v2.jsonl"
    rows = generate()
    out.write_text(render(rows), encoding="utf-8")
    print(f"{out}: {len(rows)} cases")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
