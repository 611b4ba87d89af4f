"""Generate the function-calling cases (one user request, a few offered tools, one right call
or none).

Every request is written here by hand for this project, about fictional companies, people,
order numbers and accounts, so no answer can come from memory. Each case offers 2-4 tools from
tools.json: the right one (unless none fits) plus plausible distractors, often near misses
(get_order_status next to refund_order, cancel_subscription for a pause). About a quarter of
the cases are abstentions: no offered tool fits, or one fits but the request leaves out a
required value (the right move is to ask, not to invent one).

Tags: difficulty (easy, medium, hard) first, then what the case tests: `abstain`,
`missing_info`, `near_miss`, `unsupported_value`, `number_text` (a number written in words or
with a currency sign, "three units", "$12.50"), `date_text` (a date or time to rewrite as ISO
or HH:MM), `enum` (a value to map onto an enum), `optional_included`, `optional_omitted`
(an optional argument the request gives no value for, so it must be absent), `nested`, `array`.

Deterministic: the order of the offered tools is shuffled with a seeded `random.Random`, so
the right tool is not always first. Every expected call is checked against its tool's JSON
Schema here; the committed JSONL is the source of truth and tests/experiments/ checks that
this script reproduces it byte for byte.
Run: `python experiments/function_calling/generate_cases.py`.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

SEED = 20250611
HERE = Path(__file__).resolve().parent
MAX_TOOLS_CHARS = 2900  # offered definitions as JSON: keeps every prompt under ~1,200 tokens

# (id, tags, request, offered tools, expected call as (name, arguments) or None, omit)
Spec = tuple[str, str, str, list[str], "tuple[str, dict[str, Any]] | None", list[str]]

SPECS: list[Spec] = [
    # refund_order
    ("refund-01", "easy enum optional_omitted",
     "Please refund order ORD-48213 in full, 89.99. The blender arrived damaged.",
     ["refund_order", "get_order_status", "lookup_customer"],
     ("refund_order", {"order_id": "ORD-48213", "amount": 89.99, "reason": "damaged"}),
     ["notify_customer"]),
    ("refund-02", "medium number_text enum optional_included",
     "The customer was charged twice for ORD-10577. Refund the duplicate charge of $12.50 and "
     "don't email them about it.",
     ["refund_order", "get_invoice", "create_support_ticket"],
     ("refund_order", {"order_id": "ORD-10577", "amount": 12.5, "reason": "duplicate_charge",
                       "notify_customer": False}), []),
    ("refund-03", "hard number_text enum optional_omitted",
     "ORD-33092 never showed up. Give Halvorsen Dental a refund of two hundred and forty "
     "euros.",
     ["refund_order", "get_order_status", "convert_currency", "update_shipping_address"],
     ("refund_order", {"order_id": "ORD-33092", "amount": 240, "reason": "not_received"}),
     ["notify_customer"]),
    ("refund-04", "medium enum",
     "We shipped the wrong item on ORD-77120. Refund 15 of it as a partial refund.",
     ["refund_order", "update_shipping_address", "get_order_status"],
     ("refund_order", {"order_id": "ORD-77120", "amount": 15, "reason": "wrong_item"}), []),
    ("refund-05", "medium number_text enum optional_included",
     "Refund 5.00 on ORD-61234 because the customer changed their mind, and yes, notify them.",
     ["refund_order", "cancel_subscription", "get_invoice"],
     ("refund_order", {"order_id": "ORD-61234", "amount": 5, "reason": "changed_mind",
                       "notify_customer": True}), []),
    ("refund-06", "hard abstain missing_info",
     "Refund order ORD-51840, the customer changed their mind.",
     ["refund_order", "get_order_status", "get_invoice"], None, []),
    # get_order_status
    ("status-01", "easy",
     "Where is order ORD-20931 right now?",
     ["get_order_status", "refund_order", "update_shipping_address"],
     ("get_order_status", {"order_id": "ORD-20931"}), []),
    ("status-02", "medium",
     "Morrow & Vance asked whether ORD-66018 has shipped yet. Can you check?",
     ["get_order_status", "lookup_customer", "schedule_meeting"],
     ("get_order_status", {"order_id": "ORD-66018"}), []),
    # update_shipping_address
    ("address-01", "hard nested enum",
     "Ship ORD-40415 to Kestrel Yard 14, Leeds LS1 4AP, United Kingdom instead.",
     ["update_shipping_address", "get_order_status", "lookup_customer"],
     ("update_shipping_address", {"order_id": "ORD-40415", "address": {
         "street": "Kestrel Yard 14", "city": "Leeds", "postal_code": "LS1 4AP",
         "country": "GB"}}), []),
    ("address-02", "medium nested",
     "Change the delivery address of ORD-58230 to: street Rua das Flores 88, city Porto, "
     "postal code 4050-262, country PT.",
     ["update_shipping_address", "refund_order"],
     ("update_shipping_address", {"order_id": "ORD-58230", "address": {
         "street": "Rua das Flores 88", "city": "Porto", "postal_code": "4050-262",
         "country": "PT"}}), []),
    ("address-03", "hard abstain near_miss",
     "ORD-12207 went out yesterday to the old address. Ask the courier to recall the parcel.",
     ["update_shipping_address", "refund_order"], None, []),
    # lookup_customer
    ("customer-01", "easy enum optional_omitted",
     "Pull up the CRM record for ines.varga@brightlane.example.",
     ["lookup_customer", "create_support_ticket", "get_invoice"],
     ("lookup_customer", {"identifier": "ines.varga@brightlane.example",
                          "identifier_type": "email"}), ["include_history"]),
    ("customer-02", "medium enum optional_included",
     "Find account ACC-310877 and include their order and ticket history.",
     ["lookup_customer", "cancel_subscription", "pause_subscription"],
     ("lookup_customer", {"identifier": "ACC-310877", "identifier_type": "account_id",
                          "include_history": True}), []),
    ("customer-03", "medium enum",
     "Who is the customer calling from +44 20 7946 0321?",
     ["lookup_customer", "schedule_meeting", "search_knowledge_base"],
     ("lookup_customer", {"identifier": "+44 20 7946 0321", "identifier_type": "phone"}), []),
    ("customer-04", "easy enum optional_omitted",
     "Find the customer with email Theo.Brandt@Quellwerk.example",
     ["lookup_customer", "get_order_status"],
     ("lookup_customer", {"identifier": "theo.brandt@quellwerk.example",
                          "identifier_type": "email"}), ["include_history"]),
    # create_support_ticket
    ("ticket-01", "medium enum optional_omitted",
     'Open an urgent ticket for ACC-552190 with the subject "Payroll export fails with '
     'error 502".',
     ["create_support_ticket", "search_knowledge_base", "lookup_customer"],
     ("create_support_ticket", {"account_id": "ACC-552190",
                                "subject": "Payroll export fails with error 502",
                                "priority": "urgent"}), ["tags"]),
    ("ticket-02", "hard enum array optional_included",
     'Log a low-priority billing ticket for account ACC-908112, subject "Invoice shows old '
     'company name", tagged rename and invoice.',
     ["create_support_ticket", "get_invoice", "lookup_customer"],
     ("create_support_ticket", {"account_id": "ACC-908112",
                                "subject": "Invoice shows old company name",
                                "priority": "low", "category": "billing",
                                "tags": ["rename", "invoice"]}), []),
    ("ticket-03", "medium enum optional_included optional_omitted",
     'Create a ticket for ACC-204466: subject "Cannot reset password", normal priority, '
     "account queue.",
     ["create_support_ticket", "lookup_customer"],
     ("create_support_ticket", {"account_id": "ACC-204466", "subject": "Cannot reset password",
                                "priority": "normal", "category": "account"}), ["tags"]),
    # schedule_meeting
    ("meeting-01", "medium array optional_omitted",
     'Schedule "Q3 pipeline review" on 2025-09-16 at 14:00 for 45 minutes with '
     "dana.okoro@fenwick.example and li.wei@fenwick.example.",
     ["schedule_meeting", "lookup_customer", "create_support_ticket"],
     ("schedule_meeting", {"title": "Q3 pipeline review", "date": "2025-09-16",
                           "start_time": "14:00", "duration_minutes": 45,
                           "attendees": ["dana.okoro@fenwick.example",
                                         "li.wei@fenwick.example"]}), ["video_call"]),
    ("meeting-02", "hard date_text number_text array optional_included",
     'Book a one-hour meeting called "Vendor onboarding" on March 4, 2025 at 9:30 am with '
     "priya@halden.example, and add a video link.",
     ["schedule_meeting", "search_knowledge_base", "log_expense"],
     ("schedule_meeting", {"title": "Vendor onboarding", "date": "2025-03-04",
                           "start_time": "09:30", "duration_minutes": 60,
                           "attendees": ["priya@halden.example"], "video_call": True}), []),
    ("meeting-03", "hard date_text array optional_included",
     'Set up a 30 minute "Security sync" on 7 October 2025 at 4pm with ops@quarry.example, '
     "marek@quarry.example and jo@quarry.example. No video call needed, it's in person.",
     ["schedule_meeting", "create_support_ticket"],
     ("schedule_meeting", {"title": "Security sync", "date": "2025-10-07",
                           "start_time": "16:00", "duration_minutes": 30,
                           "attendees": ["ops@quarry.example", "marek@quarry.example",
                                         "jo@quarry.example"], "video_call": False}), []),
    ("meeting-04", "medium number_text array optional_omitted",
     'Put half an hour titled "Contract redlines" in the calendar for 2025-11-20 at 11:15 '
     "with a.mensah@lindqvist-law.example.",
     ["schedule_meeting", "get_invoice", "lookup_customer"],
     ("schedule_meeting", {"title": "Contract redlines", "date": "2025-11-20",
                           "start_time": "11:15", "duration_minutes": 30,
                           "attendees": ["a.mensah@lindqvist-law.example"]}), ["video_call"]),
    ("meeting-05", "medium array optional_included",
     'Schedule "Budget freeze briefing" 2025-12-02 at 08:00, 90 minutes, with '
     "cfo@ardent.example and finance-leads@ardent.example, on video.",
     ["schedule_meeting", "log_expense"],
     ("schedule_meeting", {"title": "Budget freeze briefing", "date": "2025-12-02",
                           "start_time": "08:00", "duration_minutes": 90,
                           "attendees": ["cfo@ardent.example", "finance-leads@ardent.example"],
                           "video_call": True}), []),
    ("meeting-06", "hard abstain missing_info",
     "Set up a meeting with dana.okoro@fenwick.example about the renewal.",
     ["schedule_meeting", "lookup_customer"], None, []),
    # convert_currency
    ("currency-01", "medium number_text enum",
     "How much is 1,250 euros in US dollars today?",
     ["convert_currency", "log_expense", "get_invoice"],
     ("convert_currency", {"amount": 1250, "from_currency": "EUR", "to_currency": "USD"}), []),
    ("currency-02", "medium number_text enum",
     "Convert £89.40 to Swiss francs.",
     ["convert_currency", "refund_order"],
     ("convert_currency", {"amount": 89.4, "from_currency": "GBP", "to_currency": "CHF"}), []),
    ("currency-03", "medium enum",
     "What's 300000 yen in Australian dollars?",
     ["convert_currency", "check_inventory", "log_expense"],
     ("convert_currency", {"amount": 300000, "from_currency": "JPY", "to_currency": "AUD"}),
     []),
    ("currency-04", "medium enum",
     "Convert 75 Canadian dollars to Swedish krona.",
     ["convert_currency", "get_invoice"],
     ("convert_currency", {"amount": 75, "from_currency": "CAD", "to_currency": "SEK"}), []),
    ("currency-05", "hard abstain unsupported_value",
     "Convert 2 bitcoin to euros.",
     ["convert_currency", "log_expense"], None, []),
    # get_invoice
    ("invoice-01", "easy optional_omitted",
     "Send me invoice INV-2025-0187.",
     ["get_invoice", "refund_order", "lookup_customer"],
     ("get_invoice", {"invoice_number": "INV-2025-0187"}), ["format"]),
    ("invoice-02", "medium enum optional_included",
     "I need invoice INV-2024-1193 as a CSV.",
     ["get_invoice", "search_knowledge_base"],
     ("get_invoice", {"invoice_number": "INV-2024-1193", "format": "csv"}), []),
    ("invoice-03", "hard abstain near_miss",
     "Void invoice INV-2025-0420, it was issued by mistake.",
     ["get_invoice", "refund_order", "convert_currency"], None, []),
    # search_knowledge_base
    ("kb-01", "easy optional_omitted",
     'Search the knowledge base for "SAML certificate rotation".',
     ["search_knowledge_base", "create_support_ticket"],
     ("search_knowledge_base", {"query": "SAML certificate rotation"}),
     ["product", "max_results"]),
    ("kb-02", "hard number_text enum optional_included",
     'Find up to five help articles about "offline sync conflicts" in the field app docs.',
     ["search_knowledge_base", "lookup_customer", "check_inventory"],
     ("search_knowledge_base", {"query": "offline sync conflicts", "product": "field_app",
                                "max_results": 5}), []),
    ("kb-03", "medium enum optional_included optional_omitted",
     'Look up "refund approval limits" in the billing portal articles.',
     ["search_knowledge_base", "refund_order", "get_invoice"],
     ("search_knowledge_base", {"query": "refund approval limits",
                                "product": "billing_portal"}), ["max_results"]),
    # check_inventory
    ("stock-01", "easy optional_omitted",
     "How many SKU-7731 do we have in stock?",
     ["check_inventory", "reorder_stock"],
     ("check_inventory", {"sku": "SKU-7731"}), ["warehouse"]),
    ("stock-02", "medium enum optional_included",
     "Check stock of SKU-0459 at the Leipzig warehouse.",
     ["check_inventory", "reorder_stock", "get_order_status"],
     ("check_inventory", {"sku": "SKU-0459", "warehouse": "leipzig"}), []),
    # reorder_stock
    ("reorder-01", "hard number_text enum optional_omitted",
     "Order three units of SKU-2210 for the Memphis warehouse.",
     ["reorder_stock", "check_inventory", "refund_order"],
     ("reorder_stock", {"sku": "SKU-2210", "quantity": 3, "warehouse": "memphis"}),
     ["expedited"]),
    ("reorder-02", "medium enum optional_included",
     "Reorder 120 of SKU-8804 to Osaka, expedited please.",
     ["reorder_stock", "check_inventory"],
     ("reorder_stock", {"sku": "SKU-8804", "quantity": 120, "warehouse": "osaka",
                        "expedited": True}), []),
    ("reorder-03", "hard number_text enum",
     "We're almost out of SKU-3317 in Rotterdam, put in a purchase order for two dozen.",
     ["reorder_stock", "check_inventory", "create_support_ticket"],
     ("reorder_stock", {"sku": "SKU-3317", "quantity": 24, "warehouse": "rotterdam"}), []),
    ("reorder-04", "hard abstain missing_info",
     "Reorder SKU-6120 for the Leipzig warehouse.",
     ["reorder_stock", "check_inventory"], None, []),
    ("reorder-05", "hard abstain near_miss",
     "Transfer 30 units of SKU-2210 from Memphis to Osaka.",
     ["reorder_stock", "get_order_status"], None, []),
    # cancel_subscription
    ("cancel-01", "medium enum optional_omitted",
     "Cancel ACC-771203's subscription at the end of the current term.",
     ["cancel_subscription", "pause_subscription", "lookup_customer"],
     ("cancel_subscription", {"account_id": "ACC-771203", "effective": "end_of_term"}),
     ["reason"]),
    ("cancel-02", "hard enum optional_included",
     "Cancel the subscription for ACC-440981 right away; the customer said \"we are moving "
     'to an in-house tool".',
     ["cancel_subscription", "pause_subscription", "create_support_ticket"],
     ("cancel_subscription", {"account_id": "ACC-440981", "effective": "immediately",
                              "reason": "we are moving to an in-house tool"}), []),
    ("cancel-03", "hard abstain near_miss",
     "Pause ACC-118230's subscription until March; they are closed for the winter.",
     ["cancel_subscription", "get_invoice"], None, []),
    # pause_subscription
    ("pause-01", "easy",
     "Pause billing for ACC-630114 until 2025-08-01.",
     ["pause_subscription", "cancel_subscription", "lookup_customer"],
     ("pause_subscription", {"account_id": "ACC-630114", "resume_date": "2025-08-01"}), []),
    ("pause-02", "hard date_text",
     "Customer ACC-285506 is closed for renovation; pause their subscription until the first "
     "of February 2026.",
     ["pause_subscription", "cancel_subscription"],
     ("pause_subscription", {"account_id": "ACC-285506", "resume_date": "2026-02-01"}), []),
    # log_expense
    ("expense-01", "hard number_text enum optional_included",
     "Log a $12.50 lunch with a client on 2025-05-14 as meals, billable.",
     ["log_expense", "convert_currency", "refund_order"],
     ("log_expense", {"amount": 12.5, "currency": "USD", "category": "meals",
                      "date": "2025-05-14", "billable": True}), []),
    ("expense-02", "medium date_text enum",
     "Expense: train ticket to Utrecht, 46.80 EUR, travel, June 3, 2025.",
     ["log_expense", "convert_currency"],
     ("log_expense", {"amount": 46.8, "currency": "EUR", "category": "travel",
                      "date": "2025-06-03"}), []),
    ("expense-03", "medium number_text enum",
     "Record ¥3,400 for a software licence bought on 2025-02-27.",
     ["log_expense", "convert_currency", "get_invoice"],
     ("log_expense", {"amount": 3400, "currency": "JPY", "category": "software",
                      "date": "2025-02-27"}), []),
    # no offered tool fits at all
    ("none-01", "medium abstain",
     "Write a two-sentence apology to Nordhavn Logistics for their late delivery.",
     ["create_support_ticket", "get_order_status", "refund_order"], None, []),
    ("none-02", "medium abstain",
     "What does 'net 30' mean on an invoice?",
     ["get_invoice", "convert_currency"], None, []),
    ("none-03", "hard abstain near_miss",
     "Permanently delete the CRM record of ines.varga@brightlane.example under GDPR.",
     ["create_support_ticket", "cancel_subscription", "get_invoice"], None, []),
    ("none-04", "hard abstain near_miss",
     "Move the Q3 pipeline review meeting to Thursday.",
     ["schedule_meeting", "get_invoice"], None, []),
    ("none-05", "easy abstain",
     "What is 18% of 2,350?",
     ["convert_currency", "log_expense"], None, []),
    ("none-06", "medium abstain",
     "In one sentence, why do subscription customers usually churn?",
     ["cancel_subscription", "lookup_customer"], None, []),
]


def load_tools() -> dict[str, dict[str, Any]]:
    """tools.json by function name."""
    tools = json.loads((HERE / "tools.json").read_text(encoding="utf-8"))
    return {t["function"]["name"]: t for t in tools}


def generate() -> list[dict[str, Any]]:
    """The cases, checked against tools.json (a broken case stops the script)."""
    rng = random.Random(SEED)
    tools = load_tools()
    cases = []
    for case_id, tags, request, offered, call, omit in SPECS:
        missing = [t for t in offered if t not in tools]
        assert not missing, f"{case_id}: unknown tools {missing}"
        size = sum(len(json.dumps(tools[t])) for t in offered)
        assert size <= MAX_TOOLS_CHARS, f"{case_id}: offered tools are {size} chars"
        order = list(offered)
        rng.shuffle(order)
        expected: dict[str, Any]
        if call is None:
            expected = {"call": None}
        else:
            name, arguments = call
            params = tools[name]["function"]["parameters"]
            errors = [e.message for e in Draft202012Validator(params).iter_errors(arguments)]
            assert not errors, f"{case_id}: {errors}"
            assert not set(omit) & set(params["required"]), f"{case_id}: omits a required arg"
            assert set(omit) <= set(params["properties"]), f"{case_id}: omit names unknown arg"
            expected = {"call": {"name": name, "arguments": arguments}}
            if omit:
                expected["omit"] = omit
        cases.append({"id": case_id, "input": {"request": request, "tools": order},
                      "expected": expected, "tags": tags.split()})
    return cases


def render(cases: list[dict[str, Any]]) -> str:
    """The JSONL text, one case a line."""
    return "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases)


def main() -> int:
    cases = generate()
    (HERE / "cases.jsonl").write_text(render(cases), encoding="utf-8")
    abstain = sum(c["expected"]["call"] is None for c in cases)
    print(f"wrote {len(cases)} cases ({abstain} abstain) to {HERE / 'cases.jsonl'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
