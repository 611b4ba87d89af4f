"""Write the ticket-routing cases: customer messages to Kelvora, one label each.

Kelvora is a fictional company selling smart thermostats (the Thermo T2, the Kelvora Hub) and
a subscription (Kelvora Plus). Its support inbox routes every message to one of eight queues.
The messages below are hand-written for this project, 8 per label, so the classes are
balanced and plain accuracy and macro-F1 tell the same story. In each label, five are
`plain` (one topic, said directly, `difficulty:easy`) and three are hard (`difficulty:hard`):

- `two_topics`: the message touches a second queue's topic, but asks for one thing (the label
  is what the customer mainly wants: "the app is fine, but refund me" is a refund_request);
- `sarcasm`: praise that means the opposite ("Great job, third week without my parcel");
- `non_native`: non-native phrasing, missing articles, another language's word order.

Gold rules, where queues border each other: `refund_request` whenever money back is asked for
(even an angry message); `complaint` is unhappiness with no concrete request a queue could
act on; `billing` is a question or error about a charge, invoice or payment method without a
refund demand; `account_access` is logging in (password, 2FA, locked account), not the device;
`other` is everything no queue owns (a job application, a press question, feedback).

This script holds the data and writes it; the committed `cases.jsonl` is the source of truth
and `tests/experiments/` checks that this script reproduces it exactly.
Run: `python experiments/classification/generate_cases.py`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
LABELS = ["billing", "technical_issue", "account_access", "shipping", "refund_request",
          "sales_inquiry", "complaint", "other"]

# (label, kind, message). kind: plain | two_topics | sarcasm | non_native
TICKETS: list[tuple[str, str, str]] = [
    # billing
    ("billing", "plain", "Subject: Invoice INV-20931\nHi, the invoice for March shows Kelvora "
     "Plus at 9.99 but my plan is 7.99. Could you check which price is right?"),
    ("billing", "plain", "Subject: Change card\nMy credit card expires next week. How do I put "
     "a new card on my Kelvora Plus subscription?"),
    ("billing", "plain", "Subject: VAT number on invoices\nWe are a small office and need our "
     "VAT number (GB 318 2290 41) printed on all future invoices, please."),
    ("billing", "plain", "Subject: Charged on the 3rd\nWhy was I charged on the 3rd this month? "
     "It is normally the 1st. Did my billing date change?"),
    ("billing", "plain", "Subject: Annual plan\nCan I switch my Kelvora Plus payment from "
     "monthly to yearly, and when would the first yearly charge happen?"),
    ("billing", "two_topics", "Subject: App + invoice\nThe app was slow yesterday, but it works "
     "now, no problem. My actual question: the last invoice lists two Hubs and I only own one. "
     "Please correct the invoice."),
    ("billing", "sarcasm", "Subject: Love the surprise\nWow, what a lovely surprise to find a "
     "'premium support' line on my bill that I never signed up for. Please explain what this "
     "charge is."),
    ("billing", "non_native", "Subject: payment\nHello, I am pay with PayPal before but now "
     "system is asking me the bank card. Is possible to keep PayPal for the monthly payment?"),
    # technical_issue
    ("technical_issue", "plain", "Subject: Thermostat offline\nMy Thermo T2 shows 'offline' in "
     "the app since this morning, although the Wi-Fi works for every other device."),
    ("technical_issue", "plain", "Subject: Schedule ignored\nI set the heating to drop to 17 "
     "degrees at 22:00 but the T2 keeps heating to 21 all night."),
    ("technical_issue", "plain", "Subject: Firmware update stuck\nThe Hub has shown 'updating "
     "firmware 43%' for six hours. Unplugging it did not help."),
    ("technical_issue", "plain", "Subject: App crashes\nThe Kelvora app closes as soon as I "
     "open the Rooms tab, on an Android 14 phone. Reinstalled twice."),
    ("technical_issue", "plain", "Subject: Wrong temperature\nThe T2 reads 24 degrees while "
     "two other thermometers in the same room say 19. Is the sensor broken?"),
    ("technical_issue", "two_topics", "Subject: Hub problem\nI might want a second Hub for the "
     "garage one day, but right now the one I have keeps rebooting every ten minutes. Please "
     "help me get it stable."),
    ("technical_issue", "sarcasm", "Subject: Smart indeed\nReally smart thermostat: it decided "
     "that 30 degrees at 3 am is what I wanted. The schedule in the app says 18. Please fix "
     "it."),
    ("technical_issue", "non_native", "Subject: not connect\nGood day. The device not want to "
     "connect to my router after I change the router. The light is blinking orange always. "
     "What I must do?"),
    # account_access
    ("account_access", "plain", "Subject: Locked out\nMy account got locked after too many "
     "wrong passwords. How do I unlock it?"),
    ("account_access", "plain", "Subject: 2FA codes\nI changed phones and no longer get the "
     "two-factor codes, so I cannot log in to the app."),
    ("account_access", "plain", "Subject: Password reset email\nI requested a password reset "
     "three times and the email never arrives, not even in spam."),
    ("account_access", "plain", "Subject: Change login email\nI am leaving my employer and "
     "need to move my Kelvora login from my work email to a personal one."),
    ("account_access", "plain", "Subject: Shared access\nHow can my partner log in to our home "
     "with her own account instead of using my password?"),
    ("account_access", "two_topics", "Subject: Can't log in\nMy subscription renews next week, "
     "which is fine. The problem is that I cannot sign in at all: the app says 'invalid "
     "credentials' even after a reset."),
    ("account_access", "sarcasm", "Subject: Fantastic security\nCongratulations, your security "
     "is so good that even I can't get into my own account. Third reset link that 'has "
     "expired' after one minute."),
    ("account_access", "non_native", "Subject: login\nHello, I forget my password and the "
     "email of reset don't come. I cannot enter in my account since two days. Please help."),
    # shipping
    ("shipping", "plain", "Subject: Where is my order?\nOrder KV-88412 was placed ten days ago "
     "and the tracking page still says 'label created'."),
    ("shipping", "plain", "Subject: Change delivery address\nCan you send order KV-90117 to my "
     "office instead? It has not shipped yet."),
    ("shipping", "plain", "Subject: Damaged box\nThe parcel arrived today with the box crushed "
     "on one side. I have not opened it yet; should I refuse it or keep it?"),
    ("shipping", "plain", "Subject: Delivery to Norway\nDo you ship the Thermo T2 to Norway, "
     "and how long does delivery take?"),
    ("shipping", "plain", "Subject: Missing item\nMy order had a Hub and two T2s, but only the "
     "Hub was in the box. Is the rest coming in another parcel?"),
    ("shipping", "two_topics", "Subject: Order KV-87730\nI will have a question about pairing "
     "later, but first things first: the courier marked my parcel as delivered and it is not "
     "here. Where is it?"),
    ("shipping", "sarcasm", "Subject: Scenic route\nI see my thermostat is enjoying a tour of "
     "Europe: Leipzig, Lyon, now Leipzig again. Any chance it reaches Bristol this month?"),
    ("shipping", "non_native", "Subject: packet\nHi, my packet is still in the depot of the "
     "courier since one week, they say they wait for instruction from you. When it come?"),
    # refund_request
    ("refund_request", "plain", "Subject: Refund please\nI returned the T2 within 30 days "
     "(return RMA-5521). Please refund the 149 to my card."),
    ("refund_request", "plain", "Subject: Cancel and refund\nI cancelled Kelvora Plus the day "
     "after it renewed for a year. I would like the annual fee refunded."),
    ("refund_request", "plain", "Subject: Double charge\nI was charged twice for order "
     "KV-90412. Please refund the duplicate payment."),
    ("refund_request", "plain", "Subject: Money back\nThe Hub does not work with my boiler, as "
     "your compatibility page admits. I want my money back."),
    ("refund_request", "plain", "Subject: Late delivery refund\nYou promised next-day delivery "
     "and it took a week. Please refund the 12.90 express shipping fee."),
    ("refund_request", "two_topics", "Subject: Broken after update\nAfter the last update the "
     "T2 stopped working and I already lost two evenings with support. I don't want a fix "
     "anymore, I want a full refund."),
    ("refund_request", "sarcasm", "Subject: Thanks for nothing\nThanks so much for charging me "
     "for a subscription I cancelled in January. Truly excellent. Now give the 47.94 back, "
     "please."),
    ("refund_request", "non_native", "Subject: return money\nHello, I send back the thermostat "
     "two weeks ago, you have received, but the money is not return to me until now. Please "
     "give back the money."),
    # sales_inquiry
    ("sales_inquiry", "plain", "Subject: Quote for 40 units\nWe manage a block of 40 flats and "
     "would like a quote for 40 Thermo T2s with installation."),
    ("sales_inquiry", "plain", "Subject: Business plan?\nDo you offer a Kelvora Plus plan for "
     "companies with several offices, and what does it cost?"),
    ("sales_inquiry", "plain", "Subject: Difference T2 vs T2 Pro\nBefore I buy: what does the "
     "T2 Pro do that the T2 does not?"),
    ("sales_inquiry", "plain", "Subject: Reseller\nWe are a heating installer in Graz and would "
     "like to become a Kelvora reseller. Who can we talk to?"),
    ("sales_inquiry", "plain", "Subject: Student discount\nIs there any discount for students "
     "on the starter kit?"),
    ("sales_inquiry", "two_topics", "Subject: More units\nOur current T2 had a small pairing "
     "hiccup last month, solved now. We are happy and want to equip the other 12 rooms: can "
     "you send prices for 12 more units?"),
    ("sales_inquiry", "sarcasm", "Subject: Take my money\nOh sure, I'll just guess the price of "
     "the Hub bundle since your website hides it so well. Could someone tell me what the "
     "bundle costs?"),
    ("sales_inquiry", "non_native", "Subject: buy for hotel\nGood morning, we are hotel with 25 "
     "room, we interest to buy your thermostat for every room. You can make us offer with "
     "price?"),
    # complaint
    ("complaint", "plain", "Subject: Rude agent\nThe agent on the phone yesterday was rude "
     "and hung up on me. That is not how customers should be treated."),
    ("complaint", "plain", "Subject: Unhappy\nI have been a customer for four years and the "
     "service has got worse every year. I just want you to know that."),
    ("complaint", "plain", "Subject: Waiting times\nForty minutes on hold to reach support is "
     "unacceptable for a paid subscription."),
    ("complaint", "plain", "Subject: Feedback on the redesign\nThe new app design is a step "
     "backwards and nobody asked for it. Very disappointed."),
    ("complaint", "plain", "Subject: Marketing emails\nI keep getting three marketing emails a "
     "week from you. It is annoying and makes me think less of Kelvora."),
    ("complaint", "two_topics", "Subject: Your support\nThe thermostat issue got solved in the "
     "end, but it took six emails and every agent asked the same questions again. Your "
     "support process is exhausting."),
    ("complaint", "sarcasm", "Subject: Five stars\nFive stars for the support team: only three "
     "days to answer one email, and the answer was a link to the FAQ I had already read."),
    ("complaint", "non_native", "Subject: bad service\nI am very not happy with your service. "
     "The man in telephone speak to me like I am stupid. This is not correct way with "
     "client."),
    # other
    ("other", "plain", "Subject: Job application\nI would like to apply for the firmware "
     "engineer position advertised on your website. My CV is attached."),
    ("other", "plain", "Subject: Press request\nI am writing an article on smart heating for "
     "Wohnen Heute magazine. Could someone from Kelvora answer a few questions?"),
    ("other", "plain", "Subject: Feature idea\nIt would be great if the app showed the outdoor "
     "humidity too. Just an idea, no reply needed."),
    ("other", "plain", "Subject: Recycling\nWhere can I recycle an old thermostat from another "
     "brand? Do you accept them?"),
    ("other", "plain", "Subject: Thank you\nJust wanted to say the T2 cut our gas use a lot "
     "this winter. Thanks to the team!"),
    ("other", "two_topics", "Subject: University project\nI bought a T2 last year and it works "
     "well. I'm a student writing a thesis on home energy use: would Kelvora share anonymised "
     "usage statistics for research?"),
    ("other", "sarcasm", "Subject: Your mascot\nI'm sure the world was waiting for a dancing "
     "thermostat mascot in your newsletter. Out of curiosity, who designs these?"),
    ("other", "non_native", "Subject: partnership\nHello, we are company of solar panels from "
     "Valencia. We look for partnership for make common event about energy. Who is right "
     "person for speak?"),
]


def generate() -> dict[str, list[dict[str, Any]]]:
    rows: list[dict[str, Any]] = []
    counters: dict[str, int] = {}
    for label, kind, message in TICKETS:
        counters[label] = counters.get(label, 0) + 1
        rows.append({
            "id": f"{label}-{counters[label]:02d}",
            "input": {"message": message, "labels": LABELS},
            "expected": label,
            "tags": [f"label:{label}", f"kind:{kind}",
                     f"difficulty:{'easy' if kind == 'plain' else 'hard'}"],
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
