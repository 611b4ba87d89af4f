"""Benchmark: what the sandbox costs per execution.

    python bench/sandbox_overhead.py [--runs 30]

Runs `pass` N times through `run_python` (bwrap, seccomp, rlimits, privilege drop, output
capture, the /proc sweep for strays) and N times each as two plain subprocesses, alternating,
after 3 warm-up runs of each:

- `subprocess.run([sys.executable, '-c', 'pass'])`: what a scorer without a sandbox would do
  (this venv's Python, with `site` and every installed .pth hook);
- the same interpreter and flags the sandbox runs (base Python, `-I -S -B`), so the
  difference is the isolation alone.

Prints the median and 90th percentile of each in ms, and the overhead per execution (median
difference) and the ratio against each baseline. Prints; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from pipeline.sandbox import SandboxOptions, Status, run_python
from pipeline.sandbox._bwrap import PYTHON_FLAGS, interpreter


def _plain(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True)
    return time.perf_counter() - started


def _sandboxed(options: SandboxOptions) -> float:
    started = time.perf_counter()
    result = run_python("pass", options)
    elapsed = time.perf_counter() - started
    if result.status != Status.OK:
        raise SystemExit(f"sandboxed `pass` did not succeed: {result}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    options = SandboxOptions()
    venv_argv = [sys.executable, "-c", "pass"]
    same_argv = [interpreter()[0], *PYTHON_FLAGS, "-c", "pass"]
    for _ in range(3):
        _plain(venv_argv)
        _plain(same_argv)
        _sandboxed(options)
    plain, same, boxed = [], [], []
    for _ in range(args.runs):
        plain.append(_plain(venv_argv))
        same.append(_plain(same_argv))
        boxed.append(_sandboxed(options))

    def row(name: str, times: list[float]) -> str:
        p90 = statistics.quantiles(times, n=10)[-1] if len(times) > 1 else times[0]
        median = statistics.median(times)
        return f"  {name:<28} median {median * 1e3:7.1f} ms   p90 {p90 * 1e3:7.1f} ms"

    m_boxed = statistics.median(boxed)
    print(f"`pass`, {args.runs} runs each:")
    print(row("sandbox (run_python)", boxed))
    for name, times in (("plain, venv python -c", plain), ("plain, same python -I -S -B", same)):
        median = statistics.median(times)
        print(row(name, times))
        print(
            f"    sandbox overhead vs this: {(m_boxed - median) * 1e3:+.1f} ms per execution, "
            f"ratio {m_boxed / median:.2f}x"
        )


if __name__ == "__main__":
    main()
