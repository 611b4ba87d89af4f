"""Render harness_compare.yaml's prompt for every case into samples.jsonl, the one dataset the
other harnesses (Inspect, lm-eval, promptfoo) read, so all four send the same text.

    python experiments/harnesses/make_samples.py

Each line: {"id", "system", "user", "target", "labels", "tags"}; `id` is the case id, so
imported runs pair with the runner's on the same cases.
"""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.loading import load_experiment

HERE = Path(__file__).parent


def main() -> None:
    exp = load_experiment(HERE.parent / "harness_compare.yaml")
    variant = exp.spec.variants[0]
    out = HERE / "classification" / "samples.jsonl"
    out.parent.mkdir(exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for case in exp.cases:
            system, user = exp.render(variant, case)
            fh.write(json.dumps({"id": case.id, "system": system, "user": user,
                                 "target": case.expected, "labels": case.input["labels"],
                                 "tags": list(case.tags)}, ensure_ascii=False) + "\n")
    print(f"wrote {out} ({len(exp.cases)} cases)")


if __name__ == "__main__":
    main()
