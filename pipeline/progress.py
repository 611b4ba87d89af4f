"""Progress of a run: an overall bar and one for the current model, with tokens/s and errors.

tqdm draws both; its own ETA covers "time left". Without a terminal (CI logs) the bars stay
off and the runner logs one line per finished run instead, so logs stay readable.
"""

from __future__ import annotations

import time

from tqdm import tqdm


class Progress:
    def __init__(self, total: int, enabled: bool | None = None) -> None:
        # enabled=None: only on a TTY (tqdm's disable=None); False: never; True: always
        disable = None if enabled is None else not enabled
        self._overall = tqdm(total=total, unit="sample", desc="overall", position=0,
                             disable=disable, dynamic_ncols=True, smoothing=0.1)
        self._disable = disable
        self._model: tqdm | None = None
        self._tokens = 0
        self._errors = 0
        self._t0 = time.perf_counter()

    def start_model(self, model_id: str, total: int) -> None:
        """A new model: its own bar (cases done / total for that model)."""
        if self._model is not None:
            self._model.close()
        self._model = tqdm(total=total, unit="sample", desc=model_id, position=1, leave=False,
                           disable=self._disable, dynamic_ncols=True, smoothing=0.1)

    def start_run(self, label: str, already_done: int) -> None:
        if self._model is not None:
            self._model.set_description(label)
            self._model.update(already_done)
        self._overall.update(already_done)

    def advance(self, samples: int, tokens: int, errors: int) -> None:
        self._tokens += tokens
        self._errors += errors
        elapsed = max(time.perf_counter() - self._t0, 1e-9)
        postfix = {"tok/s": f"{self._tokens / elapsed:.1f}", "errors": self._errors}
        for bar in (self._model, self._overall):
            if bar is not None:
                bar.update(samples)
                bar.set_postfix(postfix, refresh=False)

    def close(self) -> None:
        if self._model is not None:
            self._model.close()
        self._overall.close()
