"""Generate the code_generation case file: Python function tasks of the kind enterprise code
is full of (parse a log line, total an invoice with tax rounding, check a made-up account
checksum, merge date ranges, split a CSV line with quotes, compare versions, ...).

Each task is written here by hand: a description (the `prompt`), a one-line `signature`, the
entry point and 4-8 hidden tests (assert statements, edge cases included) that the model never
sees. Difficulty tags: `easy` (one idea, no trap), `medium` (a rule with an edge case: half-up
rounding, inclusive ranges, a default), `hard` (several interacting rules or a known trap:
quoted CSV fields, pre-release versions, a sliding window where rejections do not count).
`domain:` tags slice by kind of work. Checksums and formats (account codes, VAT ids, SKUs) are
invented for this suite, so no answer can come from memory.

`reference_solutions.py` next to this file solves every task; tests/experiments runs it
against every case in the sandbox. Deterministic (no randomness at all; the order below is the
case order); the committed JSONL is the source of truth and the tests check that this script
reproduces it byte for byte. Run: `python experiments/code_generation/generate_cases.py`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (entry point, difficulty, domain, signature, prompt, tests)
TASKS: list[tuple[str, str, str, str, str, list[str]]] = [
    # --- easy ---------------------------------------------------------------------------
    ("mask_card_number", "easy", "text",
     "def mask_card_number(number: str) -> str:",
     "Mask a payment card number for display on a receipt: replace every digit except the "
     "last four digits with '*'. Keep spaces and dashes exactly where they are.",
     ["assert mask_card_number('4111 2222 3333 4444') == '**** **** **** 4444'",
      "assert mask_card_number('5500-0000-0000-0004') == '****-****-****-0004'",
      "assert mask_card_number('1234') == '1234'",
      "assert mask_card_number('123') == '123'",
      "assert mask_card_number('98765') == '*8765'"]),
    ("count_log_levels", "easy", "logs",
     "def count_log_levels(lines: list[str]) -> dict[str, int]:",
     "Each line of an application log looks like '2024-03-01T10:00:00Z ERROR disk almost "
     "full': a timestamp, a space, the level, a space, the message. Count how many lines "
     "have each level. Skip lines with fewer than two whitespace-separated parts.",
     ["assert count_log_levels([]) == {}",
      "assert count_log_levels(['2024-03-01T10:00:00Z ERROR disk full', "
      "'2024-03-01T10:00:05Z INFO ok', '2024-03-01T10:01:00Z ERROR again']) == "
      "{'ERROR': 2, 'INFO': 1}",
      "assert count_log_levels(['', 'garbage', '2024-03-01T10:00:00Z WARN']) == {'WARN': 1}",
      "assert count_log_levels(['t DEBUG a b c'] * 3) == {'DEBUG': 3}"]),
    ("sku_is_valid", "easy", "validation",
     "def sku_is_valid(sku: str) -> bool:",
     "Our warehouse SKUs look like 'KTR-4821-B': exactly three uppercase letters A-Z, a "
     "dash, exactly four digits, a dash, and one uppercase letter or digit. Return whether "
     "the string is a valid SKU (nothing before or after it).",
     ["assert sku_is_valid('KTR-4821-B') is True",
      "assert sku_is_valid('ABC-0000-9') is True",
      "assert sku_is_valid('abc-1234-B') is False",
      "assert sku_is_valid('KTR-482-B') is False",
      "assert sku_is_valid('KTR-4821-BB') is False",
      "assert sku_is_valid(' KTR-4821-B') is False",
      "assert sku_is_valid('KTR-4821-b') is False"]),
    ("truncate_title", "easy", "text",
     "def truncate_title(title: str, limit: int) -> str:",
     "Shorten a support-ticket title for a list view. If the title has at most `limit` "
     "characters return it unchanged. Otherwise keep the first `limit - 3` characters, remove "
     "trailing spaces from that part, and append '...'.",
     ["assert truncate_title('Printer on floor 3 jams', 40) == 'Printer on floor 3 jams'",
      "assert truncate_title('Printer on floor 3 jams', 10) == 'Printer...'",
      "assert truncate_title('VPN drops every hour', 20) == 'VPN drops every hour'",
      "assert truncate_title('VPN drops every hour', 13) == 'VPN drops...'",
      "assert truncate_title('', 5) == ''"]),
    ("percent_change", "easy", "finance",
     "def percent_change(old: float, new: float) -> float | None:",
     "Return the percentage change from `old` to `new`, rounded to one decimal place "
     "(use round()). Divide by the absolute value of `old`. Return None when `old` is 0.",
     ["assert percent_change(200, 250) == 25.0",
      "assert percent_change(80, 60) == -25.0",
      "assert percent_change(0, 10) is None",
      "assert percent_change(3, 4) == 33.3",
      "assert percent_change(-50, -25) == 50.0"]),
    ("initials", "easy", "text",
     "def initials(full_name: str) -> str:",
     "Return the uppercase initials of a person's name for an avatar badge. Words are "
     "separated by spaces or hyphens; ignore empty words.",
     ["assert initials('Maren Tolvstad') == 'MT'",
      "assert initials('anne-marie van der Berg') == 'AMVDB'",
      "assert initials('  Quirin   ') == 'Q'",
      "assert initials('') == ''",
      "assert initials('Elske Bartek-Odile') == 'EBO'"]),
    ("dedupe_emails", "easy", "collections",
     "def dedupe_emails(emails: list[str]) -> list[str]:",
     "Clean a mailing list: strip surrounding whitespace, lowercase each address, drop empty "
     "strings and duplicates, and keep the order in which addresses first appear.",
     ["assert dedupe_emails([]) == []",
      "assert dedupe_emails(['A@x.io', 'a@x.io ', 'b@x.io']) == ['a@x.io', 'b@x.io']",
      "assert dedupe_emails(['  ', 'Z@q.com', 'y@q.com', 'z@Q.com']) == "
      "['z@q.com', 'y@q.com']",
      "assert dedupe_emails(['c@d.org']) == ['c@d.org']"]),
    ("latency_bucket", "easy", "monitoring",
     "def latency_bucket(ms: float) -> str:",
     "Classify a request latency in milliseconds for a dashboard: below 100 is 'fast', "
     "below 500 is 'ok', below 2000 is 'slow', anything else is 'critical'. A negative "
     "latency raises ValueError.",
     ["assert latency_bucket(0) == 'fast'",
      "assert latency_bucket(99.9) == 'fast'",
      "assert latency_bucket(100) == 'ok'",
      "assert latency_bucket(1999.99) == 'slow'",
      "assert latency_bucket(2000) == 'critical'",
      "try:\n    latency_bucket(-1)\n    assert False, 'no ValueError'\nexcept ValueError:\n"
      "    pass"]),
    ("sum_by_key", "easy", "collections",
     "def sum_by_key(records: list[dict], key: str, value: str) -> dict:",
     "Group records by the field named `key` and sum the field named `value` within each "
     "group. Return a dict mapping each group to its sum.",
     ["assert sum_by_key([], 'region', 'amount') == {}",
      "assert sum_by_key([{'region': 'north', 'amount': 5}, {'region': 'south', 'amount': 2},"
      " {'region': 'north', 'amount': 1}], 'region', 'amount') == {'north': 6, 'south': 2}",
      "assert sum_by_key([{'team': 'ops', 'hours': 1.5}, {'team': 'ops', 'hours': 2.5}], "
      "'team', 'hours') == {'ops': 4.0}",
      "assert sum_by_key([{'k': 1, 'v': 0}], 'k', 'v') == {1: 0}"]),
    ("parse_kv_config", "easy", "parsing",
     "def parse_kv_config(text: str) -> dict[str, str]:",
     "Parse a simple config file. Each line is 'key = value'. Strip whitespace around keys "
     "and values; only the first '=' splits (values may contain '='). Skip blank lines, lines "
     "starting with '#' (after leading spaces) and lines without '='. A later key overrides "
     "an earlier one.",
     ["assert parse_kv_config('') == {}",
      "assert parse_kv_config('host = db.internal\\nport=5432') == "
      "{'host': 'db.internal', 'port': '5432'}",
      "assert parse_kv_config('  # comment\\n\\nmode = a\\nmode = b') == {'mode': 'b'}",
      "assert parse_kv_config('dsn = user=x;pw=y') == {'dsn': 'user=x;pw=y'}",
      "assert parse_kv_config('novalue\\nempty =') == {'empty': ''}"]),
    ("is_strong_password", "easy", "validation",
     "def is_strong_password(password: str) -> bool:",
     "Our password policy: at least 12 characters, at least one uppercase letter, one "
     "lowercase letter, one digit, and one symbol from the set !@#$%^&*-_ . Return whether "
     "the password meets the policy.",
     ["assert is_strong_password('Tundra-Fox-2031') is True",
      "assert is_strong_password('Short-1a') is False",
      "assert is_strong_password('alllowercase-123') is False",
      "assert is_strong_password('NoSymbolsHere123') is False",
      "assert is_strong_password('No-Digits-Here-Ok') is False",
      "assert is_strong_password('Abcdefghij1_') is True",
      "assert is_strong_password('Abcdefghij1+') is False"]),
    ("chunk_list", "easy", "collections",
     "def chunk_list(items: list, size: int) -> list[list]:",
     "Split `items` into consecutive batches of `size` items for a bulk API; the last batch "
     "may be shorter. Raise ValueError when size is less than 1.",
     ["assert chunk_list([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]",
      "assert chunk_list([], 3) == []",
      "assert chunk_list(['a'], 5) == [['a']]",
      "assert chunk_list([1, 2, 3], 3) == [[1, 2, 3]]",
      "try:\n    chunk_list([1], 0)\n    assert False, 'no ValueError'\nexcept ValueError:\n"
      "    pass"]),
    ("seconds_to_hms", "easy", "dates",
     "def seconds_to_hms(seconds: int) -> str:",
     "Format a non-negative duration in seconds as 'HH:MM:SS' with two digits each for "
     "minutes and seconds and at least two for hours (hours may go past 24 and past 99).",
     ["assert seconds_to_hms(0) == '00:00:00'",
      "assert seconds_to_hms(59) == '00:00:59'",
      "assert seconds_to_hms(3661) == '01:01:01'",
      "assert seconds_to_hms(100000) == '27:46:40'",
      "assert seconds_to_hms(360000) == '100:00:00'"]),
    ("top_customers", "easy", "collections",
     "def top_customers(totals: dict[str, float], n: int) -> list[str]:",
     "Given each customer's yearly total, return the names of the `n` customers with the "
     "highest totals, highest first. Break ties by name in alphabetical order.",
     ["assert top_customers({'Avalo': 10.0, 'Brisk': 30.0, 'Corvel': 20.0}, 2) == "
      "['Brisk', 'Corvel']",
      "assert top_customers({'Zeta': 5.0, 'Alfa': 5.0, 'Mido': 1.0}, 2) == ['Alfa', 'Zeta']",
      "assert top_customers({}, 3) == []",
      "assert top_customers({'Solo': 1.0}, 5) == ['Solo']",
      "assert top_customers({'a': 1.0, 'b': 2.0}, 0) == []"]),
    ("slugify_title", "easy", "text",
     "def slugify_title(title: str) -> str:",
     "Make a URL slug from an article title: lowercase it, replace every run of characters "
     "that are not a-z or 0-9 with a single '-', and remove leading and trailing '-'.",
     ["assert slugify_title('Quarterly Results: Q3 2024') == 'quarterly-results-q3-2024'",
      "assert slugify_title('  Hello,   World!  ') == 'hello-world'",
      "assert slugify_title('---') == ''",
      "assert slugify_title('Déjà vu') == 'd-j-vu'",
      "assert slugify_title('already-a-slug') == 'already-a-slug'"]),
    ("cents_to_display", "easy", "finance",
     "def cents_to_display(cents: int) -> str:",
     "Format an amount in cents as dollars for an invoice: '$' then the dollars with ',' as "
     "thousands separator, '.', and two-digit cents. Negative amounts get a leading '-' "
     "before the '$'.",
     ["assert cents_to_display(123456) == '$1,234.56'",
      "assert cents_to_display(5) == '$0.05'",
      "assert cents_to_display(0) == '$0.00'",
      "assert cents_to_display(-500) == '-$5.00'",
      "assert cents_to_display(100000000) == '$1,000,000.00'"]),
    # --- medium -------------------------------------------------------------------------
    ("invoice_total", "medium", "finance",
     "def invoice_total(items: list[tuple[int, int]], tax_rate_percent: int) -> int:",
     "Compute an invoice total in cents. `items` are (unit_price_cents, quantity) pairs. "
     "Tax is `tax_rate_percent` percent of the subtotal, rounded to a whole cent with halves "
     "rounded up (0.5 cent becomes 1 cent). Return subtotal plus tax.",
     ["assert invoice_total([], 20) == 0",
      "assert invoice_total([(1000, 2), (250, 4)], 10) == 3300",
      "assert invoice_total([(1050, 1)], 5) == 1103",
      "assert invoice_total([(2050, 1)], 5) == 2153",
      "assert invoice_total([(999, 3)], 0) == 2997",
      "assert invoice_total([(333, 1)], 15) == 383"]),
    ("parse_log_line", "medium", "logs",
     "def parse_log_line(line: str) -> dict | None:",
     "Parse a service log line like '[2024-05-03 14:22:01] WARN  (billing-svc) Payment "
     "retry scheduled: id=88'. Return a dict with keys 'timestamp' (the text inside the "
     "brackets), 'level' (uppercase letters), 'service' (the text inside the parentheses) and "
     "'message' (the rest, without the separating spaces). Parts may be separated by one or "
     "more spaces; ignore surrounding whitespace of the line. Return None when the line does "
     "not have this shape.",
     ["assert parse_log_line('[2024-05-03 14:22:01] WARN  (billing-svc) Payment retry "
      "scheduled: id=88') == {'timestamp': '2024-05-03 14:22:01', 'level': 'WARN', "
      "'service': 'billing-svc', 'message': 'Payment retry scheduled: id=88'}",
      "assert parse_log_line('[2024-05-03 00:00:00] ERROR (auth) token (x) expired\\n') == "
      "{'timestamp': '2024-05-03 00:00:00', 'level': 'ERROR', 'service': 'auth', "
      "'message': 'token (x) expired'}",
      "assert parse_log_line('2024-05-03 14:22:01 WARN (svc) msg') is None",
      "assert parse_log_line('') is None",
      "assert parse_log_line('[2024-05-03 14:22:01] warn (svc) msg') is None"]),
    ("normalise_phone", "medium", "validation",
     "def normalise_phone(raw: str) -> str | None:",
     "Normalise a phone number to '+' followed by digits only. Spaces, dashes, dots and "
     "parentheses are ignored; any other character (a letter, say) makes it invalid. A number "
     "starting with '+' keeps its digits; one starting with '00' drops the '00'; one starting "
     "with a single '0' is national: replace that '0' with country code 46. Anything else is "
     "invalid. Valid results have 10 to 15 digits after the '+'. Return None when invalid.",
     ["assert normalise_phone('+44 20 7946 0018') == '+442079460018'",
      "assert normalise_phone('0044 (20) 7946-0018') == '+442079460018'",
      "assert normalise_phone('070-123 45 67') == '+46701234567'",
      "assert normalise_phone('701234567') is None",
      "assert normalise_phone('+1 555 CALL NOW') is None",
      "assert normalise_phone('+123') is None",
      "assert normalise_phone('08.123.45.67') == '+4681234567'"]),
    ("merge_date_ranges", "medium", "dates",
     "def merge_date_ranges(ranges: list[tuple[str, str]]) -> list[tuple[str, str]]:",
     "Merge booking periods. Each range is (start, end) as ISO dates 'YYYY-MM-DD', both "
     "inclusive. Merge ranges that overlap or touch (one ends the day before the next "
     "starts) and return the merged ranges sorted by start, as ISO date string tuples.",
     ["assert merge_date_ranges([]) == []",
      "assert merge_date_ranges([('2024-01-10', '2024-01-15'), ('2024-01-01', '2024-01-05')])"
      " == [('2024-01-01', '2024-01-05'), ('2024-01-10', '2024-01-15')]",
      "assert merge_date_ranges([('2024-01-01', '2024-01-05'), ('2024-01-06', '2024-01-08')])"
      " == [('2024-01-01', '2024-01-08')]",
      "assert merge_date_ranges([('2024-02-27', '2024-03-01'), ('2024-02-28', '2024-02-29')])"
      " == [('2024-02-27', '2024-03-01')]",
      "assert merge_date_ranges([('2023-12-31', '2023-12-31'), ('2024-01-01', '2024-01-02')])"
      " == [('2023-12-31', '2024-01-02')]",
      "assert merge_date_ranges([('2024-01-01', '2024-01-03'), ('2024-01-05', '2024-01-06')])"
      " == [('2024-01-01', '2024-01-03'), ('2024-01-05', '2024-01-06')]"]),
    ("account_code_check", "medium", "checksum",
     "def account_code_check(digits: str) -> str:",
     "Compute the check letter of an internal account number. Multiply the digits of the "
     "8-digit string by the weights 3, 7, 1, 3, 7, 1, 3, 7 (first digit by 3), add the "
     "products, take the sum modulo 23, and return the letter at that index in "
     "'ABCDEFGHJKLMNPRSTUVWXYZ' (index 0 is 'A').",
     ["assert account_code_check('00000000') == 'A'",
      "assert account_code_check('10000000') == 'D'",
      "assert account_code_check('12345678') == 'N'",
      "assert account_code_check('99999999') == 'N'",
      "assert account_code_check('01000000') == 'H'"]),
    ("account_code_valid", "medium", "checksum",
     "def account_code_valid(code: str) -> bool:",
     "Validate an account code like 'ACCT-12345678N': the text 'ACCT-', exactly 8 digits, "
     "then one check letter. The check letter is computed from the 8 digits: multiply them "
     "by the weights 3, 7, 1, 3, 7, 1, 3, 7, add the products, take the sum modulo 23 and "
     "pick that index of 'ABCDEFGHJKLMNPRSTUVWXYZ'. Return True only when the format is "
     "right and the letter matches.",
     ["assert account_code_valid('ACCT-12345678N') is True",
      "assert account_code_valid('ACCT-00000000A') is True",
      "assert account_code_valid('ACCT-12345678R') is False",
      "assert account_code_valid('ACCT-1234567N') is False",
      "assert account_code_valid('acct-12345678N') is False",
      "assert account_code_valid('ACCT-10000000D') is True"]),
    ("business_days_between", "medium", "dates",
     "def business_days_between(start: str, end: str, holidays: list[str]) -> int:",
     "Count working days from `start` (included) to `end` (excluded), both ISO dates. "
     "Working days are Monday to Friday, except dates listed in `holidays` (ISO dates). "
     "Return 0 when end is not after start.",
     ["assert business_days_between('2024-06-03', '2024-06-10', []) == 5",
      "assert business_days_between('2024-06-03', '2024-06-10', ['2024-06-05']) == 4",
      "assert business_days_between('2024-06-08', '2024-06-10', []) == 0",
      "assert business_days_between('2024-06-10', '2024-06-03', []) == 0",
      "assert business_days_between('2024-12-23', '2025-01-06', ['2024-12-25', '2024-12-26', "
      "'2025-01-01']) == 7",
      "assert business_days_between('2024-06-03', '2024-06-04', ['2024-06-08']) == 1"]),
    ("parse_duration", "medium", "parsing",
     "def parse_duration(text: str) -> int:",
     "Parse a timeout setting like '1h30m', '45s' or '2d 4h' into seconds. Units: d (day), "
     "h, m, s; each part is digits followed by a unit, parts may be separated by spaces and "
     "units may be upper or lower case. Raise ValueError for an empty or malformed string.",
     ["assert parse_duration('45s') == 45",
      "assert parse_duration('1h30m') == 5400",
      "assert parse_duration('2d 4h') == 187200",
      "assert parse_duration('1H 1M 1S') == 3661",
      "assert parse_duration('0m') == 0",
      "for bad in ['', '10', 'h1', '1x', '1.5h']:\n    try:\n        parse_duration(bad)\n"
      "        assert False, bad\n    except ValueError:\n        pass"]),
    ("prorate_charge", "medium", "finance",
     "def prorate_charge(monthly_cents: int, start_day: int, days_in_month: int) -> int:",
     "A subscription starting mid-month pays only for the days from `start_day` to the end "
     "of the month, both included: monthly_cents * days_used / days_in_month, rounded to a "
     "whole cent with halves rounded up.",
     ["assert prorate_charge(3000, 1, 30) == 3000",
      "assert prorate_charge(3000, 16, 30) == 1500",
      "assert prorate_charge(3100, 31, 31) == 100",
      "assert prorate_charge(1000, 15, 28) == 500",
      "assert prorate_charge(999, 20, 30) == 366",
      "assert prorate_charge(500, 2, 4) == 375"]),
    ("flatten_config", "medium", "collections",
     "def flatten_config(config: dict) -> dict:",
     "Flatten a nested settings dict into dotted keys: {'db': {'host': 'x'}} becomes "
     "{'db.host': 'x'}. Only non-empty dicts are descended into; lists, other values and "
     "empty dicts are kept as the value of their dotted key.",
     ["assert flatten_config({}) == {}",
      "assert flatten_config({'db': {'host': 'x', 'port': 5432}, 'debug': False}) == "
      "{'db.host': 'x', 'db.port': 5432, 'debug': False}",
      "assert flatten_config({'a': {'b': {'c': 1}}}) == {'a.b.c': 1}",
      "assert flatten_config({'a': {}, 'b': [1, {'c': 2}]}) == {'a': {}, 'b': [1, {'c': 2}]}",
      "assert flatten_config({'x': None}) == {'x': None}"]),
    ("parse_query_string", "medium", "parsing",
     "def parse_query_string(qs: str) -> dict[str, list[str]]:",
     "Parse a URL query string such as 'a=1&b=2&a=3' into a dict of lists of values, in "
     "order. A leading '?' is ignored, empty parts are skipped, a part without '=' has the "
     "value '', '+' means a space and %XX escapes are decoded (in keys and values).",
     ["assert parse_query_string('') == {}",
      "assert parse_query_string('a=1&b=2&a=3') == {'a': ['1', '3'], 'b': ['2']}",
      "assert parse_query_string('?q=big+blue%20box') == {'q': ['big blue box']}",
      "assert parse_query_string('flag&&x=') == {'flag': [''], 'x': ['']}",
      "assert parse_query_string('na%6De=J%C3%BCrg') == {'name': ['Jürg']}",
      "assert parse_query_string('eq=a=b') == {'eq': ['a=b']}"]),
    ("mask_emails", "medium", "text",
     "def mask_emails(text: str) -> str:",
     "Mask email addresses in free text before it goes to an analytics tool: keep the first "
     "character of the local part, replace the rest of the local part with '***', keep '@' "
     "and the domain. Local parts use letters, digits and ._%+- ; domains are letters, "
     "digits, dots and dashes ending in a dot and at least two letters. Leave other text "
     "unchanged.",
     ["assert mask_emails('no emails here') == 'no emails here'",
      "assert mask_emails('Contact jonas.berg@tollan-freight.example now') == "
      "'Contact j***@tollan-freight.example now'",
      "assert mask_emails('a@b.co, zed+ops@mail.corvel.io') == "
      "'a***@b.co, z***@mail.corvel.io'",
      "assert mask_emails('user@localhost') == 'user@localhost'",
      "assert mask_emails('(Mail: K_9@x-y.org)') == '(Mail: K***@x-y.org)'"]),
    ("running_balance", "medium", "finance",
     "def running_balance(transactions: list[tuple[str, int]], opening: int) -> list[int]:",
     "Replay account transactions in order starting from `opening` (cents). Each is "
     "('credit', amount) or ('debit', amount). A debit larger than the current balance is "
     "rejected and leaves the balance unchanged; any other kind is ignored. Return the "
     "balance after each transaction.",
     ["assert running_balance([], 100) == []",
      "assert running_balance([('credit', 50), ('debit', 30)], 0) == [50, 20]",
      "assert running_balance([('debit', 10)], 5) == [5]",
      "assert running_balance([('debit', 5)], 5) == [0]",
      "assert running_balance([('refund', 5), ('credit', 1)], 10) == [10, 11]",
      "assert running_balance([('debit', 100), ('credit', 100), ('debit', 100)], 0) == "
      "[0, 100, 0]"]),
    ("reorder_quantities", "medium", "inventory",
     "def reorder_quantities(stock: dict[str, int], reorder_levels: dict[str, int], "
     "pack_size: int) -> dict[str, int]:",
     "For every SKU in `reorder_levels` whose stock (missing from `stock` means 0) is at or "
     "below its reorder level, order enough to bring it to twice the reorder level, rounded "
     "up to a whole number of packs of `pack_size`. Return SKU -> units to order, only for "
     "SKUs that need an order.",
     ["assert reorder_quantities({}, {}, 10) == {}",
      "assert reorder_quantities({'A': 50}, {'A': 20}, 10) == {}",
      "assert reorder_quantities({'A': 20}, {'A': 20}, 10) == {'A': 20}",
      "assert reorder_quantities({'A': 5}, {'A': 20}, 10) == {'A': 40}",
      "assert reorder_quantities({}, {'B': 7}, 6) == {'B': 18}",
      "assert reorder_quantities({'A': 3, 'C': 1}, {'A': 2, 'C': 2}, 4) == {'C': 4}"]),
    ("overtime_pay", "medium", "finance",
     "def overtime_pay(hours: list[float], rate_cents: int) -> int:",
     "Compute a week's pay in cents from hours worked per day and the hourly rate in cents. "
     "Per day: the first 8 hours are paid at the rate, hours above 8 up to 12 at 1.5 times "
     "the rate, hours above 12 at 2 times the rate. Round the week's total to a whole cent "
     "with halves rounded up.",
     ["assert overtime_pay([], 2000) == 0",
      "assert overtime_pay([8, 8, 8, 8, 8], 2000) == 80000",
      "assert overtime_pay([10], 2000) == 22000",
      "assert overtime_pay([13], 1000) == 16000",
      "assert overtime_pay([8.5], 1001) == 8759",
      "assert overtime_pay([0, 12.25], 1000) == 14500"]),
    ("sla_breaches", "medium", "dates",
     "def sla_breaches(tickets: list[dict], now: str) -> list[str]:",
     "Find support tickets that breached their SLA. Each ticket has 'id', 'priority' ('P1', "
     "'P2' or 'P3'), 'opened_at' and 'resolved_at' (ISO datetimes like '2024-05-01T09:00:00';"
     " resolved_at may be None for open tickets). Allowed time: P1 4 hours, P2 24 hours, P3 "
     "72 hours. A ticket breaches when (resolved_at, or `now` if still open) minus opened_at "
     "is more than the allowed time (exactly the limit is fine). Return breaching ids sorted.",
     ["assert sla_breaches([], '2024-05-01T00:00:00') == []",
      "assert sla_breaches([{'id': 'T1', 'priority': 'P1', 'opened_at': '2024-05-01T09:00:00',"
      " 'resolved_at': '2024-05-01T13:00:00'}], '2024-05-09T00:00:00') == []",
      "assert sla_breaches([{'id': 'T1', 'priority': 'P1', 'opened_at': '2024-05-01T09:00:00',"
      " 'resolved_at': '2024-05-01T13:00:01'}], '2024-05-09T00:00:00') == ['T1']",
      "assert sla_breaches([{'id': 'T9', 'priority': 'P3', 'opened_at': '2024-05-01T09:00:00',"
      " 'resolved_at': None}, {'id': 'T2', 'priority': 'P2', 'opened_at': "
      "'2024-05-03T09:00:00', 'resolved_at': None}], '2024-05-04T10:00:00') == ['T2', 'T9']",
      "assert sla_breaches([{'id': 'T5', 'priority': 'P2', 'opened_at': '2024-05-01T09:00:00',"
      " 'resolved_at': None}], '2024-05-02T08:00:00') == []"]),
    ("group_by_department", "medium", "collections",
     "def group_by_department(employees: list[dict]) -> dict[str, list[str]]:",
     "Group employee records ({'name': ..., 'department': ...}) into department -> sorted "
     "list of names. Records with a missing, None or empty department go under "
     "'unassigned'.",
     ["assert group_by_department([]) == {}",
      "assert group_by_department([{'name': 'Viggo', 'department': 'Ops'}, {'name': 'Aino', "
      "'department': 'Ops'}]) == {'Ops': ['Aino', 'Viggo']}",
      "assert group_by_department([{'name': 'Lev'}, {'name': 'Ilse', 'department': None}, "
      "{'name': 'Dario', 'department': ''}]) == {'unassigned': ['Dario', 'Ilse', 'Lev']}",
      "assert group_by_department([{'name': 'Kaia', 'department': 'Legal'}, {'name': 'Urs', "
      "'department': 'Sales'}]) == {'Legal': ['Kaia'], 'Sales': ['Urs']}"]),
    ("tiered_price", "medium", "finance",
     "def tiered_price(units: int) -> int:",
     "Price API usage in cents with graduated tiers: the first 100 units cost 10 cents each, "
     "the next 900 units (101 to 1000) 8 cents each, every unit above 1000 costs 6 cents.",
     ["assert tiered_price(0) == 0",
      "assert tiered_price(1) == 10",
      "assert tiered_price(100) == 1000",
      "assert tiered_price(101) == 1008",
      "assert tiered_price(1000) == 8200",
      "assert tiered_price(1500) == 11200"]),
    ("moving_average", "medium", "monitoring",
     "def moving_average(values: list[float], window: int) -> list[float]:",
     "Return the simple moving averages of `values` over each full window of `window` "
     "consecutive values, each rounded to 2 decimals with round(). Fewer values than the "
     "window give an empty list. Raise ValueError when window is less than 1.",
     ["assert moving_average([1, 2, 3, 4], 2) == [1.5, 2.5, 3.5]",
      "assert moving_average([1, 2], 3) == []",
      "assert moving_average([5.0], 1) == [5.0]",
      "assert moving_average([1, 1, 2], 3) == [1.33]",
      "try:\n    moving_average([1], 0)\n    assert False, 'no ValueError'\nexcept ValueError:\n"
      "    pass"]),
    ("iso_week_label", "medium", "dates",
     "def iso_week_label(day: str) -> str:",
     "Return the ISO-8601 week label of an ISO date, like '2024-W07', for weekly reports: the "
     "ISO week-numbering year, '-W', and the two-digit ISO week number.",
     ["assert iso_week_label('2024-02-14') == '2024-W07'",
      "assert iso_week_label('2024-12-30') == '2025-W01'",
      "assert iso_week_label('2021-01-03') == '2020-W53'",
      "assert iso_week_label('2023-01-02') == '2023-W01'"]),
    ("compress_ids", "medium", "text",
     "def compress_ids(ids: list[int]) -> str:",
     "Write a list of record ids compactly: sort them, drop duplicates, and join runs of "
     "consecutive ids as 'first-last' and single ids as themselves, separated by ','.",
     ["assert compress_ids([]) == ''",
      "assert compress_ids([1, 2, 3, 5, 7, 8]) == '1-3,5,7-8'",
      "assert compress_ids([4, 2, 3, 3]) == '2-4'",
      "assert compress_ids([10]) == '10'",
      "assert compress_ids([1, 3, 5]) == '1,3,5'"]),
    ("lru_hits", "medium", "algorithms",
     "def lru_hits(requests: list[str], capacity: int) -> int:",
     "Simulate a least-recently-used cache of `capacity` keys over a list of requested keys "
     "and return the number of hits. A hit makes the key most recently used; a miss inserts "
     "the key and, if the cache is then over capacity, evicts the least recently used key. "
     "A capacity of 0 caches nothing.",
     ["assert lru_hits([], 2) == 0",
      "assert lru_hits(['a', 'a', 'a'], 1) == 2",
      "assert lru_hits(['a', 'b', 'a', 'c', 'b'], 2) == 1",
      "assert lru_hits(['a', 'b', 'a', 'c', 'a'], 2) == 2",
      "assert lru_hits(['x', 'x'], 0) == 0"]),
    ("next_invoice_number", "medium", "finance",
     "def next_invoice_number(last: str, year: int) -> str:",
     "Invoice numbers look like 'INV-2024-0099': the year and a counter of at least four "
     "digits. Given the last issued number and the current year, return the next number: the "
     "counter plus one in the same year (zero-padded to four digits, more digits when it "
     "passes 9999), or 'INV-<year>-0001' when the year has changed.",
     ["assert next_invoice_number('INV-2024-0099', 2024) == 'INV-2024-0100'",
      "assert next_invoice_number('INV-2024-0001', 2024) == 'INV-2024-0002'",
      "assert next_invoice_number('INV-2024-0457', 2025) == 'INV-2025-0001'",
      "assert next_invoice_number('INV-2024-9999', 2024) == 'INV-2024-10000'"]),
    # --- hard ---------------------------------------------------------------------------
    ("semver_compare", "hard", "parsing",
     "def semver_compare(a: str, b: str) -> int:",
     "Compare two version strings like '1.4.2' or '2.0.0-rc.1'; return -1, 0 or 1. Compare "
     "major, minor, patch numerically; missing parts count as 0 ('1.2' equals '1.2.0'). A "
     "version with a pre-release part (after '-') is lower than the same version without "
     "one. Pre-release parts are compared identifier by identifier (split on '.'): numeric "
     "ones numerically, others as strings, a numeric identifier is lower than a non-numeric "
     "one, and if all shared identifiers are equal the one with fewer identifiers is lower.",
     ["assert semver_compare('1.2.10', '1.2.9') == 1",
      "assert semver_compare('1.2', '1.2.0') == 0",
      "assert semver_compare('2.0.0-rc.1', '2.0.0') == -1",
      "assert semver_compare('2.0.0-rc.2', '2.0.0-rc.10') == -1",
      "assert semver_compare('1.0.0-alpha', '1.0.0-alpha.1') == -1",
      "assert semver_compare('1.0.0-beta', '1.0.0-alpha.9') == 1",
      "assert semver_compare('1.0.0-1', '1.0.0-a') == -1",
      "assert semver_compare('0.9.9', '1') == -1"]),
    ("split_csv_line", "hard", "parsing",
     "def split_csv_line(line: str) -> list[str]:",
     "Split one line of a CSV export into fields without using the csv module. Fields are "
     "separated by ','. A field may be wrapped in double quotes, and then may contain commas; "
     "inside quotes, two double quotes stand for one. The quotes themselves are not part of "
     "the value. An empty line is one empty field.",
     ["assert split_csv_line('a,b,c') == ['a', 'b', 'c']",
      "assert split_csv_line('') == ['']",
      "assert split_csv_line('a,,c,') == ['a', '', 'c', '']",
      "assert split_csv_line('\"Tollan, Ltd\",42') == ['Tollan, Ltd', '42']",
      "assert split_csv_line('\"say \"\"hi\"\"\",x') == ['say \"hi\"', 'x']",
      "assert split_csv_line('\"\",\"a,b\",\"\"\"\"') == ['', 'a,b', '\"']",
      "assert split_csv_line('id,\"multi, part, name\",2024-01-01') == "
      "['id', 'multi, part, name', '2024-01-01']"]),
    ("rate_limit", "hard", "algorithms",
     "def rate_limit(timestamps: list[float], window_s: float, limit: int) -> list[bool]:",
     "An API gateway allows at most `limit` requests in any sliding window of `window_s` "
     "seconds. Requests arrive at the given timestamps (seconds, non-decreasing). A request "
     "at time t is accepted when fewer than `limit` accepted requests have timestamps in "
     "(t - window_s, t]; rejected requests do not count. Return accepted/rejected per request.",
     ["assert rate_limit([], 1.0, 3) == []",
      "assert rate_limit([0, 0.1, 0.2, 0.3], 1.0, 3) == [True, True, True, False]",
      "assert rate_limit([0, 0.5, 1.0, 1.5], 1.0, 2) == [True, True, True, True]",
      "assert rate_limit([0, 0.5, 0.9, 1.0], 1.0, 2) == [True, True, False, True]",
      "assert rate_limit([0, 0, 0, 10], 5.0, 1) == [True, False, False, True]",
      "assert rate_limit([1, 2, 3], 10.0, 0) == [False, False, False]"]),
    ("allocate_amount", "hard", "finance",
     "def allocate_amount(total_cents: int, weights: list[int]) -> list[int]:",
     "Split a non-negative amount in cents across cost centres by positive integer weights so "
     "the parts add up exactly to the total. Give each part the floor of total * weight / "
     "sum(weights), then hand out the remaining cents one each to the parts with the largest "
     "remainders of that division, ties going to the earlier part.",
     ["assert allocate_amount(100, [1, 1, 1]) == [34, 33, 33]",
      "assert allocate_amount(0, [2, 3]) == [0, 0]",
      "assert allocate_amount(1000, [1, 3]) == [250, 750]",
      "assert allocate_amount(10, [3, 3, 1]) == [4, 4, 2]",
      "assert allocate_amount(7, [5]) == [7]",
      "assert sum(allocate_amount(999, [7, 11, 13, 17])) == 999",
      "assert allocate_amount(5, [1, 2, 2]) == [1, 2, 2]"]),
    ("cron_matches", "hard", "parsing",
     "def cron_matches(expr: str, minute: int, hour: int) -> bool:",
     "Our job scheduler uses a two-field cron expression 'MINUTE HOUR' (minutes 0-59, hours "
     "0-23). Each field is a comma-separated list of items; an item is '*', a number, a "
     "range 'a-b' (inclusive), and any of these may end in '/n' meaning every n-th value "
     "starting from the start of the item ('*' starts at 0). Return whether the time matches "
     "both fields.",
     ["assert cron_matches('* *', 0, 0) is True",
      "assert cron_matches('*/15 9-17', 30, 12) is True",
      "assert cron_matches('*/15 9-17', 31, 12) is False",
      "assert cron_matches('*/15 9-17', 0, 18) is False",
      "assert cron_matches('5,35 */6', 35, 18) is True",
      "assert cron_matches('10-50/20 *', 50, 3) is True",
      "assert cron_matches('10-50/20 *', 40, 3) is False",
      "assert cron_matches('0 0', 0, 12) is False"]),
    ("diff_config", "hard", "collections",
     "def diff_config(old: dict, new: dict) -> list[str]:",
     "Describe how a flat config changed for an audit log: '+ key' for keys only in `new`, "
     "'- key' for keys only in `old`, '~ key' for keys in both with different values. "
     "Unchanged keys are not listed. Return the lines sorted by key.",
     ["assert diff_config({}, {}) == []",
      "assert diff_config({'a': 1}, {'a': 1}) == []",
      "assert diff_config({'a': 1, 'b': 2}, {'b': 3, 'c': 4}) == ['- a', '~ b', '+ c']",
      "assert diff_config({'z': None}, {'z': 0}) == ['~ z']",
      "assert diff_config({'timeout': 30}, {}) == ['- timeout']"]),
    ("deploy_order", "hard", "algorithms",
     "def deploy_order(deps: dict[str, list[str]]) -> list[str]:",
     "Plan a deployment: `deps` maps a service to the services that must be deployed before "
     "it (services that only appear as dependencies have none). Return every service in an "
     "order where dependencies come first; whenever several services are ready, take the "
     "alphabetically smallest. Raise ValueError if the dependencies form a cycle.",
     ["assert deploy_order({}) == []",
      "assert deploy_order({'api': ['db'], 'web': ['api']}) == ['db', 'api', 'web']",
      "assert deploy_order({'b': [], 'a': [], 'c': ['a']}) == ['a', 'b', 'c']",
      "assert deploy_order({'web': ['cache', 'api'], 'api': ['db'], 'cache': []}) == "
      "['cache', 'db', 'api', 'web']",
      "try:\n    deploy_order({'a': ['b'], 'b': ['a']})\n    assert False, 'no ValueError'\n"
      "except ValueError:\n    pass"]),
    ("parse_money", "hard", "parsing",
     "def parse_money(text: str) -> int:",
     "Parse a money amount typed by users in different locales into cents: '$1,234.56', "
     "'1.234,56 EUR', '€12', '-0,99' are all possible. Ignore currency symbols, letters and "
     "spaces; a leading '-' makes it negative. If the last '.' or ',' is followed by exactly "
     "two digits at the end, it is the decimal separator; every other '.' or ',' is a "
     "thousands separator.",
     ["assert parse_money('$1,234.56') == 123456",
      "assert parse_money('1.234,56 EUR') == 123456",
      "assert parse_money('€12') == 1200",
      "assert parse_money('CHF 1 000 000') == 100000000",
      "assert parse_money('-0,99') == -99",
      "assert parse_money('1,234') == 123400",
      "assert parse_money('12.30 USD') == 1230"]),
    ("expand_ids", "hard", "parsing",
     "def expand_ids(spec: str) -> list[int]:",
     "Expand an id selection like '1-3,7, 9-10' into a sorted list of unique ids. Items are "
     "separated by ','; spaces are ignored; empty items are skipped; 'a-b' is inclusive. "
     "Raise ValueError for a range whose start is greater than its end or for an item that "
     "is not a number or range.",
     ["assert expand_ids('') == []",
      "assert expand_ids('1-3,7, 9-10') == [1, 2, 3, 7, 9, 10]",
      "assert expand_ids('5,3,5,4-5') == [3, 4, 5]",
      "assert expand_ids('2-2,,') == [2]",
      "for bad in ['5-3', 'x', '1-']:\n    try:\n        expand_ids(bad)\n"
      "        assert False, bad\n    except ValueError:\n        pass"]),
    ("redact_secrets", "hard", "logs",
     "def redact_secrets(line: str) -> str:",
     "Redact secrets in a log line before shipping it. After any of the words password, "
     "token, api_key or secret (any letter case, as a whole word) followed by '=' or ':' "
     "(with optional spaces around it), replace the value with '***'. The value is either a "
     "double-quoted string (quotes included) or everything up to the next whitespace. Keep "
     "the key and separator as written.",
     ["assert redact_secrets('user=ana password=hunter2 ok') == "
      "'user=ana password=*** ok'",
      "assert redact_secrets('Token: abc.def ttl=60') == 'Token: *** ttl=60'",
      "assert redact_secrets('api_key = \"k 1 2\" done') == 'api_key = *** done'",
      "assert redact_secrets('nothing to hide') == 'nothing to hide'",
      "assert redact_secrets('mytoken=abc secret=s1') == 'mytoken=abc secret=***'"]),
    ("vat_id_valid", "hard", "checksum",
     "def vat_id_valid(vat: str) -> bool:",
     "Validate a supplier tax id of the form 'ZV' followed by exactly 9 digits. The last "
     "digit is a check digit: multiply the first 8 digits by their position (1 to 8), add the "
     "products, take the sum modulo 11 and then modulo 10; it must equal the 9th digit.",
     ["assert vat_id_valid('ZV123456786') is True",
      "assert vat_id_valid('ZV123456785') is False",
      "assert vat_id_valid('ZV000000000') is True",
      "assert vat_id_valid('ZV12345678') is False",
      "assert vat_id_valid('zv123456786') is False",
      "assert vat_id_valid('ZV999999995') is True",
      "assert vat_id_valid('ZV1234567860') is False",
      "assert vat_id_valid('ZV200000010') is True"]),
    ("reconcile", "hard", "finance",
     "def reconcile(bank: list[tuple[str, int]], book: list[tuple[str, int]]) -> "
     "dict[str, list[str]]:",
     "Reconcile bank statement lines with ledger entries. Both are (reference, amount_cents) "
     "pairs with unique references. Return {'missing_in_book': refs only in bank, "
     "'missing_in_bank': refs only in book, 'amount_mismatch': refs in both with different "
     "amounts}, each list sorted.",
     ["assert reconcile([], []) == {'missing_in_book': [], 'missing_in_bank': [], "
      "'amount_mismatch': []}",
      "assert reconcile([('R1', 100)], [('R1', 100)]) == {'missing_in_book': [], "
      "'missing_in_bank': [], 'amount_mismatch': []}",
      "assert reconcile([('R2', 5), ('R1', 100)], [('R1', 90), ('R3', 7)]) == "
      "{'missing_in_book': ['R2'], 'missing_in_bank': ['R3'], 'amount_mismatch': ['R1']}",
      "assert reconcile([('B', 1), ('A', 1)], []) == {'missing_in_book': ['A', 'B'], "
      "'missing_in_bank': [], 'amount_mismatch': []}"]),
    ("wrap_text", "hard", "text",
     "def wrap_text(text: str, width: int) -> list[str]:",
     "Word-wrap text for a fixed-width receipt printer. Words are separated by whitespace. "
     "Fill each line greedily with as many words as fit (joined by single spaces, at most "
     "`width` characters). A word longer than `width` starts on a new line and is cut into "
     "pieces of `width` characters; its last piece may be followed by more words on the "
     "same line.",
     ["assert wrap_text('', 10) == []",
      "assert wrap_text('the quick brown fox', 10) == ['the quick', 'brown fox']",
      "assert wrap_text('a b c', 1) == ['a', 'b', 'c']",
      "assert wrap_text('ab abcdefgh c', 3) == ['ab', 'abc', 'def', 'gh', 'c']",
      "assert wrap_text('  spaced   out  ', 20) == ['spaced out']",
      "assert wrap_text('abcdef x', 3) == ['abc', 'def', 'x']",
      "assert wrap_text('abcd x', 3) == ['abc', 'd x']"]),
    ("percentile_nearest_rank", "hard", "monitoring",
     "def percentile_nearest_rank(values: list[float], p: float) -> float:",
     "Return the p-th percentile of latency samples by the nearest-rank method: sort the "
     "values and take the one at rank ceil(p / 100 * n) (ranks start at 1). Raise ValueError "
     "for an empty list or when p is not in (0, 100].",
     ["assert percentile_nearest_rank([15, 20, 35, 40, 50], 30) == 20",
      "assert percentile_nearest_rank([15, 20, 35, 40, 50], 100) == 50",
      "assert percentile_nearest_rank([3, 1, 2], 50) == 2",
      "assert percentile_nearest_rank([7], 1) == 7",
      "assert percentile_nearest_rank([1, 2, 3, 4], 75) == 3",
      "for bad in [([], 50), ([1], 0), ([1], 101)]:\n    try:\n"
      "        percentile_nearest_rank(*bad)\n        assert False, bad\n"
      "    except ValueError:\n        pass"]),
    ("shift_coverage_gaps", "hard", "dates",
     "def shift_coverage_gaps(shifts: list[tuple[int, int]], open_hour: int, close_hour: int)"
     " -> list[tuple[int, int]]:",
     "A help desk is open from `open_hour` to `close_hour`. Staff shifts are (start, end) "
     "hours, end exclusive, possibly overlapping and possibly reaching outside opening hours. "
     "Return the uncovered periods within opening hours as (start, end) pairs in order.",
     ["assert shift_coverage_gaps([], 9, 17) == [(9, 17)]",
      "assert shift_coverage_gaps([(9, 17)], 9, 17) == []",
      "assert shift_coverage_gaps([(10, 12), (14, 16)], 9, 17) == [(9, 10), (12, 14), "
      "(16, 17)]",
      "assert shift_coverage_gaps([(8, 11), (10, 13), (13, 18)], 9, 17) == []",
      "assert shift_coverage_gaps([(12, 20), (6, 10)], 9, 17) == [(10, 12)]",
      "assert shift_coverage_gaps([(1, 3)], 9, 17) == [(9, 17)]"]),
]


def generate() -> list[dict]:
    """The case rows, in TASKS order."""
    rows = []
    for entry, difficulty, domain, signature, prompt, tests in TASKS:
        rows.append({
            "id": entry.replace("_", "-"),
            "input": {"prompt": prompt, "signature": signature},
            "expected": {"entry_point": entry, "tests": tests},
            "tags": [f"difficulty:{difficulty}", f"domain:{domain}"],
        })
    return rows


def render(rows: list[dict]) -> str:
    """The JSONL text: one case per line, keys in a fixed order, UTF-8 kept readable."""
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def main() -> None:
    out = HERE / "cases.jsonl"
    out.write_text(render(generate()), encoding="utf-8")
    print(f"wrote {len(TASKS)} cases to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
