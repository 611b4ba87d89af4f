"""Generate the multilingual case file: a fact passage, a question, a target language.

Seven kinds of enterprise fact (a meeting moved to another weekday, the colour of a new van
fleet, a plant's headcount, who leads a team, a launch month, the town of a new office, a
licence price), each written in English, German, French and Spanish. Every passage also
states a distractor of the same kind (the day the meeting moved *from*, the old fleet's
colour, the head-office headcount ...), which `expected.reject` lists. Each question is
asked in the passage's language; the reply is requested in a target language among seven.
A quarter of the cases ask for the passage's own language (tag `same_language`, `easy`), the
rest for another one (`cross_language`, `hard`). Companies, people, towns and products are
invented, so no answer can come from memory.

Word answers (weekday, colour, month) carry their accepted forms in every language, inflected
forms included; numbers and names are language-neutral.

Deterministic (seeded `random.Random`); the committed `cases.jsonl` is the source of truth
and tests/experiments/test_multilingual_cases.py checks that this script reproduces it.
Run: `python experiments/multilingual/generate_cases.py`.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

SEED = 20250311
HERE = Path(__file__).resolve().parent
PASSAGE_LANGS = ("en", "de", "fr", "es")
TARGETS = ("en", "de", "fr", "es", "it", "pt", "nl")
NAMES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
         "pt": "Portuguese", "nl": "Dutch"}
PER_KIND = 8

COMPANIES = ("Brennholt Logistik", "Quellmar Systems", "Ardevon Foods", "Tessaline Group",
             "Norrvik Textiles", "Palomera Energy", "Hoxley Freight", "Cendrin Analytics",
             "Lumaris Health", "Vardell Metals", "Okapra Retail", "Siltane Insurance",
             "Marrowgate Tools", "Ellisar Pharma", "Trevanne Media", "Garonde Chemicals")
PEOPLE = ("Imke Dallow", "Teodor Vasquell", "Aino Brisk", "Farid Olmen", "Greta Haldane",
          "Nuno Calvert", "Odile Marchetz", "Pavel Ostrin", "Sanne Veldkamp", "Kaia Rindell",
          "Lev Tamborin", "Maren Quist", "Dario Fennick", "Celia Worthe", "Jonas Edric",
          "Zofia Lindqvar")
TOWNS = ("Kelbrook", "Varnholm", "Ostrelle", "Dunmarrow", "Feldrach", "Saltwick", "Brienne-sur-Lys",
         "Torvalla", "Hesmoor", "Calvadine", "Rothwick", "Lindesse")
PRODUCTS = ("Ledgerly", "Stockwise", "Trakora", "Mailvane", "Plannix", "Shiftdesk", "Quotera",
            "Dockyard")

# weekday/colour/month: forms per language; the first is the canonical one. Short or
# ambiguous forms ("segunda" is also "second") are left out on purpose.
WEEKDAYS = {
    "Monday": {"en": ["Monday"], "de": ["Montag"], "fr": ["lundi"], "es": ["lunes"],
               "it": ["lunedì"], "pt": ["segunda-feira"], "nl": ["maandag"]},
    "Tuesday": {"en": ["Tuesday"], "de": ["Dienstag"], "fr": ["mardi"], "es": ["martes"],
                "it": ["martedì"], "pt": ["terça-feira", "terça"], "nl": ["dinsdag"]},
    "Wednesday": {"en": ["Wednesday"], "de": ["Mittwoch"], "fr": ["mercredi"],
                  "es": ["miércoles"], "it": ["mercoledì"], "pt": ["quarta-feira"],
                  "nl": ["woensdag"]},
    "Thursday": {"en": ["Thursday"], "de": ["Donnerstag"], "fr": ["jeudi"], "es": ["jueves"],
                 "it": ["giovedì"], "pt": ["quinta-feira"], "nl": ["donderdag"]},
    "Friday": {"en": ["Friday"], "de": ["Freitag"], "fr": ["vendredi"], "es": ["viernes"],
               "it": ["venerdì"], "pt": ["sexta-feira"], "nl": ["vrijdag"]},
}
COLOURS = {  # passage forms: fr/es feminine singular (la camionnette / la furgoneta)
    "red": {"en": ["red"], "de": ["rot", "rote", "roten", "roter", "rotes"],
            "fr": ["rouge", "rouges"], "es": ["roja", "rojo", "rojas", "rojos"],
            "it": ["rosso", "rossa", "rossi", "rosse"],
            "pt": ["vermelha", "vermelho", "vermelhas", "vermelhos"], "nl": ["rood", "rode"]},
    "blue": {"en": ["blue"], "de": ["blau", "blaue", "blauen", "blauer", "blaues"],
             "fr": ["bleue", "bleu", "bleus", "bleues"], "es": ["azul", "azules"],
             "it": ["blu", "azzurro", "azzurra", "azzurri", "azzurre"],
             "pt": ["azul", "azuis"], "nl": ["blauw", "blauwe"]},
    "green": {"en": ["green"], "de": ["grün", "grüne", "grünen", "grüner", "grünes"],
              "fr": ["verte", "vert", "verts", "vertes"], "es": ["verde", "verdes"],
              "it": ["verde", "verdi"], "pt": ["verde", "verdes"], "nl": ["groen", "groene"]},
    "yellow": {"en": ["yellow"], "de": ["gelb", "gelbe", "gelben", "gelber", "gelbes"],
               "fr": ["jaune", "jaunes"], "es": ["amarilla", "amarillo", "amarillas",
                                                "amarillos"],
               "it": ["giallo", "gialla", "gialli", "gialle"],
               "pt": ["amarela", "amarelo", "amarelas", "amarelos"], "nl": ["geel", "gele"]},
    "black": {"en": ["black"], "de": ["schwarz", "schwarze", "schwarzen", "schwarzer",
                                      "schwarzes"],
              "fr": ["noire", "noir", "noirs", "noires"], "es": ["negra", "negro", "negras",
                                                                 "negros"],
              "it": ["nero", "nera", "neri", "nere"], "pt": ["preta", "preto", "pretas",
                                                            "pretos"],
              "nl": ["zwart", "zwarte"]},
}
MONTHS = {
    "January": {"en": ["January"], "de": ["Januar"], "fr": ["janvier"], "es": ["enero"],
                "it": ["gennaio"], "pt": ["janeiro"], "nl": ["januari"]},
    "March": {"en": ["March"], "de": ["März"], "fr": ["mars"], "es": ["marzo"],
              "it": ["marzo"], "pt": ["março"], "nl": ["maart"]},
    "June": {"en": ["June"], "de": ["Juni"], "fr": ["juin"], "es": ["junio"],
             "it": ["giugno"], "pt": ["junho"], "nl": ["juni"]},
    "September": {"en": ["September"], "de": ["September"], "fr": ["septembre"],
                  "es": ["septiembre"], "it": ["settembre"], "pt": ["setembro"],
                  "nl": ["september"]},
    "October": {"en": ["October"], "de": ["Oktober"], "fr": ["octobre"], "es": ["octubre"],
                "it": ["ottobre"], "pt": ["outubro"], "nl": ["oktober"]},
    "November": {"en": ["November"], "de": ["November"], "fr": ["novembre"],
                 "es": ["noviembre"], "it": ["novembre"], "pt": ["novembro"],
                 "nl": ["november"]},
}

# kind → (answer kind, {lang: (passage, question)}); {a} is the answer, {b} the distractor
TEMPLATES: dict[str, tuple[str, dict[str, tuple[str, str]]]] = {
    "weekday": ("word", {
        "en": ("{co} has moved its quarterly budget review from {b} to {a}. The review takes "
               "place in the main conference room.",
               "On which day does {co} now hold its quarterly budget review?"),
        "de": ("{co} hat die Quartalsbudgetbesprechung von {b} auf {a} verschoben. Die "
               "Besprechung findet im großen Konferenzraum statt.",
               "An welchem Tag findet die Quartalsbudgetbesprechung von {co} jetzt statt?"),
        "fr": ("{co} a déplacé sa revue budgétaire trimestrielle du {b} au {a}. La revue a "
               "lieu dans la grande salle de conférence.",
               "Quel jour {co} tient-elle désormais sa revue budgétaire trimestrielle ?"),
        "es": ("{co} ha trasladado su revisión trimestral del presupuesto del {b} al {a}. La "
               "revisión se celebra en la sala de conferencias principal.",
               "¿Qué día celebra ahora {co} su revisión trimestral del presupuesto?"),
    }),
    "colour": ("word", {
        "en": ("{co} is repainting its delivery vans: the old fleet was {b}, and every new "
               "van is {a}.", "What colour are {co}'s new delivery vans?"),
        "de": ("{co} lackiert seine Lieferwagen neu: Die alte Flotte war {b}, und jeder neue "
               "Lieferwagen ist {a}.", "Welche Farbe haben die neuen Lieferwagen von {co}?"),
        "fr": ("{co} repeint ses camionnettes de livraison : l'ancienne flotte était {b}, et "
               "chaque nouvelle camionnette est {a}.",
               "De quelle couleur sont les nouvelles camionnettes de livraison de {co} ?"),
        "es": ("{co} está pintando de nuevo sus furgonetas de reparto: la flota antigua era "
               "{b}, y cada furgoneta nueva es {a}.",
               "¿De qué color son las nuevas furgonetas de reparto de {co}?"),
    }),
    "headcount": ("number", {
        "en": ("{co} employs {a} people at its {town} plant and {b} people at its head "
               "office.", "How many people work at {co}'s {town} plant?"),
        "de": ("{co} beschäftigt {a} Mitarbeiter im Werk {town} und {b} Mitarbeiter in der "
               "Zentrale.", "Wie viele Menschen arbeiten im Werk {town} von {co}?"),
        "fr": ("{co} emploie {a} personnes dans son usine de {town} et {b} personnes à son "
               "siège.", "Combien de personnes travaillent dans l'usine de {town} de {co} ?"),
        "es": ("{co} emplea a {a} personas en su planta de {town} y a {b} personas en su "
               "sede central.", "¿Cuántas personas trabajan en la planta de {town} de {co}?"),
    }),
    "manager": ("name", {
        "en": ("At {co}, {a} leads the logistics team, while {b} is in charge of finance.",
               "Who leads the logistics team at {co}?"),
        "de": ("Bei {co} leitet {a} das Logistikteam, während {b} für die Finanzen "
               "zuständig ist.", "Wer leitet das Logistikteam bei {co}?"),
        "fr": ("Chez {co}, {a} dirige l'équipe logistique, tandis que {b} est responsable "
               "des finances.", "Qui dirige l'équipe logistique chez {co} ?"),
        "es": ("En {co}, {a} dirige el equipo de logística, mientras que {b} se encarga de "
               "las finanzas.", "¿Quién dirige el equipo de logística en {co}?"),
    }),
    "month": ("word", {
        "en": ("After a pilot in {b}, {co} will launch its new billing platform in {a}.",
               "In which month will {co} launch its new billing platform?"),
        "de": ("Nach einem Pilotprojekt im {b} führt {co} seine neue Abrechnungsplattform "
               "im {a} ein.", "In welchem Monat führt {co} seine neue Abrechnungsplattform "
                              "ein?"),
        "fr": ("Après un projet pilote en {b}, {co} lancera sa nouvelle plateforme de "
               "facturation en {a}.",
               "En quel mois {co} lancera-t-elle sa nouvelle plateforme de facturation ?"),
        "es": ("Tras una prueba piloto en {b}, {co} lanzará su nueva plataforma de "
               "facturación en {a}.",
               "¿En qué mes lanzará {co} su nueva plataforma de facturación?"),
    }),
    "office": ("name", {
        "en": ("{co} closed its support office in {b} and opened a new one in {a}.",
               "In which town is {co}'s new support office?"),
        "de": ("{co} hat sein Support-Büro in {b} geschlossen und ein neues in {a} eröffnet.",
               "In welchem Ort befindet sich das neue Support-Büro von {co}?"),
        "fr": ("{co} a fermé son bureau d'assistance à {b} et en a ouvert un nouveau à {a}.",
               "Dans quelle ville se trouve le nouveau bureau d'assistance de {co} ?"),
        "es": ("{co} cerró su oficina de soporte en {b} y abrió una nueva en {a}.",
               "¿En qué ciudad está la nueva oficina de soporte de {co}?"),
    }),
    "price": ("number", {
        "en": ("A {product} licence costs {a} euros per user per year; the premium support "
               "add-on costs {b} euros.",
               "How much does a {product} licence cost per user per year, in euros?"),
        "de": ("Eine {product}-Lizenz kostet {a} Euro pro Nutzer und Jahr; das "
               "Premium-Support-Paket kostet {b} Euro.",
               "Wie viel kostet eine {product}-Lizenz pro Nutzer und Jahr in Euro?"),
        "fr": ("Une licence {product} coûte {a} euros par utilisateur et par an ; l'option "
               "d'assistance premium coûte {b} euros.",
               "Combien coûte une licence {product} par utilisateur et par an, en euros ?"),
        "es": ("Una licencia de {product} cuesta {a} euros por usuario al año; el "
               "complemento de soporte premium cuesta {b} euros.",
               "¿Cuánto cuesta una licencia de {product} por usuario al año, en euros?"),
    }),
}
WORDS = {"weekday": WEEKDAYS, "colour": COLOURS, "month": MONTHS}


def _values(kind: str, rng: random.Random) -> tuple[str, str, dict, dict]:
    """(answer, distractor, aliases, reject) for one case of *kind*."""
    if kind in WORDS:
        a, b = rng.sample(sorted(WORDS[kind]), 2)
        return a, b, WORDS[kind][a], WORDS[kind][b]
    if kind == "headcount":
        a, b = rng.sample(range(120, 980), 2)
    elif kind == "price":
        a, b = rng.sample(range(24, 480), 2)
    else:
        pool = PEOPLE if kind == "manager" else TOWNS
        a, b = rng.sample(pool, 2)
        if kind == "manager":  # the surname alone also names the person
            return a, b, {"*": [a.split()[-1]]}, {"*": [b, b.split()[-1]]}
        return a, b, {}, {"*": [b]}
    return str(a), str(b), {}, {"*": [str(b)]}


def generate() -> list[dict[str, object]]:
    rng = random.Random(SEED)
    rows: list[dict[str, object]] = []
    turn = dict.fromkeys(PASSAGE_LANGS, 0)  # rotates each passage language's other targets
    for k, (kind, (answer_kind, texts)) in enumerate(TEMPLATES.items()):
        for j in range(PER_KIND):
            plang = PASSAGE_LANGS[(j + k) % len(PASSAGE_LANGS)]
            if j % 4 == 0:
                target = plang
            else:
                others = [t for t in TARGETS if t != plang]
                target = others[turn[plang] % len(others)]
                turn[plang] += 1
            a, b, aliases, reject = _values(kind, rng)
            shown_a = aliases.get(plang, [a])[0] if kind in WORDS else a
            shown_b = reject.get(plang, [b])[0] if kind in WORDS else b
            slots = {"co": rng.choice(COMPANIES), "town": rng.choice(TOWNS),
                     "product": rng.choice(PRODUCTS), "a": shown_a, "b": shown_b}
            passage, question = (t.format(**slots) for t in texts[plang])
            same = target == plang
            rows.append({
                "id": f"{kind}-{j + 1:02d}-{plang}-{target}",
                "input": {"passage": passage, "question": question,
                          "passage_language": plang, "language": target,
                          "language_name": NAMES[target]},
                "expected": {"kind": answer_kind, "answer": a, "aliases": aliases,
                             "reject": reject},
                "tags": ["easy" if same else "hard",
                         "same_language" if same else "cross_language",
                         f"answer_{answer_kind}", kind, f"from_{plang}", f"to_{target}"],
            })
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
