"""Reference solutions for the code_generation cases: one function per case, named by the
case's entry point. Never shown to a model and not part of the case file; the tests run this
whole module as `solution.py` against every case's hidden tests in the sandbox, which proves
each case is solvable as described and its tests are right.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict, defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import unquote_plus

# --- easy -----------------------------------------------------------------------------------


def mask_card_number(number: str) -> str:
    total = sum(c.isdigit() for c in number)
    seen = 0
    out = []
    for c in number:
        if c.isdigit():
            seen += 1
            out.append(c if seen > total - 4 else "*")
        else:
            out.append(c)
    return "".join(out)


def count_log_levels(lines: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in lines:
        parts = line.split()
        if len(parts) >= 2:
            counts[parts[1]] = counts.get(parts[1], 0) + 1
    return counts


def sku_is_valid(sku: str) -> bool:
    return re.fullmatch(r"[A-Z]{3}-\d{4}-[A-Z0-9]", sku) is not None


def truncate_title(title: str, limit: int) -> str:
    if len(title) <= limit:
        return title
    return title[: limit - 3].rstrip() + "..."


def percent_change(old: float, new: float) -> float | None:
    if old == 0:
        return None
    return round((new - old) / abs(old) * 100, 1)


def initials(full_name: str) -> str:
    return "".join(w[0].upper() for w in re.split(r"[\s-]+", full_name) if w)


def dedupe_emails(emails: list[str]) -> list[str]:
    seen: list[str] = []
    for e in emails:
        e = e.strip().lower()
        if e and e not in seen:
            seen.append(e)
    return seen


def latency_bucket(ms: float) -> str:
    if ms < 0:
        raise ValueError("negative latency")
    if ms < 100:
        return "fast"
    if ms < 500:
        return "ok"
    if ms < 2000:
        return "slow"
    return "critical"


def sum_by_key(records: list[dict], key: str, value: str) -> dict:
    out: dict = {}
    for r in records:
        out[r[key]] = out.get(r[key], 0) + r[value]
    return out


def parse_kv_config(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        k, v = line.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def is_strong_password(password: str) -> bool:
    return (len(password) >= 12 and any(c.isupper() for c in password)
            and any(c.islower() for c in password) and any(c.isdigit() for c in password)
            and any(c in "!@#$%^&*-_" for c in password))


def chunk_list(items: list, size: int) -> list[list]:
    if size < 1:
        raise ValueError("size must be at least 1")
    return [items[i:i + size] for i in range(0, len(items), size)]


def seconds_to_hms(seconds: int) -> str:
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}:{s:02d}"


def top_customers(totals: dict[str, float], n: int) -> list[str]:
    return [k for k, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


def slugify_title(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def cents_to_display(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    dollars, rest = divmod(abs(cents), 100)
    return f"{sign}${dollars:,}.{rest:02d}"


# --- medium ---------------------------------------------------------------------------------


def invoice_total(items: list[tuple[int, int]], tax_rate_percent: int) -> int:
    subtotal = sum(price * qty for price, qty in items)
    tax = (Decimal(subtotal) * tax_rate_percent / 100).quantize(Decimal(1), ROUND_HALF_UP)
    return subtotal + int(tax)


def parse_log_line(line: str) -> dict | None:
    m = re.fullmatch(r"\[(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})\]\s+([A-Z]+)\s+\(([^)]+)\)\s+(.*)",
                     line.strip())
    if not m:
        return None
    return {"timestamp": m.group(1), "level": m.group(2), "service": m.group(3),
            "message": m.group(4)}


def normalise_phone(raw: str) -> str | None:
    s = raw.strip()
    if re.search(r"[^\d\s()+.-]", s):
        return None
    digits = re.sub(r"\D", "", s)
    if s.startswith("+"):
        pass
    elif digits.startswith("00"):
        digits = digits[2:]
    elif digits.startswith("0"):
        digits = "46" + digits[1:]
    else:
        return None
    return "+" + digits if 10 <= len(digits) <= 15 else None


def merge_date_ranges(ranges: list[tuple[str, str]]) -> list[tuple[str, str]]:
    spans = sorted((date.fromisoformat(a), date.fromisoformat(b)) for a, b in ranges)
    merged: list[list[date]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1] + timedelta(days=1):
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a.isoformat(), b.isoformat()) for a, b in merged]


_CHECK_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def account_code_check(digits: str) -> str:
    total = sum(int(d) * (3, 7, 1)[i % 3] for i, d in enumerate(digits))
    return _CHECK_LETTERS[total % 23]


def account_code_valid(code: str) -> bool:
    m = re.fullmatch(r"ACCT-(\d{8})([A-Z])", code)
    return bool(m) and account_code_check(m.group(1)) == m.group(2)


def business_days_between(start: str, end: str, holidays: list[str]) -> int:
    d, stop = date.fromisoformat(start), date.fromisoformat(end)
    off = {date.fromisoformat(h) for h in holidays}
    n = 0
    while d < stop:
        if d.weekday() < 5 and d not in off:
            n += 1
        d += timedelta(days=1)
    return n


def parse_duration(text: str) -> int:
    s = text.replace(" ", "").lower()
    if not s or not re.fullmatch(r"(\d+[dhms])+", s):
        raise ValueError(f"bad duration {text!r}")
    units = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([dhms])", s))


def prorate_charge(monthly_cents: int, start_day: int, days_in_month: int) -> int:
    days = days_in_month - start_day + 1
    value = Decimal(monthly_cents) * days / days_in_month
    return int(value.quantize(Decimal(1), ROUND_HALF_UP))


def flatten_config(config: dict) -> dict:
    out: dict = {}

    def walk(d: dict, prefix: str) -> None:
        for k, v in d.items():
            key = f"{prefix}.{k}" if prefix else str(k)
            if isinstance(v, dict) and v:
                walk(v, key)
            else:
                out[key] = v

    walk(config, "")
    return out


def parse_query_string(qs: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in qs.lstrip("?").split("&"):
        if not part:
            continue
        k, _, v = part.partition("=")
        out.setdefault(unquote_plus(k), []).append(unquote_plus(v))
    return out


def mask_emails(text: str) -> str:
    return re.sub(r"\b([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b",
                  r"\1***@\2", text)


def running_balance(transactions: list[tuple[str, int]], opening: int) -> list[int]:
    balance = opening
    out = []
    for kind, amount in transactions:
        if kind == "credit":
            balance += amount
        elif kind == "debit" and amount <= balance:
            balance -= amount
        out.append(balance)
    return out


def reorder_quantities(stock: dict[str, int], reorder_levels: dict[str, int],
                       pack_size: int) -> dict[str, int]:
    out = {}
    for sku, level in reorder_levels.items():
        have = stock.get(sku, 0)
        if have <= level:
            need = 2 * level - have
            out[sku] = -(-need // pack_size) * pack_size
    return out


def overtime_pay(hours: list[float], rate_cents: int) -> int:
    total = Decimal(0)
    for h in hours:
        h = Decimal(str(h))
        regular = min(h, Decimal(8))
        ot = min(max(h - 8, Decimal(0)), Decimal(4))
        double = max(h - 12, Decimal(0))
        total += (regular + ot * Decimal("1.5") + double * 2) * rate_cents
    return int(total.quantize(Decimal(1), ROUND_HALF_UP))


def sla_breaches(tickets: list[dict], now: str) -> list[str]:
    limits = {"P1": 4, "P2": 24, "P3": 72}
    now_dt = datetime.fromisoformat(now)
    out = []
    for t in tickets:
        end = datetime.fromisoformat(t["resolved_at"]) if t.get("resolved_at") else now_dt
        if end - datetime.fromisoformat(t["opened_at"]) > timedelta(hours=limits[t["priority"]]):
            out.append(t["id"])
    return sorted(out)


def group_by_department(employees: list[dict]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for e in employees:
        out[e.get("department") or "unassigned"].append(e["name"])
    return {k: sorted(v) for k, v in out.items()}


def tiered_price(units: int) -> int:
    tiers = [(100, 10), (900, 8), (math.inf, 6)]
    total, left = 0, units
    for size, price in tiers:
        take = min(left, size)
        total += int(take) * price
        left -= take
        if left <= 0:
            break
    return total


def moving_average(values: list[float], window: int) -> list[float]:
    if window < 1:
        raise ValueError("window must be at least 1")
    return [round(sum(values[i - window + 1:i + 1]) / window, 2)
            for i in range(window - 1, len(values))]


def iso_week_label(day: str) -> str:
    y, w, _ = date.fromisoformat(day).isocalendar()
    return f"{y}-W{w:02d}"


def compress_ids(ids: list[int]) -> str:
    vals = sorted(set(ids))
    parts = []
    i = 0
    while i < len(vals):
        j = i
        while j + 1 < len(vals) and vals[j + 1] == vals[j] + 1:
            j += 1
        parts.append(str(vals[i]) if i == j else f"{vals[i]}-{vals[j]}")
        i = j + 1
    return ",".join(parts)


def lru_hits(requests: list[str], capacity: int) -> int:
    cache: OrderedDict[str, None] = OrderedDict()
    hits = 0
    for r in requests:
        if r in cache:
            hits += 1
            cache.move_to_end(r)
        else:
            if capacity <= 0:
                continue
            cache[r] = None
            if len(cache) > capacity:
                cache.popitem(last=False)
    return hits


def next_invoice_number(last: str, year: int) -> str:
    _, y, n = last.split("-")
    if int(y) != year:
        return f"INV-{year}-0001"
    return f"INV-{year}-{int(n) + 1:04d}"


# --- hard -----------------------------------------------------------------------------------


def semver_compare(a: str, b: str) -> int:
    def key(v: str) -> tuple:
        core, _, pre = v.partition("-")
        nums = [int(x) for x in core.split(".")]
        nums += [0] * (3 - len(nums))
        return tuple(nums), pre

    def cmp_pre(p: str, q: str) -> int:
        if p == q:
            return 0
        if not p:
            return 1
        if not q:
            return -1
        for x, y in zip(p.split("."), q.split("."), strict=False):
            if x == y:
                continue
            if x.isdigit() and y.isdigit():
                return 1 if int(x) > int(y) else -1
            if x.isdigit():
                return -1
            if y.isdigit():
                return 1
            return 1 if x > y else -1
        return 1 if len(p.split(".")) > len(q.split(".")) else -1

    (na, pa), (nb, pb) = key(a), key(b)
    if na != nb:
        return 1 if na > nb else -1
    return cmp_pre(pa, pb)


def split_csv_line(line: str) -> list[str]:
    fields, cur, i, quoted = [], [], 0, False
    while i < len(line):
        c = line[i]
        if quoted:
            if c == '"' and i + 1 < len(line) and line[i + 1] == '"':
                cur.append('"')
                i += 1
            elif c == '"':
                quoted = False
            else:
                cur.append(c)
        elif c == '"':
            quoted = True
        elif c == ",":
            fields.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    fields.append("".join(cur))
    return fields


def rate_limit(timestamps: list[float], window_s: float, limit: int) -> list[bool]:
    accepted: list[float] = []
    out = []
    for t in timestamps:
        recent = [a for a in accepted if a > t - window_s]
        ok = len(recent) < limit
        if ok:
            accepted.append(t)
        out.append(ok)
    return out


def allocate_amount(total_cents: int, weights: list[int]) -> list[int]:
    w = sum(weights)
    base = [total_cents * x // w for x in weights]
    rema = [total_cents * x % w for x in weights]
    left = total_cents - sum(base)
    order = sorted(range(len(weights)), key=lambda i: (-rema[i], i))
    for i in order[:left]:
        base[i] += 1
    return base


def cron_matches(expr: str, minute: int, hour: int) -> bool:
    def field(spec: str, value: int, lo: int, hi: int) -> bool:
        for part in spec.split(","):
            step = 1
            if "/" in part:
                part, s = part.split("/")
                step = int(s)
            if part == "*":
                a, b = lo, hi
            elif "-" in part:
                a, b = (int(x) for x in part.split("-"))
            else:
                a = b = int(part)
            if a <= value <= b and (value - a) % step == 0:
                return True
        return False

    m, h = expr.split()
    return field(m, minute, 0, 59) and field(h, hour, 0, 23)


def diff_config(old: dict, new: dict) -> list[str]:
    out = []
    for k in sorted(set(old) | set(new)):
        if k not in new:
            out.append(f"- {k}")
        elif k not in old:
            out.append(f"+ {k}")
        elif old[k] != new[k]:
            out.append(f"~ {k}")
    return out


def deploy_order(deps: dict[str, list[str]]) -> list[str]:
    nodes = set(deps) | {d for ds in deps.values() for d in ds}
    pending = {n: set(deps.get(n, [])) for n in nodes}
    order: list[str] = []
    while pending:
        ready = sorted(n for n, ds in pending.items() if not ds)
        if not ready:
            raise ValueError("dependency cycle")
        n = ready[0]
        order.append(n)
        del pending[n]
        for ds in pending.values():
            ds.discard(n)
    return order


def parse_money(text: str) -> int:
    s = re.sub(r"[^\d.,-]", "", text)
    negative = s.startswith("-")
    s = s.lstrip("-")
    m = re.search(r"[.,](\d{2})$", s)
    if m:
        whole, cents = s[: m.start()], int(m.group(1))
    else:
        whole, cents = s, 0
    whole = re.sub(r"[.,]", "", whole) or "0"
    value = int(whole) * 100 + cents
    return -value if negative else value


def expand_ids(spec: str) -> list[int]:
    out: set[int] = set()
    for part in spec.replace(" ", "").split(","):
        if not part:
            continue
        if "-" in part:
            a, b = (int(x) for x in part.split("-"))
            if a > b:
                raise ValueError(f"bad range {part!r}")
            out.update(range(a, b + 1))
        else:
            out.add(int(part))
    return sorted(out)


def redact_secrets(line: str) -> str:
    return re.sub(r"(?i)\b(password|token|api_key|secret)(\s*[=:]\s*)(\"[^\"]*\"|\S+)",
                  r"\1\2***", line)


def vat_id_valid(vat: str) -> bool:
    if not re.fullmatch(r"ZV\d{9}", vat):
        return False
    digits = [int(c) for c in vat[2:]]
    return sum(d * (i + 1) for i, d in enumerate(digits[:8])) % 11 % 10 == digits[8]


def reconcile(bank: list[tuple[str, int]], book: list[tuple[str, int]]) -> dict[str, list[str]]:
    a, b = dict(bank), dict(book)
    return {"missing_in_book": sorted(set(a) - set(b)),
            "missing_in_bank": sorted(set(b) - set(a)),
            "amount_mismatch": sorted(k for k in set(a) & set(b) if a[k] != b[k])}


def wrap_text(text: str, width: int) -> list[str]:
    lines: list[str] = []
    cur = ""
    for word in text.split():
        while len(word) > width:
            if cur:
                lines.append(cur)
                cur = ""
            lines.append(word[:width])
            word = word[width:]
        if not word:
            continue
        if not cur:
            cur = word
        elif len(cur) + 1 + len(word) <= width:
            cur += " " + word
        else:
            lines.append(cur)
            cur = word
    if cur:
        lines.append(cur)
    return lines


def percentile_nearest_rank(values: list[float], p: float) -> float:
    if not values or not 0 < p <= 100:
        raise ValueError("need values and 0 < p <= 100")
    ordered = sorted(values)
    return ordered[math.ceil(p / 100 * len(ordered)) - 1]


def shift_coverage_gaps(shifts: list[tuple[int, int]], open_hour: int,
                        close_hour: int) -> list[tuple[int, int]]:
    gaps = []
    cur = open_hour
    for a, b in sorted(shifts):
        a, b = max(a, open_hour), min(b, close_hour)
        if a >= b:
            continue
        if a > cur:
            gaps.append((cur, a))
        cur = max(cur, b)
    if cur < close_hour:
        gaps.append((cur, close_hour))
    return gaps
