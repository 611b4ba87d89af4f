"""Progress of a run that a person can follow, on a terminal or in a log.

On a terminal tqdm draws two bars (overall and the current model, with tokens/s and
errors; tqdm's ETA is the time left). Off a terminal (CI logs, `nohup`, a pipe) bars would be
control characters nobody reads, and a run printed nothing for minutes; there one plain line
per committed batch goes to stderr instead, flushed, e.g.

    smollm2-135m/default: 48/120 cases (40%) · passed 31/48 (64.6%) · 12.3 tok/s · ~3m10s left

counting what earlier sessions of the run stored too (a resume starts at 48, not 0); the
rate and time left are this session's. `enabled=False` (`--no-progress`) prints neither.

`RunInterrupted` is how a Ctrl-C during a run's batches reaches the command line with what was
kept (it is a KeyboardInterrupt, so anything that lets those through lets it through).
"""

from __future__ import annotations

import sys
import time

from tqdm import tqdm


def duration(seconds: float) -> str:
    """A short human duration: 45s, 3m10s, 2h05m."""
    s = max(int(round(seconds)), 0)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


def percent(part: int, whole: int) -> str:
    """`part/whole` as a percentage with one decimal ('-' for none)."""
    return f"{100 * part / whole:.1f}%" if whole else "-"


class Progress:
    """Bars on a terminal, one line per committed batch off it, or nothing.

    enabled=None: bars when stderr is a terminal, else lines; True: bars always; False:
    nothing. Counts are in samples (a case has `samples_per_case` of them); with one sample
    per case the lines say "cases".
    """

    def __init__(self, total: int, enabled: bool | None = None) -> None:
        if enabled is None:
            isatty = getattr(sys.stderr, "isatty", None)
            self.mode = "bars" if callable(isatty) and isatty() else "lines"
        else:
            self.mode = "bars" if enabled else "off"
        disable = self.mode != "bars"
        self._overall = tqdm(total=total, unit="sample", desc="overall", position=0,
                             disable=disable, dynamic_ncols=True, smoothing=0.1)
        self._disable = disable
        self._model: tqdm | None = None
        self._tokens = 0
        self._errors = 0
        self._t0 = time.perf_counter()
        # the lines' counters: the whole command's, and the current run's
        self._total, self._done_all, self._now_all = total, 0, 0
        self._label = ""
        self._run_total = self._run_done = self._run_passed = self._run_now = 0
        self._run_tokens = 0
        self._run_t0 = self._t0
        self._per_case = 1

    def start_model(self, model_id: str, total: int) -> None:
        """A new model: its own bar (cases done / total for that model)."""
        if self._model is not None:
            self._model.close()
        self._model = tqdm(total=total, unit="sample", desc=model_id, position=1, leave=False,
                           disable=self._disable, dynamic_ncols=True, smoothing=0.1)

    def start_run(self, label: str, already_done: int, total: int | None = None,
                  already_passed: int = 0, samples_per_case: int = 1) -> None:
        """A run starts (or resumes) with *already_done* of its *total* samples stored by
        earlier sessions, *already_passed* of them passed."""
        if self._model is not None:
            self._model.set_description(label)
            self._model.update(already_done)
        self._overall.update(already_done)
        self._label = label
        self._run_total = already_done if total is None else total
        self._run_done, self._run_passed = already_done, already_passed
        self._run_now = self._run_tokens = 0
        self._run_t0 = time.perf_counter()
        self._per_case = max(samples_per_case, 1)
        self._done_all += already_done

    def advance(self, samples: int, tokens: int, errors: int, passed: int = 0) -> None:
        """One committed batch: *samples* stored, *passed* of them passed."""
        self._tokens += tokens
        self._errors += errors
        now = time.perf_counter()
        elapsed = max(now - self._t0, 1e-9)
        postfix = {"tok/s": f"{self._tokens / elapsed:.1f}", "errors": self._errors}
        for bar in (self._model, self._overall):
            if bar is not None:
                bar.update(samples)
                bar.set_postfix(postfix, refresh=False)
        self._run_done += samples
        self._run_passed += passed
        self._run_now += samples
        self._run_tokens += tokens
        self._done_all += samples
        self._now_all += samples
        if self.mode == "lines":
            print(self.line(now), file=sys.stderr, flush=True)

    def line(self, now: float | None = None) -> str:
        """The current run's progress line (what a log shows after each batch)."""
        now = time.perf_counter() if now is None else now
        n = self._per_case
        unit = "cases" if n == 1 else "samples"
        parts = [f"{self._label}: {self._run_done}/{self._run_total} {unit} "
                 f"({100 * self._run_done // max(self._run_total, 1)}%)",
                 f"passed {self._run_passed}/{self._run_done} "
                 f"({percent(self._run_passed, self._run_done)})"]
        elapsed = now - self._run_t0
        if elapsed > 0 and self._run_now:
            parts.append(f"{self._run_tokens / elapsed:.1f} tok/s")
            left = (self._run_total - self._run_done) * elapsed / self._run_now
            if left > 0:
                parts.append(f"~{duration(left)} left")
            overall = now - self._t0  # model loads included: what the command will take
            rest = self._total - self._done_all
            if rest > self._run_total - self._run_done and self._now_all and overall > 0:
                parts.append(f"~{duration(rest * overall / self._now_all)} left in all")
        return " · ".join(parts)

    def close(self) -> None:
        if self._model is not None:
            self._model.close()
        self._overall.close()


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during a run: what the interrupted run kept, and what the command's runs kept
    before it. The runner raises it after its last committed batch; the CLI prints
    `message(resume_command)` and exits 130."""

    def __init__(self, run_id: str, label: str, kept: int, total: int,
                 unit: str = "cases") -> None:
        super().__init__(f"interrupted run {run_id} ({label}): kept {kept} of {total} {unit}")
        self.run_id, self.label, self.kept, self.total, self.unit = (run_id, label, kept,
                                                                     total, unit)
        self.earlier_runs = 0  # runs of the same command that finished before it
        self.earlier_kept = 0  # their cases stored (done before or during this command)

    def add_finished(self, runs: int, kept: int) -> None:
        """Count runs of the same command that finished before this one (callers up the
        stack add theirs)."""
        self.earlier_runs += runs
        self.earlier_kept += kept

    def message(self, resume: str) -> str:
        if self.kept:
            text = (f"interrupted: kept {self.kept} of {self.total} {self.unit} of run "
                    f"{self.run_id} ({self.label})")
        else:  # stopped before its first commit: the runner removed the empty run
            text = (f"interrupted: {self.label} stopped before its first batch was committed; "
                    f"nothing of it was stored")
        if self.earlier_runs:
            text += (f", {self.kept + self.earlier_kept} {self.unit} in all over "
                     f"{self.earlier_runs + 1} runs of this command")
        return f"{text}; run the same command to resume: {resume}"
