"""Generate the data of the lora_pycode experiment: small Python functions from a signature and
a one-paragraph description, narrow and easy enough that a 135M model fine-tuned with a LoRA
adapter can sometimes pass (filter, count, sum, clamp, dedupe, chunk, reverse words, normalise
whitespace, safe division, invert a dict, ...).

Forty task *families*, each a template with varied constants, function and argument names,
argument types and wording. 32 families are *seen*: they make the training set and 100 test
cases whose function names, keys and prompt texts no training example has (and, for the
families with a wide range of constants, whose constants no training example uses). 8
families are *held out*: they appear only in the test set (34 cases, tagged
``split:unseen``). Every test (4-6 asserts a task, edge cases included) is computed by running
the reference solution on its inputs here, so the expected values are right by construction;
literals are written with ``repr()``.

Three files, from one ``random.Random(SEED)`` (the test cases first, then training):

- ``cases.jsonl``: the 134 test cases, shaped like code_generation's (the ``unit_tests``
  scorer, the ``code_has_tests`` case check and the ``execute`` step work unchanged);
- ``train.jsonl``: 600 training examples, the same shape plus ``solution``;
- ``test_solutions.jsonl``: the reference solution of every test case (``{id, solution}``), for
  tests/finetune to run in the sandbox; the model never sees it.

Training and test are disjoint by :func:`pipeline.finetune.dataset.case_key` (the normalised
signature and prompt), by function name and by prompt text; :func:`generate` raises rather
than return files that share any of them, or repeat a key. Deterministic; the committed files
are the source of truth and tests/finetune checks that this script reproduces them byte for
byte.
Run from the repository root with the project's venv (the key comes from the ``pipeline``
package): ``.venv/bin/python experiments/lora_pycode/generate_cases.py``.
"""

from __future__ import annotations

import copy
import json
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.finetune.dataset import case_key

HERE = Path(__file__).resolve().parent
SEED = 20250611
N_TEST_SEEN = 100
N_TEST_UNSEEN = 34
N_TRAIN = 600
MAX_TESTS = 6
MIN_TESTS = 4

INT_LISTS = ["values", "numbers", "nums", "items", "scores", "readings", "amounts", "counts",
             "data", "xs"]
TEXTS = ["text", "s", "sentence", "line", "message", "phrase", "title", "raw"]
STR_LISTS = ["words", "names", "labels", "items", "tags", "strings", "entries", "parts"]
DICTS = ["counts", "scores", "stock", "totals", "mapping", "inventory", "prices", "votes"]
WORDS = ["apple", "river", "stone", "cloud", "tiger", "lemon", "ocean", "paper", "rocket",
         "silver", "bridge", "candle", "dragon", "ember", "falcon", "garden", "harbor", "island",
         "jungle", "kettle", "meadow", "night", "pepper", "quartz", "sunset", "violet", "window",
         "yellow", "zebra", "cat", "dog", "sun", "map", "red", "box", "a", "an", "to", "of",
         "is", "it", "blue", "green", "data", "code", "table", "chair", "moon", "star", "tree"]


@dataclass(frozen=True)
class Spec:
    """One task as a family makes it, before its tests are computed."""

    name: str
    args: tuple[tuple[str, str], ...]  # (argument name, annotation)
    returns: str
    prompt: str
    body: str  # the function body, indented four spaces
    inputs: tuple[tuple[Any, ...], ...]  # argument tuples, edge cases first
    params: tuple[Any, ...]  # the constants (kept apart between training and test)

    @property
    def signature(self) -> str:
        args = ", ".join(f"{a}: {t}" for a, t in self.args)
        return f"def {self.name}({args}) -> {self.returns}:"

    @property
    def solution(self) -> str:
        return f"{self.signature}\n{self.body}\n"


@dataclass(frozen=True)
class Family:
    name: str
    difficulty: str  # easy | medium
    held_out: bool
    wide_params: bool  # enough constants to keep test constants out of training
    make: Callable[[random.Random], Spec]


FAMILIES: list[Family] = []


def family(difficulty: str, held_out: bool = False, wide_params: bool = False
           ) -> Callable[[Callable[[random.Random], Spec]], Callable[[random.Random], Spec]]:
    def register(make: Callable[[random.Random], Spec]) -> Callable[[random.Random], Spec]:
        FAMILIES.append(Family(make.__name__, difficulty, held_out, wide_params, make))
        return make
    return register


# --------------------------------------------------------------------------- input helpers


def ints(rng: random.Random, lo: int, hi: int, n_lo: int = 3, n_hi: int = 7) -> list[int]:
    return [rng.randint(lo, hi) for _ in range(rng.randint(n_lo, n_hi))]


def words(rng: random.Random, n_lo: int = 2, n_hi: int = 6) -> list[str]:
    return [rng.choice(WORDS) for _ in range(rng.randint(n_lo, n_hi))]


def sentence(rng: random.Random, n_lo: int = 2, n_hi: int = 6, messy: bool = False) -> str:
    ws = words(rng, n_lo, n_hi)
    if rng.random() < 0.5:
        ws[0] = ws[0].capitalize()
    if not messy:
        return " ".join(ws)
    gaps = [rng.choice([" ", "  ", "\t", " \n ", "   "]) for _ in ws]
    lead = rng.choice(["", " ", "  "])
    text = "".join(w + g for w, g in zip(ws, gaps, strict=True)).rstrip()
    return lead + text + rng.choice(["", " ", "\n"])


def one(rng: random.Random, *options: str) -> str:
    return rng.choice(options)


def body(*lines: str) -> str:
    return "\n".join("    " + line for line in lines)


# --------------------------------------------------------------------------- seen families


@family("easy", wide_params=True)
def filter_greater(rng: random.Random) -> Spec:
    k = rng.randint(0, 60)
    arg = rng.choice(INT_LISTS)
    floats = rng.random() < 0.3
    name = (f"{one(rng, 'keep', 'filter', 'select', 'pick', 'only')}_{arg}_"
            f"{one(rng, 'above', 'greater_than', 'over', 'larger_than')}"
            + (f"_{k}" if rng.random() < 0.5 else ""))
    prompt = one(
        rng,
        f"Return a new list with the numbers in `{arg}` that are greater than {k}, keeping "
        "their original order.",
        f"Given a list `{arg}`, keep only the values strictly above {k} and return them in the "
        f"same order. A value equal to {k} is not kept.",
        f"Filter `{arg}` so that only elements larger than {k} remain. Return them as a list in "
        "input order; an empty input gives an empty list.")

    def val() -> float:
        return rng.randint(k - 12, k + 12) + (rng.choice([0, 0.5, 0.25]) if floats else 0)

    inputs = ([], [k, k], [val() for _ in range(rng.randint(3, 7))] + [k],
              [val() for _ in range(rng.randint(3, 7))], [k + 1, k - 1, k + 5])
    return Spec(name, ((arg, "list[float]" if floats else "list[int]"),),
                "list[float]" if floats else "list[int]", prompt,
                body(f"return [x for x in {arg} if x > {k}]"), tuple((i,) for i in inputs), (k,))


@family("easy", wide_params=True)
def count_divisible(rng: random.Random) -> Spec:
    k = rng.randint(2, 12)
    arg = rng.choice(INT_LISTS)
    name = one(rng, f"count_multiples_of_{k}", f"count_divisible_by_{k}",
               f"count_{arg}_divisible_by_{k}", f"how_many_multiples_of_{k}",
               f"num_multiples_of_{k}_in_{arg}")
    prompt = one(
        rng,
        f"Count how many numbers in `{arg}` are divisible by {k} (zero counts as divisible) and "
        "return the count.",
        f"Return the number of elements of `{arg}` that are multiples of {k}. Negative numbers "
        "can be multiples too.",
        f"How many integers in the list `{arg}` leave no remainder when divided by {k}? Return "
        "that count; an empty list gives 0.")
    inputs = ([], [0], [k, 2 * k, k + 1], ints(rng, -30, 60, 4, 8), [-k, k * 3 + 1, 7 * k],
              ints(rng, 0, 40, 3, 6))
    return Spec(name, ((arg, "list[int]"),), "int", prompt,
                body(f"return sum(1 for x in {arg} if x % {k} == 0)"),
                tuple((i,) for i in inputs), (k,))


@family("easy")
def sum_parity(rng: random.Random) -> Spec:
    parity = rng.choice(["even", "odd"])
    arg = rng.choice(INT_LISTS)
    name = one(rng, f"sum_{parity}_{arg}", f"total_of_{parity}_{arg}", f"{parity}_sum",
               f"add_up_{parity}_{arg}", f"sum_of_{parity}_numbers")
    prompt = one(
        rng,
        f"Return the sum of the {parity} numbers in `{arg}`. If there are none, return 0.",
        f"Add up only the {parity} integers of the list `{arg}` (negative ones included) and "
        "return the total.",
        f"Given `{arg}`, a list of integers, compute the total of the elements that are "
        f"{parity}. An empty list sums to 0.")
    test = "x % 2 == 0" if parity == "even" else "x % 2 != 0"
    inputs = ([], [1, 2, 3, 4], [-3, -2, 5], ints(rng, -20, 50, 4, 8), ints(rng, 0, 99, 3, 6))
    return Spec(name, ((arg, "list[int]"),), "int", prompt,
                body(f"return sum(x for x in {arg} if {test})"),
                tuple((i,) for i in inputs), (parity,))


@family("easy", wide_params=True)
def clamp_list(rng: random.Random) -> Spec:
    lo = rng.randint(-10, 20)
    hi = lo + rng.randint(5, 50)
    arg = rng.choice(INT_LISTS)
    name = (f"{one(rng, 'clamp', 'limit', 'bound', 'clip')}_{arg}"
            + one(rng, "", "_to_range", f"_between_{lo}_and_{hi}" if lo >= 0 else ""))
    prompt = one(
        rng,
        f"Clamp every number in `{arg}` to the range {lo} to {hi}: values below {lo} become "
        f"{lo}, values above {hi} become {hi}, others stay. Return the new list.",
        f"Return a copy of `{arg}` where each value is limited to at least {lo} and at most "
        f"{hi}.",
        f"Make every element of `{arg}` fit between {lo} and {hi} (inclusive) by replacing too "
        f"small values with {lo} and too large values with {hi}; keep the order.")
    inputs = ([], [lo - 1, hi + 1], [lo, hi, (lo + hi) // 2], ints(rng, lo - 20, hi + 20, 4, 7),
              ints(rng, lo - 5, hi + 5, 3, 6))
    return Spec(name, ((arg, "list[int]"),), "list[int]", prompt,
                body(f"return [min(max(x, {lo}), {hi}) for x in {arg}]"),
                tuple((i,) for i in inputs), (lo, hi))


@family("easy", wide_params=True)
def scale_list(rng: random.Random) -> Spec:
    op = rng.choice(["multiply", "add", "subtract"])
    k = rng.randint(2, 15)
    arg = rng.choice(INT_LISTS)
    if op == "multiply":
        name = one(rng, f"multiply_{arg}_by_{k}", f"scale_{arg}", f"times_{k}", f"scale_by_{k}")
        phrase, expr = f"multiplied by {k}", f"x * {k}"
    elif op == "add":
        name = one(rng, f"add_{k}_to_{arg}", f"shift_{arg}_up", f"increase_{arg}_by_{k}",
                   f"plus_{k}")
        phrase, expr = f"increased by {k}", f"x + {k}"
    else:
        name = one(rng, f"subtract_{k}_from_{arg}", f"decrease_{arg}_by_{k}",
                   f"shift_{arg}_down", f"minus_{k}")
        phrase, expr = f"decreased by {k}", f"x - {k}"
    prompt = one(
        rng,
        f"Return a new list where every number in `{arg}` is {phrase}.",
        f"Build and return a list of the same length as `{arg}` in which each element is the "
        f"original element {phrase}. Do not change `{arg}` itself.",
        f"Map each value of `{arg}` to the value {phrase} and return the results in order; an "
        "empty list gives [].")
    inputs = ([], [0], ints(rng, -10, 30, 3, 6), ints(rng, 0, 100, 2, 5), [1, -1, k])
    return Spec(name, ((arg, "list[int]"),), "list[int]", prompt,
                body(f"return [{expr} for x in {arg}]"), tuple((i,) for i in inputs), (op, k))


@family("easy")
def dedupe(rng: random.Random) -> Spec:
    strs = rng.random() < 0.5
    arg = rng.choice(STR_LISTS if strs else INT_LISTS)
    name = one(rng, f"dedupe_{arg}", f"unique_{arg}", f"remove_duplicate_{arg}",
               f"distinct_{arg}", f"drop_repeated_{arg}", "dedupe_keep_order")
    prompt = one(
        rng,
        f"Remove duplicates from `{arg}`, keeping the first occurrence of each element and the "
        "original order. Return the new list.",
        f"Return the distinct elements of `{arg}` in the order they first appear.",
        f"Given the list `{arg}`, return a list where every value appears only once; keep the "
        "first time each value shows up and preserve order.")
    if strs:
        pool = rng.sample(WORDS, 4)
        inputs = ([], [pool[0]], [rng.choice(pool) for _ in range(6)],
                  [pool[1], pool[1], pool[1]], [rng.choice(pool) for _ in range(5)],
                  [pool[2].upper(), pool[2], pool[3]])
        typ = "list[str]"
    else:
        inputs = ([], [5], ints(rng, 0, 5, 5, 8), [3, 3, 3], ints(rng, -3, 3, 4, 7), [2, 1, 2, 1])
        typ = "list[int]"
    return Spec(name, ((arg, typ),), typ, prompt,
                body("seen = set()", "result = []", f"for x in {arg}:", "    if x not in seen:",
                     "        seen.add(x)", "        result.append(x)", "return result"),
                tuple((i,) for i in inputs), ())


@family("medium")
def chunk_list(rng: random.Random) -> Spec:
    n = rng.randint(2, 6)
    arg = rng.choice(INT_LISTS + STR_LISTS)
    typ = "list[str]" if arg in STR_LISTS and arg != "items" else "list[int]"
    name = one(rng, f"chunk_{arg}", f"split_into_groups_of_{n}", f"batch_{arg}",
               f"chunks_of_{n}", f"group_{arg}_by_{n}")
    prompt = one(
        rng,
        f"Split `{arg}` into consecutive chunks of {n} elements and return the list of chunks. "
        "The last chunk may be shorter; an empty list gives [].",
        f"Group the elements of `{arg}` into lists of size {n}, in order; whatever is left at "
        "the end forms a smaller last group.",
        f"Return `{arg}` cut into pieces of length {n} (a list of lists), keeping order; the "
        "final piece holds the remaining elements.")

    def items(m: int) -> list[Any]:
        return words(rng, m, m) if typ == "list[str]" else ints(rng, 0, 50, m, m)

    inputs = ([], items(1), items(n), items(n + 1), items(2 * n + rng.randint(1, n - 1)),
              items(3 * n))
    return Spec(name, ((arg, typ),), f"list[{typ}]", prompt,
                body(f"return [{arg}[i:i + {n}] for i in range(0, len({arg}), {n})]"),
                tuple((i,) for i in inputs), (n,))


@family("easy")
def running_total(rng: random.Random) -> Spec:
    op = rng.choice(["sum", "max"])
    arg = rng.choice(INT_LISTS)
    if op == "sum":
        name = one(rng, "running_total", "cumulative_sum", "prefix_sums", f"running_sum_of_{arg}",
                   f"cumulative_{arg}")
        prompt = one(
            rng,
            f"Return the running totals of `{arg}`: element i of the result is the sum of "
            f"`{arg}[0]` to `{arg}[i]`.",
            f"Compute the cumulative sums of the list `{arg}` and return them as a list of the "
            "same length (an empty list gives []).")
        lines = ("total = 0", "result = []", f"for x in {arg}:", "    total += x",
                 "    result.append(total)", "return result")
    else:
        name = one(rng, "running_max", "cumulative_max", "max_so_far", f"running_max_of_{arg}",
                   f"peaks_of_{arg}")
        prompt = one(
            rng,
            f"Return the running maximum of `{arg}`: element i of the result is the largest of "
            f"`{arg}[0]` to `{arg}[i]`.",
            f"For each position in `{arg}`, give the biggest value seen so far (that position "
            "included). Return the list of these values; an empty list gives [].")
        lines = ("result = []", f"for x in {arg}:",
                 "    result.append(x if not result else max(result[-1], x))", "return result")
    inputs = ([], [7], ints(rng, -10, 20, 4, 7), [3, 1, 4, 1, 5], ints(rng, 0, 9, 3, 6))
    return Spec(name, ((arg, "list[int]"),), "list[int]", prompt, body(*lines),
                tuple((i,) for i in inputs), (op,))


@family("easy")
def max_or_default(rng: random.Random) -> Spec:
    op = rng.choice(["max", "min"])
    default = rng.choice([0, -1, 100, -100, 999])
    arg = rng.choice(INT_LISTS)
    word = "largest" if op == "max" else "smallest"
    if op == "max":
        name = one(rng, f"max_of_{arg}", f"largest_in_{arg}", f"find_max_{arg}",
                   f"peak_of_{arg}", "max_or_default")
    else:
        name = one(rng, f"min_of_{arg}", f"smallest_in_{arg}", f"find_min_{arg}",
                   f"lowest_of_{arg}", "min_or_default")
    prompt = one(
        rng,
        f"Return the {word} value in `{arg}`, or {default} if the list is empty.",
        f"Find the {'maximum' if op == 'max' else 'minimum'} of `{arg}`. When `{arg}` has no "
        f"elements, return {default} instead of raising an error.",
        f"Given a list of integers `{arg}`, return its {word} element; an empty list gives "
        f"{default}.")
    inputs = ([], [4], ints(rng, -50, 50, 3, 7), ints(rng, 0, 200, 3, 6), [-5, -2, -9])
    return Spec(name, ((arg, "list[int]"),), "int", prompt,
                body(f"if not {arg}:", f"    return {default}", f"return {op}({arg})"),
                tuple((i,) for i in inputs), (op, default))


@family("easy")
def safe_divide(rng: random.Random) -> Spec:
    a, b = rng.choice([("a", "b"), ("numerator", "denominator"), ("total", "count"),
                       ("x", "y"), ("part", "whole"), ("dividend", "divisor")])
    default = rng.choice([0.0, -1.0, 0])
    digits = rng.randint(1, 3)
    name = one(rng, "safe_divide", "safe_ratio", "divide_or_default", "safe_div", f"ratio_{a}_{b}",
               f"divide_{a}_by_{b}")
    prompt = one(
        rng,
        f"Return `{a}` divided by `{b}`, rounded to {digits} decimal places with round(). If "
        f"`{b}` is 0, return {default} instead.",
        f"Divide `{a}` by `{b}` and round the result to {digits} digits after the decimal point; "
        f"a zero `{b}` must not raise an error but return {default}.",
        f"Safe division: when `{b}` is zero return {default}, otherwise return round({a} / {b}, "
        f"{digits}).")
    inputs = ((rng.randint(1, 50), 0), (rng.randint(1, 100), rng.randint(1, 9)),
              (0, rng.randint(1, 9)), (-rng.randint(1, 40), rng.randint(2, 9)),
              (rng.randint(1, 30), rng.choice([3, 7, 6])), (10, 4))
    return Spec(name, ((a, "float"), (b, "float")), "float", prompt,
                body(f"if {b} == 0:", f"    return {default}",
                     f"return round({a} / {b}, {digits})"),
                inputs, (default, digits))


@family("easy", wide_params=True)
def count_in_range(rng: random.Random) -> Spec:
    lo = rng.randint(0, 30)
    hi = lo + rng.randint(5, 40)
    arg = rng.choice(INT_LISTS)
    name = one(rng, f"count_between_{lo}_and_{hi}", "count_in_range", f"count_{arg}_in_range",
               f"num_{arg}_between", f"how_many_in_{lo}_{hi}")
    prompt = one(
        rng,
        f"Count how many values in `{arg}` lie between {lo} and {hi}, both ends included.",
        f"Return the number of elements x of `{arg}` with {lo} <= x <= {hi}.",
        f"How many numbers in `{arg}` are at least {lo} and at most {hi}? Return the count "
        "(0 for an empty list).")
    inputs = ([], [lo, hi], [lo - 1, hi + 1], ints(rng, lo - 15, hi + 15, 4, 8),
              ints(rng, lo - 5, hi + 5, 3, 6))
    return Spec(name, ((arg, "list[int]"),), "int", prompt,
                body(f"return sum(1 for x in {arg} if {lo} <= x <= {hi})"),
                tuple((i,) for i in inputs), (lo, hi))


@family("medium", wide_params=True)
def first_index_above(rng: random.Random) -> Spec:
    k = rng.randint(0, 50)
    arg = rng.choice(INT_LISTS)
    name = one(rng, f"first_index_above_{k}", "index_of_first_over", f"find_first_{arg}_above",
               "position_of_first_greater", f"first_over_{k}")
    prompt = one(
        rng,
        f"Return the index of the first element of `{arg}` that is greater than {k}, or -1 if "
        "there is none.",
        f"Scan `{arg}` from the start and return the position (0-based) of the first value "
        f"above {k}; return -1 when no value is above {k}.",
        f"Find where `{arg}` first exceeds {k}: return that index, counting from 0. If no "
        f"element is larger than {k}, return -1.")
    inputs = ([], [k], [k + 1], [k - 3, k, k + 2, k + 9], ints(rng, k - 20, k + 10, 4, 8),
              [k - 1, k - 2])
    return Spec(name, ((arg, "list[int]"),), "int", prompt,
                body(f"for i, x in enumerate({arg}):", f"    if x > {k}:", "        return i",
                     "return -1"),
                tuple((i,) for i in inputs), (k,))


@family("medium")
def average_rounded(rng: random.Random) -> Spec:
    digits = rng.randint(1, 3)
    arg = rng.choice(INT_LISTS)
    name = one(rng, f"average_of_{arg}", f"mean_{arg}", f"avg_{arg}", "rounded_mean",
               f"mean_of_{arg}_rounded")
    prompt = one(
        rng,
        f"Return the average of `{arg}` rounded to {digits} decimal places (use round()). "
        "Return 0.0 for an empty list.",
        f"Compute the arithmetic mean of the numbers in `{arg}`, rounded with round(..., "
        f"{digits}); an empty list has mean 0.0.",
        f"Give the mean value of `{arg}` (sum divided by count) rounded to {digits} digits "
        "after the point, or 0.0 when there are no values.")
    inputs = ([], [5], [1, 2], ints(rng, 0, 100, 3, 7), [1, 2, 2], ints(rng, -20, 20, 3, 6))
    return Spec(name, ((arg, "list[int]"),), "float", prompt,
                body(f"if not {arg}:", "    return 0.0",
                     f"return round(sum({arg}) / len({arg}), {digits})"),
                tuple((i,) for i in inputs), (digits,))


@family("easy")
def flatten_once(rng: random.Random) -> Spec:
    arg = rng.choice(["lists", "groups", "nested", "rows", "batches", "chunks"])
    strs = rng.random() < 0.4
    typ = "list[str]" if strs else "list[int]"
    name = one(rng, "flatten", f"flatten_{arg}", f"concat_{arg}", f"merge_{arg}",
               "flatten_one_level")
    prompt = one(
        rng,
        f"`{arg}` is a list of lists. Return one list with all their elements, in order.",
        f"Flatten `{arg}` by one level: concatenate the inner lists into a single list and "
        "return it (an empty outer list gives []).",
        f"Join the inner lists of `{arg}` end to end and return the combined list, keeping the "
        "order of the elements.")

    def inner() -> list[Any]:
        return words(rng, 0, 3) if strs else ints(rng, 0, 30, 0, 3)

    inputs = ([], [[]], [inner(), inner()], [inner(), [], inner(), inner()],
              [inner() for _ in range(rng.randint(2, 4))], [["x"] if strs else [1], []])
    return Spec(name, ((arg, f"list[{typ}]"),), typ, prompt,
                body("result = []", f"for inner in {arg}:", "    result.extend(inner)",
                     "return result"),
                tuple((i,) for i in inputs), ())


@family("easy")
def reverse_words(rng: random.Random) -> Spec:
    arg = rng.choice(TEXTS)
    name = one(rng, "reverse_words", "reverse_word_order", "words_backwards", "flip_words",
               f"reverse_{arg}_words")
    prompt = one(
        rng,
        f"Return the words of `{arg}` in reverse order, joined by single spaces. Words are "
        "separated by any whitespace; extra spaces are dropped.",
        f"Reverse the order of the words in the string `{arg}` (not the letters inside them) and "
        "return the result with one space between words.",
        f"Split `{arg}` into words on whitespace, put the last word first and so on, and return "
        "them joined with a single space.")
    inputs = ("", "one", sentence(rng, 2, 3), sentence(rng, 3, 6, messy=True),
              sentence(rng, 4, 6), "  hello   world ")
    return Spec(name, ((arg, "str"),), "str", prompt,
                body(f"return ' '.join(reversed({arg}.split()))"),
                tuple((i,) for i in inputs), ())


@family("easy")
def normalize_whitespace(rng: random.Random) -> Spec:
    lower = rng.random() < 0.35
    arg = rng.choice(TEXTS)
    name = one(rng, "normalize_whitespace", "collapse_spaces", "clean_spaces",
               "squeeze_whitespace", f"tidy_{arg}", f"normalize_{arg}")
    extra = " and lower-case it" if lower else ""
    prompt = one(
        rng,
        f"Collapse every run of whitespace (spaces, tabs, newlines) in `{arg}` into one space, "
        f"remove leading and trailing whitespace{extra}, and return the result.",
        f"Normalise the whitespace of `{arg}`: words separated by exactly one space, nothing at "
        f"the start or end{extra}. Return the cleaned string.",
        f"Return `{arg}` with all whitespace sequences replaced by a single space and the ends "
        f"trimmed{extra}.")
    expr = f"' '.join({arg}.split())" + (".lower()" if lower else "")
    inputs = ("", "   ", sentence(rng, 2, 4, messy=True), sentence(rng, 3, 6, messy=True),
              "a\tb\nc", sentence(rng, 2, 3))
    return Spec(name, ((arg, "str"),), "str", prompt, body(f"return {expr}"),
                tuple((i,) for i in inputs), (lower,))


@family("easy", wide_params=True)
def count_chars(rng: random.Random) -> Spec:
    vowels = rng.random() < 0.3
    consonants = "bcdfghklmnprstwy"
    chars = "aeiou" if vowels else "".join(sorted(rng.sample(consonants, rng.randint(1, 3))))
    arg = rng.choice(TEXTS)
    if vowels:
        name = one(rng, "count_vowels", "vowel_count", "num_vowels", f"count_vowels_in_{arg}")
        what = "vowels (a, e, i, o, u)"
    else:
        name = one(rng, f"count_{chars}", f"count_letters_{chars}", f"count_{chars}_in_{arg}",
                   f"num_{chars}_letters")
        what = "letters " + ", ".join(repr(c) for c in chars) if len(chars) > 1 \
            else f"letter {chars!r}"
    prompt = one(
        rng,
        f"Count the {what} in `{arg}`, ignoring case, and return the count.",
        f"Return how many characters of `{arg}` are {what}; upper and lower case both count.",
        f"How many times do the {what} occur in the string `{arg}` (case-insensitive)? Return "
        "the number.")
    inputs = ("", chars.upper(), sentence(rng, 2, 5), sentence(rng, 3, 6).upper(),
              "xyz 123", sentence(rng, 4, 7))
    return Spec(name, ((arg, "str"),), "int", prompt,
                body(f"return sum(1 for ch in {arg}.lower() if ch in {chars!r})"),
                tuple((i,) for i in inputs), (chars,))


@family("easy")
def title_words(rng: random.Random) -> Spec:
    arg = rng.choice(TEXTS)
    name = one(rng, "title_case", "capitalize_words", "titleize", "capitalize_each_word",
               f"format_{arg}_title", f"title_{arg}")
    prompt = one(
        rng,
        f"Capitalize each word of `{arg}`: first letter upper case, the rest lower case. Words "
        "are separated by whitespace; return them joined by single spaces.",
        f"Return `{arg}` in title form: every whitespace-separated word gets an upper-case "
        "first letter and lower-case other letters, with one space between words.",
        f"Turn `{arg}` into a title by capitalizing each word (str.capitalize) and joining the "
        "words with single spaces.")
    inputs = ("", "hello", sentence(rng, 2, 4), sentence(rng, 2, 4).upper(),
              sentence(rng, 3, 5, messy=True), "mIxEd cAsE")
    return Spec(name, ((arg, "str"),), "str", prompt,
                body(f"return ' '.join(w.capitalize() for w in {arg}.split())"),
                tuple((i,) for i in inputs), ())


PREFIXES = ["err_", "tmp", "img_", "#", "v", "user", "test_", "x-", "log", "a", "re", "un"]
SUFFIXES = [".txt", ".py", "ed", "ing", "_old", ".csv", "s", "!", "er", "_v2"]


@family("easy", wide_params=True)
def filter_affix(rng: random.Random) -> Spec:
    start = rng.random() < 0.5
    affix = rng.choice(PREFIXES if start else SUFFIXES)
    arg = rng.choice(STR_LISTS)
    where = "start" if start else "end"
    if start:
        name = one(rng, "filter_by_prefix", "keep_prefixed", f"{arg}_starting_with",
                   "select_with_prefix", f"{arg}_with_prefix")
    else:
        name = one(rng, "filter_by_suffix", "keep_suffixed", f"{arg}_ending_with",
                   "select_with_suffix", f"{arg}_with_suffix")
    prompt = one(
        rng,
        f"Return the strings in `{arg}` that {where} with {affix!r} (case-sensitive), in their "
        "original order.",
        f"Keep only the elements of `{arg}` whose text {where}s with {affix!r} and return them "
        "as a list in the same order.",
        f"From the list `{arg}`, select every string that {where}s with {affix!r}; an empty "
        "list gives [].")

    def tagged(w: str) -> str:
        return affix + w if start else w + affix

    inputs = ([], [tagged("x")], [tagged(rng.choice(WORDS)), rng.choice(WORDS),
                                  tagged(rng.choice(WORDS))],
              [rng.choice(WORDS) for _ in range(3)],
              [rng.choice([tagged(w), w]) for w in words(rng, 4, 6)] + [tagged("")],
              [tagged("Q").upper(), affix])
    return Spec(name, ((arg, "list[str]"),), "list[str]", prompt,
                body(f"return [x for x in {arg} if x.{where}swith({affix!r})]"),
                tuple((i,) for i in inputs), (start, affix))


@family("medium", wide_params=True)
def truncate_text(rng: random.Random) -> Spec:
    n = rng.randint(5, 20)
    suffix = rng.choice(["...", "…", " [more]", "~", ".."])
    arg = rng.choice(TEXTS)
    name = one(rng, "truncate", f"shorten_{arg}", f"truncate_{arg}", f"clip_{arg}",
               f"shorten_to_{n}", f"preview_{arg}")
    prompt = one(
        rng,
        f"If `{arg}` has more than {n} characters, return its first {n} characters followed "
        f"by {suffix!r}; otherwise return it unchanged.",
        f"Shorten `{arg}` for a preview: strings of at most {n} characters stay as they are, "
        f"longer ones are cut to {n} characters and get {suffix!r} appended.",
        f"Return `{arg}` truncated to {n} characters plus {suffix!r} when it is longer than "
        f"{n} characters, else `{arg}` itself.")
    inputs = ("", "x" * n, "y" * (n + 1), sentence(rng, 5, 8), sentence(rng, 1, 2),
              sentence(rng, 3, 6))
    return Spec(name, ((arg, "str"),), "str", prompt,
                body(f"if len({arg}) <= {n}:", f"    return {arg}",
                     f"return {arg}[:{n}] + {suffix!r}"),
                tuple((i,) for i in inputs), (n, suffix))


@family("easy", wide_params=True)
def pad_number(rng: random.Random) -> Spec:
    width = rng.randint(3, 8)
    fill = rng.choice(["0", "0", "0", " ", "*", "."])
    arg = rng.choice(["n", "number", "value", "code", "num", "order_id"])
    name = one(rng, "pad_number", "pad_left", f"format_{arg}_padded", "left_pad",
               f"pad_{arg}", *(["zero_pad", "zfill_number"] if fill == "0" else []))
    prompt = one(
        rng,
        f"Return `{arg}` (a non-negative integer) as a string padded on the left with {fill!r} "
        f"to at least {width} characters. Longer numbers are returned unchanged.",
        f"Convert the integer `{arg}` (never negative) to text and put {fill!r} characters in "
        f"front until it is {width} characters long; do not cut longer numbers.",
        f"Left-pad the decimal digits of `{arg}` with {fill!r} to a width of {width} and "
        "return the string.")
    inputs = ((0,), (rng.randint(1, 9),), (rng.randint(10, 999),), (10 ** width,),
              (10 ** (width - 1) + rng.randint(0, 9),), (rng.randint(100, 99999),))
    return Spec(name, ((arg, "int"),), "str", prompt,
                body(f"return str({arg}).rjust({width}, {fill!r})"), inputs, (width, fill))


@family("easy")
def longest_word(rng: random.Random) -> Spec:
    op = rng.choice(["longest", "shortest"])
    arg = rng.choice(TEXTS)
    name = one(rng, f"{op}_word", f"find_{op}_word", f"{op}_word_in_{arg}", f"pick_{op}_word")
    prompt = one(
        rng,
        f"Return the {op} word in `{arg}` (words are separated by whitespace). If several words "
        "tie, return the first of them; return '' for a string with no words.",
        f"Split `{arg}` on whitespace and return the {op} word, the earliest one on a tie, or an "
        "empty string when there are no words.",
        f"Find the word of `{arg}` with the {'most' if op == 'longest' else 'fewest'} "
        "characters and return it (first one wins ties; no words gives '').")
    fn = "max" if op == "longest" else "min"
    inputs = ("", "   ", "solo", sentence(rng, 3, 6), "ab cd ef", sentence(rng, 2, 5, messy=True))
    return Spec(name, ((arg, "str"),), "str", prompt,
                body(f"found = {arg}.split()", "if not found:", "    return ''",
                     f"return {fn}(found, key=len)"),
                tuple((i,) for i in inputs), (op,))


@family("easy")
def word_lengths(rng: random.Random) -> Spec:
    from_text = rng.random() < 0.5
    arg = rng.choice(TEXTS if from_text else STR_LISTS)
    name = one(rng, "word_lengths", "lengths_of_words", "measure_words", "word_sizes",
               f"{arg}_lengths")
    if from_text:
        prompt = one(
            rng,
            f"Return a list with the length of each whitespace-separated word of `{arg}`, in "
            "order.",
            f"Split `{arg}` into words and return how many characters each word has, as a list "
            "(no words gives []).")
        expr, typ = f"[len(w) for w in {arg}.split()]", "str"
        inputs = ("", "a", sentence(rng, 2, 5), sentence(rng, 3, 6, messy=True), "hi  there")
    else:
        prompt = one(
            rng,
            f"Return a list with the length of each string in `{arg}`, in the same order.",
            f"Map every string of `{arg}` to its number of characters and return the list.")
        expr, typ = f"[len(w) for w in {arg}]", "list[str]"
        inputs = ([], [""], words(rng, 2, 4), words(rng, 3, 6), ["a b", "cd"])
    return Spec(name, ((arg, typ),), "list[int]", prompt, body(f"return {expr}"),
                tuple((i,) for i in inputs), (from_text,))


CHARSETS = [(",.!?", "the punctuation marks , . ! ?", "punctuation"),
            ("0123456789", "all digits 0-9", "digits"),
            ("aeiou", "the lower-case vowels a, e, i, o, u", "vowels"),
            ("-_", "dashes '-' and underscores '_'", "dashes"),
            (" ", "all spaces", "spaces")]


@family("easy")
def remove_chars(rng: random.Random) -> Spec:
    chars, what, short = rng.choice(CHARSETS)
    arg = rng.choice(TEXTS)
    name = one(rng, f"remove_{short}", f"strip_{short}", f"drop_{short}", f"without_{short}",
               f"{arg}_without_{short}")
    prompt = one(
        rng,
        f"Return `{arg}` with {what} removed; every other character stays in place.",
        f"Delete every occurrence of {what} from the string `{arg}` and return what is left.",
        f"Build a copy of `{arg}` that skips {what} and return it.")
    inputs = ("", chars, sentence(rng, 2, 4) + "!", "a-b_c 1.2, ok?",
              sentence(rng, 3, 5).replace(" ", rng.choice([" ", "-", "_"])) + " 42",
              "Hello, World! 2024")
    return Spec(name, ((arg, "str"),), "str", prompt,
                body(f"return ''.join(ch for ch in {arg} if ch not in {chars!r})"),
                tuple((i,) for i in inputs), (chars,))


@family("easy")
def join_nonempty(rng: random.Random) -> Spec:
    sep = rng.choice([", ", " | ", "-", " / ", ";", " "])
    arg = rng.choice(STR_LISTS)
    name = one(rng, "join_nonempty", f"join_{arg}", f"combine_{arg}", "join_with_separator",
               f"joined_{arg}")
    prompt = one(
        rng,
        f"Strip each string in `{arg}`, drop the ones that are then empty, and join the rest "
        f"with {sep!r}. Return the joined string.",
        f"Join the non-blank strings of `{arg}` (after removing their surrounding whitespace) "
        f"with {sep!r} between them; an empty or all-blank list gives ''.",
        f"Return the elements of `{arg}`, trimmed, skipping blank ones, joined by {sep!r}.")
    inputs = ([], ["  "], words(rng, 2, 4), [" a ", "", "b"],
              [rng.choice(["", " ", w, f" {w} "]) for w in words(rng, 4, 6)] + ["end"])
    return Spec(name, ((arg, "list[str]"),), "str", prompt,
                body(f"return {sep!r}.join(p.strip() for p in {arg} if p.strip())"),
                tuple((i,) for i in inputs), (sep,))


@family("medium")
def format_amount(rng: random.Random) -> Spec:
    sym = rng.choice(["$", "€", "£", "USD ", "EUR ", "CHF "])
    commas = rng.random() < 0.5
    arg = rng.choice(["amount", "price", "value", "total", "cost"])
    name = one(rng, "format_price", "format_amount", f"format_{arg}", f"{arg}_to_text",
               f"display_{arg}", "money_string")
    fmt = ",.2f" if commas else ".2f"
    extra = ", with ',' as thousands separator" if commas else ", without thousands separators"
    prompt = one(
        rng,
        f"Format the non-negative number `{arg}` as a price: {sym!r} followed by the amount "
        f"with exactly two decimal places{extra}.",
        f"Return `{arg}` as money text: the prefix {sym!r}, then the number with 2 decimals"
        f"{extra}.",
        f"Turn `{arg}` into a display string that starts with {sym!r} and shows the value with "
        f"two digits after the decimal point{extra}.")
    inputs = ((0,), (rng.randint(1, 99),), (rng.randint(1000, 99999) + rng.choice([0.5, 0.25]),),
              (1234567,), (rng.randint(100, 999) + 0.75,))
    return Spec(name, ((arg, "float"),), "str", prompt,
                body(f"return f'{sym}{{{arg}:{fmt}}}'"), inputs, (sym, commas))


@family("medium")
def word_frequencies(rng: random.Random) -> Spec:
    lower = rng.random() < 0.5
    arg = rng.choice(TEXTS)
    name = one(rng, "word_counts", "count_words", "word_frequencies", "tally_words",
               f"count_{arg}_words")
    case = " Compare words case-insensitively (lower-case them)." if lower else \
        " Words are case-sensitive."
    prompt = one(
        rng,
        f"Return a dict mapping each whitespace-separated word of `{arg}` to how many times it "
        f"occurs.{case}",
        f"Count the words of `{arg}` (split on whitespace) and return a dict word -> count."
        f"{case}",
        f"Build a frequency table of the words in `{arg}` as a dict from word to number of "
        f"occurrences; an empty string gives {{}}.{case}")
    text = f"{arg}.lower().split()" if lower else f"{arg}.split()"
    inputs = ("", "a a a", "The cat the CAT", sentence(rng, 4, 8), sentence(rng, 3, 6, messy=True))
    return Spec(name, ((arg, "str"),), "dict[str, int]", prompt,
                body("counts = {}", f"for word in {text}:",
                     "    counts[word] = counts.get(word, 0) + 1", "return counts"),
                tuple((i,) for i in inputs), (lower,))


@family("easy")
def invert_dict(rng: random.Random) -> Spec:
    arg = rng.choice(["mapping", "codes", "ids", "lookup", "table", "index"])
    name = one(rng, "invert", f"invert_{arg}", "swap_keys_values", "reverse_mapping",
               f"flip_{arg}")
    prompt = one(
        rng,
        f"Return a new dict that swaps the keys and values of `{arg}` (its values are all "
        "different).",
        f"Invert the dictionary `{arg}`: each value becomes a key whose value is the original "
        "key. The values are unique.",
        f"Given `{arg}` mapping names to unique integers, return the dict from each integer back "
        "to its name.")
    pool = rng.sample(WORDS, 6)
    inputs = ({}, {pool[0]: 1}, {pool[1]: 10, pool[2]: 20},
              {w: rng.randint(0, 99) * 10 + i for i, w in enumerate(pool[:4])},
              {pool[5]: 0, pool[4]: -3})
    return Spec(name, ((arg, "dict[str, int]"),), "dict[int, str]", prompt,
                body(f"return {{value: key for key, value in {arg}.items()}}"),
                tuple((i,) for i in inputs), ())


@family("easy", wide_params=True)
def filter_dict_min(rng: random.Random) -> Spec:
    k = rng.randint(1, 100)
    strict = rng.random() < 0.4
    arg = rng.choice(DICTS)
    name = one(rng, f"filter_{arg}_at_least" if not strict else f"filter_{arg}_above",
               f"keep_{arg}_over_{k}", f"entries_from_{k}", f"{arg}_above_threshold",
               f"high_{arg}")
    rel, op = ("more than", ">") if strict else ("at least", ">=")
    prompt = one(
        rng,
        f"Return a new dict with only the entries of `{arg}` whose value is {rel} {k}.",
        f"Keep the key/value pairs of `{arg}` where the value is {rel} {k} and return them as "
        "a dict.",
        f"Filter the dictionary `{arg}`: drop every entry with a value that is not {rel} {k}, "
        "and return the result (an empty dict gives {}).")
    pool = rng.sample(WORDS, 5)
    inputs = ({}, {pool[0]: k}, {pool[1]: k + 1, pool[2]: k - 1},
              {w: rng.randint(k - 20, k + 20) for w in pool},
              {pool[3]: 0, pool[4]: k * 2})
    return Spec(name, ((arg, "dict[str, int]"),), "dict[str, int]", prompt,
                body(f"return {{key: value for key, value in {arg}.items() if value {op} {k}}}"),
                tuple((i,) for i in inputs), (k, strict))


@family("medium")
def keys_sorted_by_value(rng: random.Random) -> Spec:
    desc = rng.random() < 0.6
    arg = rng.choice(DICTS)
    name = one(rng, "keys_by_value", f"rank_{arg}", "sorted_keys", f"order_{arg}_keys",
               f"{arg}_ranking")
    order = "from highest to lowest" if desc else "from lowest to highest"
    prompt = one(
        rng,
        f"Return the keys of `{arg}` sorted by their values {order}; keys with equal values "
        "are sorted alphabetically.",
        f"List the keys of the dict `{arg}` ordered by value {order}, breaking ties by key in "
        "alphabetical order.",
        f"Sort the keys of `{arg}` by their value, {order}, with alphabetical order among equal "
        "values, and return them as a list.")
    key = f"(-{arg}[k], k)" if desc else f"({arg}[k], k)"
    pool = rng.sample(WORDS, 5)
    inputs = ({}, {pool[0]: 1}, {pool[1]: 2, pool[2]: 2, pool[3]: 5},
              {w: rng.randint(0, 9) for w in pool}, {"b": 1, "a": 1, "c": 0})
    return Spec(name, ((arg, "dict[str, int]"),), "list[str]", prompt,
                body(f"return sorted({arg}, key=lambda k: {key})"),
                tuple((i,) for i in inputs), (desc,))


@family("medium")
def merge_counts(rng: random.Random) -> Spec:
    a, b = rng.choice([("first", "second"), ("left", "right"), ("a", "b"), ("old", "new"),
                       ("counts_a", "counts_b"), ("base", "extra")])
    name = one(rng, "merge_counts", "add_counts", f"combine_{a}_{b}", "sum_dicts",
               "merge_tallies")
    prompt = one(
        rng,
        f"Merge the dicts `{a}` and `{b}` into a new dict: it has the keys of both, and for a "
        "key in both the two values are added. Do not modify the inputs.",
        f"Return a dict with every key of `{a}` or `{b}`; the value is the sum of the key's "
        "values in the two dicts (a missing key counts as 0).",
        f"Add the counts of `{b}` to those of `{a}` and return the combined dict, without "
        "changing either input.")
    pool = rng.sample(WORDS, 5)
    inputs = (({}, {}), ({pool[0]: 1}, {}), ({}, {pool[1]: 2}),
              ({pool[0]: 1, pool[1]: 2}, {pool[1]: 3, pool[2]: 4}),
              ({w: rng.randint(1, 9) for w in pool[:3]}, {w: rng.randint(1, 9) for w in pool[2:]}))
    return Spec(name, ((a, "dict[str, int]"), (b, "dict[str, int]")), "dict[str, int]", prompt,
                body(f"result = dict({a})", f"for key, value in {b}.items():",
                     "    result[key] = result.get(key, 0) + value", "return result"),
                inputs, ())


@family("medium")
def group_by(rng: random.Random) -> Spec:
    by_len = rng.random() < 0.5
    arg = rng.choice(["words", "names", "labels", "tags"])
    if by_len:
        name = one(rng, "group_by_length", f"group_{arg}_by_length", "bucket_by_length",
                   f"{arg}_by_size")
        what, key, typ = "its length", "len(w)", "dict[int, list[str]]"
    else:
        name = one(rng, "group_by_first_letter", f"group_{arg}_by_initial", "index_by_initial",
                   f"{arg}_by_letter")
        what, key, typ = "its first letter, lower-cased", "w[0].lower()", "dict[str, list[str]]"
    prompt = one(
        rng,
        f"Group the strings of `{arg}` by {what}: return a dict from that key to the list of "
        "strings with it, in their original order.",
        f"Return a dict that maps {what.replace('its ', 'each ')} to the strings of `{arg}` "
        "having it (kept in input order). All strings are non-empty.",
        f"Put the non-empty strings of `{arg}` into groups keyed by {what} and return the groups "
        "as a dict of lists, keeping order inside each group.")
    inputs = ([], ["a"], words(rng, 3, 5), ["Apple", "avocado", "bean", "be"],
              [w for w in words(rng, 4, 7) if w])
    return Spec(name, ((arg, "list[str]"),), typ, prompt,
                body("groups = {}", f"for w in {arg}:",
                     f"    groups.setdefault({key}, []).append(w)", "return groups"),
                tuple((i,) for i in inputs), (by_len,))


# --------------------------------------------------------------------------- held-out families


@family("easy", held_out=True)
def pairwise_diff(rng: random.Random) -> Spec:
    arg = rng.choice(INT_LISTS)
    name = one(rng, "pairwise_differences", "deltas", "consecutive_diffs", "step_changes",
               f"diff_{arg}", f"{arg}_deltas")
    prompt = one(
        rng,
        f"Return the differences between consecutive elements of `{arg}`: element i+1 minus "
        "element i. A list with fewer than two elements gives [].",
        f"For each neighbouring pair in `{arg}`, compute the later value minus the earlier one, "
        "and return these differences as a list.",
        f"Return how much `{arg}` changes from each element to the next (next minus current), "
        "as a list one shorter than the input.")
    inputs = ([], [5], [1, 4], ints(rng, -10, 30, 4, 7), [3, 3, 3], ints(rng, 0, 100, 3, 6))
    return Spec(name, ((arg, "list[int]"),), "list[int]", prompt,
                body(f"return [b - a for a, b in zip({arg}, {arg}[1:])]"),
                tuple((i,) for i in inputs), ())


@family("medium", held_out=True)
def rotate_list(rng: random.Random) -> Spec:
    k = rng.randint(1, 5)
    left = rng.random() < 0.5
    arg = rng.choice(INT_LISTS)
    side = "left" if left else "right"
    name = one(rng, f"rotate_{side}", f"rotate_{arg}_{side}", f"rotate_{side}_by_{k}",
               f"shift_{arg}_{side}")
    first = ("the first element moves to the end" if left
             else "the last element moves to the front")
    prompt = one(
        rng,
        f"Rotate `{arg}` {k} position{'s' if k > 1 else ''} to the {side} and return the new "
        f"list (one step: {first}). An empty list gives [].",
        f"Return a copy of `{arg}` rotated to the {side} by {k}; rotating by more than the "
        "length wraps around.",
        f"Shift the elements of `{arg}` cyclically {k} place{'s' if k > 1 else ''} to the "
        f"{side} ({first} at each step) and return the result.")
    tail = f"return {arg}[shift:] + {arg}[:shift]" if left else \
        f"return {arg}[-shift:] + {arg}[:-shift]"
    inputs = ([], [1], [1, 2, 3, 4, 5], ints(rng, 0, 9, k, k), ints(rng, 0, 50, 4, 8), [7, 8])
    return Spec(name, ((arg, "list[int]"),), "list[int]", prompt,
                body(f"if not {arg}:", "    return []", f"shift = {k} % len({arg})", tail),
                tuple((i,) for i in inputs), (k, left))


@family("easy", held_out=True)
def acronym(rng: random.Random) -> Spec:
    dots = rng.random() < 0.3
    arg = rng.choice(TEXTS)
    name = one(rng, "acronym", "make_acronym", "initials_of", f"{arg}_acronym", "abbreviate")
    extra = ", each followed by '.'" if dots else ""
    prompt = one(
        rng,
        f"Return the acronym of `{arg}`: the first letter of each whitespace-separated word, "
        f"upper-cased{extra}.",
        f"Build an abbreviation from `{arg}` by taking the first character of every word and "
        f"making it upper case{extra}; no words gives ''.",
        f"Take the initial of each word in `{arg}` (words split on whitespace), upper-case "
        f"it{extra}, and return the joined initials.")
    piece = "w[0].upper() + '.'" if dots else "w[0].upper()"
    inputs = ("", "word", sentence(rng, 2, 4), sentence(rng, 3, 5, messy=True),
              "portable network graphics")
    return Spec(name, ((arg, "str"),), "str", prompt,
                body(f"return ''.join({piece} for w in {arg}.split())"),
                tuple((i,) for i in inputs), (dots,))


@family("easy", held_out=True)
def replace_digits(rng: random.Random) -> Spec:
    mark = rng.choice(["#", "*", "X", "_", "?"])
    arg = rng.choice(TEXTS)
    name = one(rng, "mask_digits", "hide_digits", "replace_digits", f"redact_{arg}_digits",
               "censor_numbers")
    prompt = one(
        rng,
        f"Return `{arg}` with every digit 0-9 replaced by {mark!r}; other characters stay the "
        "same.",
        f"Hide the numbers in `{arg}`: each digit character becomes {mark!r}. Return the new "
        "string.",
        f"Replace each of the characters 0 to 9 in the string `{arg}` with {mark!r} and return "
        "it.")
    inputs = ("", "123", "no digits", f"call 555-{rng.randint(1000, 9999)}",
              f"{rng.choice(WORDS)} {rng.randint(1, 99)} and {rng.randint(100, 999)}", "a1b2")
    return Spec(name, ((arg, "str"),), "str", prompt,
                body(f"return ''.join({mark!r} if ch.isdigit() else ch for ch in {arg})"),
                tuple((i,) for i in inputs), (mark,))


@family("medium", held_out=True)
def second_largest(rng: random.Random) -> Spec:
    largest = rng.random() < 0.6
    arg = rng.choice(INT_LISTS)
    word = "largest" if largest else "smallest"
    name = one(rng, f"second_{word}", f"second_{word}_{arg[:-1] if arg.endswith('s') else arg}",
               f"runner_up_{word}", f"find_second_{word}")
    prompt = one(
        rng,
        f"Return the second {word} distinct value in `{arg}`, or None when `{arg}` has fewer "
        "than two distinct values.",
        f"Find the value that would come second if the distinct numbers of `{arg}` were sorted "
        f"from {'largest' if largest else 'smallest'} down; return None if there is no such "
        "value.",
        f"Ignoring repeated values, return the second {word} number in `{arg}` (None for fewer "
        "than two different numbers).")
    rev = ", reverse=True" if largest else ""
    inputs = ([], [4], [4, 4], [1, 2], ints(rng, 0, 30, 4, 8), [9, 9, 8, 8, 7])
    return Spec(name, ((arg, "list[int]"),), "int | None", prompt,
                body(f"distinct = sorted(set({arg}){rev})", "if len(distinct) < 2:",
                     "    return None", "return distinct[1]"),
                tuple((i,) for i in inputs), (largest,))


@family("medium", held_out=True)
def is_palindrome(rng: random.Random) -> Spec:
    loose = rng.random() < 0.6
    arg = rng.choice(TEXTS)
    name = one(rng, "is_palindrome", f"{arg}_is_palindrome", "reads_same_backwards",
               "check_palindrome")
    rule = ("ignoring case and every character that is not a letter or digit" if loose
            else "exactly, character by character (case and spaces count)")
    prompt = one(
        rng,
        f"Return True if `{arg}` reads the same forwards and backwards, {rule}; else False.",
        f"Decide whether `{arg}` is a palindrome, comparing {rule}. Return a bool.",
        f"Check if the string `{arg}` is equal to its reverse, {rule}, and return True or "
        "False.")
    lines = ((f"cleaned = [ch.lower() for ch in {arg} if ch.isalnum()]",
              "return cleaned == cleaned[::-1]") if loose
             else (f"return {arg} == {arg}[::-1]",))
    inputs = ("", "Racecar", "A man, a plan, a canal: Panama", "abca", "noon", "step on no pets",
              rng.choice(WORDS))
    return Spec(name, ((arg, "str"),), "bool", prompt, body(*lines),
                tuple((i,) for i in inputs), (loose,))


@family("easy", held_out=True)
def mask_tail(rng: random.Random) -> Spec:
    n = rng.randint(2, 6)
    mark = rng.choice(["*", "#", "x"])
    arg = rng.choice(["card", "account", "secret", "token", "phone", "s"])
    name = one(rng, f"mask_{arg}", f"mask_all_but_last_{n}", "mask_string", f"hide_{arg}",
               f"redact_{arg}")
    prompt = one(
        rng,
        f"Replace every character of `{arg}` except the last {n} with {mark!r} and return the "
        f"result. Strings of at most {n} characters are returned unchanged.",
        f"Mask `{arg}` for display: keep its last {n} characters and turn all earlier "
        f"characters into {mark!r}.",
        f"Return `{arg}` with all but the final {n} characters hidden behind {mark!r} "
        "(one mask character per hidden character).")
    inputs = ("", "ab"[: min(n, 2)], "x" * n, str(rng.randint(10 ** 9, 10 ** 10)),
              rng.choice(WORDS) + str(rng.randint(10, 99)), "abcdefghij")
    return Spec(name, ((arg, "str"),), "str", prompt,
                body(f"hidden = max(len({arg}) - {n}, 0)",
                     f"return {mark!r} * hidden + {arg}[hidden:]"),
                tuple((i,) for i in inputs), (n, mark))


@family("medium", held_out=True)
def grade_bucket(rng: random.Random) -> Spec:
    t2 = rng.randint(40, 70)
    t1 = t2 + rng.randint(10, 25)
    labels = rng.choice([("A", "B", "C"), ("high", "medium", "low"), ("gold", "silver", "bronze"),
                         ("pass+", "pass", "fail")])
    arg = rng.choice(["score", "points", "mark", "value", "percent"])
    name = one(rng, "grade", f"grade_{arg}", f"bucket_{arg}", f"classify_{arg}", f"{arg}_band",
               f"{arg}_label")
    l1, l2, l3 = labels
    prompt = one(
        rng,
        f"Return {l1!r} if `{arg}` is at least {t1}, {l2!r} if it is at least {t2}, and "
        f"{l3!r} otherwise.",
        f"Classify `{arg}`: {t1} or more is {l1!r}, from {t2} up to below {t1} is {l2!r}, "
        f"anything lower is {l3!r}. Return the label.",
        f"Map the number `{arg}` to a band label: {l1!r} for {arg} >= {t1}, {l2!r} for "
        f"{arg} >= {t2}, else {l3!r}.")
    inputs = ((t1,), (t1 - 1,), (t2,), (t2 - 1,), (rng.randint(0, t2 - 2),),
              (rng.randint(t1 + 1, 100),))
    return Spec(name, ((arg, "int"),), "str", prompt,
                body(f"if {arg} >= {t1}:", f"    return {l1!r}", f"if {arg} >= {t2}:",
                     f"    return {l2!r}", f"return {l3!r}"),
                inputs, (t1, t2, labels))


# --------------------------------------------------------------------------- building the files


def make_tests(spec: Spec) -> list[str]:
    """Run the reference solution on each input and write one assert per distinct call.

    Raises ValueError when fewer than MIN_TESTS distinct calls remain or every call gives the
    same answer (a constant stub would pass)."""
    namespace: dict[str, Any] = {}
    exec(compile(spec.solution, f"<{spec.name}>", "exec"), namespace)  # our own reference code
    fn = namespace[spec.name]
    tests: list[str] = []
    results: list[str] = []
    for args in spec.inputs:
        result = fn(*copy.deepcopy(args))
        call = f"{spec.name}({', '.join(repr(a) for a in args)})"
        if isinstance(result, bool) or result is None:
            test = f"assert {call} is {result!r}"
        else:
            test = f"assert {call} == {result!r}"
        if test not in tests:
            tests.append(test)
            results.append(repr(result))
        if len(tests) == MAX_TESTS:
            break
    if len(tests) < MIN_TESTS or len(set(results)) < 2:
        raise ValueError(f"{spec.name}: too few distinct tests ({tests})")
    return tests


def _quotas(total: int, n: int) -> list[int]:
    """*total* split over *n* families: the first ones get one more."""
    return [total // n + (1 if i < total % n else 0) for i in range(n)]


def _draw(rng: random.Random, fam: Family, accept: Callable[[Spec, str], bool]) -> Spec:
    for _ in range(500):
        spec = fam.make(rng)
        if accept(spec, case_key(spec.signature, spec.prompt)):
            return spec
    raise ValueError(f"family {fam.name}: no new task in 500 draws")


def _row(id_: str, spec: Spec, tags: list[str], solution: bool) -> dict[str, Any]:
    row: dict[str, Any] = {"id": id_, "input": {"prompt": spec.prompt,
                                                "signature": spec.signature}}
    if solution:
        row["solution"] = spec.solution
    row["expected"] = {"entry_point": spec.name, "tests": make_tests(spec)}
    row["tags"] = tags
    return row


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


def check_disjoint(cases: list[dict[str, Any]], train: list[dict[str, Any]]) -> None:
    """Refuse (ValueError) a test set and a training set that share a key, a function name or
    a prompt (up to whitespace and case), or a file that repeats a key or an id."""
    for label, rows in (("cases", cases), ("train", train)):
        keys = [case_key(r["input"]["signature"], r["input"]["prompt"]) for r in rows]
        if len(set(keys)) != len(keys):
            raise ValueError(f"{label}: duplicate case_key")
        if len({r["id"] for r in rows}) != len(rows):
            raise ValueError(f"{label}: duplicate id")
    test_keys = {case_key(r["input"]["signature"], r["input"]["prompt"]) for r in cases}
    shared = [r["id"] for r in train
              if case_key(r["input"]["signature"], r["input"]["prompt"]) in test_keys]
    if shared:
        raise ValueError(f"training examples share a case_key with a test case: {shared}")
    names = {r["expected"]["entry_point"] for r in cases}
    both = sorted(names & {r["expected"]["entry_point"] for r in train})
    if both:
        raise ValueError(f"function names in both sets: {both}")
    test_prompts = {_norm(r["input"]["prompt"]) for r in cases}
    same = [r["id"] for r in train if _norm(r["input"]["prompt"]) in test_prompts]
    if same:
        raise ValueError(f"training examples with a test case's prompt: {same}")


def generate() -> dict[str, list[dict[str, Any]]]:
    """The three files' rows: test cases (seen families, then held out), their solutions, and
    the training set; checked by :func:`check_disjoint`."""
    rng = random.Random(SEED)
    seen = [f for f in FAMILIES if not f.held_out]
    held = [f for f in FAMILIES if f.held_out]
    names: set[str] = set()
    keys: set[str] = set()
    prompts: set[str] = set()  # the test cases' prompts, normalised
    test_params: dict[str, set[tuple[Any, ...]]] = {f.name: set() for f in FAMILIES}

    def new_test(spec: Spec, key: str) -> bool:
        return spec.name not in names and key not in keys

    cases, solutions = [], []
    for split, fams, total in (("seen", seen, N_TEST_SEEN), ("unseen", held, N_TEST_UNSEEN)):
        for fam, quota in zip(fams, _quotas(total, len(fams)), strict=True):
            for i in range(quota):
                spec = _draw(rng, fam, new_test)
                names.add(spec.name)
                keys.add(case_key(spec.signature, spec.prompt))
                prompts.add(_norm(spec.prompt))
                test_params[fam.name].add(spec.params)
                id_ = f"{fam.name.replace('_', '-')}-{i + 1}"
                cases.append(_row(id_, spec, [f"family:{fam.name}", f"split:{split}",
                                              f"difficulty:{fam.difficulty}"], solution=False))
                solutions.append({"id": id_, "solution": spec.solution})

    train = []
    for fam, quota in zip(seen, _quotas(N_TRAIN, len(seen)), strict=True):
        def new_train(spec: Spec, key: str, fam: Family = fam) -> bool:
            return (spec.name not in names and key not in keys
                    and _norm(spec.prompt) not in prompts
                    and not (fam.wide_params and spec.params in test_params[fam.name]))

        for i in range(quota):
            spec = _draw(rng, fam, new_train)
            keys.add(case_key(spec.signature, spec.prompt))
            train.append(_row(f"train-{fam.name.replace('_', '-')}-{i + 1}", spec,
                              [f"family:{fam.name}"], solution=True))
    check_disjoint(cases, train)
    return {"cases.jsonl": cases, "test_solutions.jsonl": solutions, "train.jsonl": train}


def render(rows: list[dict[str, Any]]) -> str:
    """The JSONL text: one row per line, keys in a fixed order, UTF-8 kept readable."""
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def main() -> None:
    files = generate()  # raises before anything is written when the sets overlap
    for name, rows in files.items():
        (HERE / name).write_text(render(rows), encoding="utf-8")
        print(f"wrote {len(rows)} rows to {HERE / name}", file=sys.stderr)


if __name__ == "__main__":
    main()
