"""What a caller passes to the sandbox (:class:`SandboxOptions`) and gets back (a result)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from pydantic import Field

from pipeline.config.base import StrictModel


class Status(StrEnum):
    """How an execution ended. Exactly one applies; the order below is the precedence.

    - ``timeout``: the wall-clock limit (the host killed it) or the CPU-time limit (SIGXCPU).
    - ``output_limit``: stdout or stderr passed ``output_cap_bytes`` (the host killed it), or a
      file write passed ``max_file_mb`` or filled the ``disk_mb`` work directory.
    - ``memory``: an allocation passed ``memory_mb`` (``MemoryError`` or ``ENOMEM``).
    - ``forbidden``: the code did something the sandbox denies and died of it: a network
      socket, a write outside its work directory, another process's files (``EACCES``,
      ``EPERM``, ``EROFS``).
    - ``crashed``: killed by a signal (a segfault, an abort, SIGKILL from the CPU hard limit).
    - ``error``: any other non-zero exit, an uncaught exception included.
    - ``ok``: exit status 0.

    ``timeout`` and ``output_limit`` on the host's side are decided by the host alone. The
    others are read from the exit status and from a report the sandboxed process writes
    itself, which the code could forge: they name a failure, they prove nothing. Whatever the
    status, the limits held.
    """

    OK = "ok"
    ERROR = "error"
    TIMEOUT = "timeout"
    MEMORY = "memory"
    FORBIDDEN = "forbidden"
    CRASHED = "crashed"
    OUTPUT_LIMIT = "output_limit"


class SandboxOptions(StrictModel):
    """Limits for one execution. Every limit applies to each execution separately.

    ``memory_mb``, ``max_file_mb`` and ``cpu_s`` are per-process rlimits: a code that forks
    ``max_procs`` processes may use up to ``max_procs`` times as much memory and CPU time in
    total (the wall-clock limit still ends them all).
    """

    timeout_s: float = Field(10.0, gt=0, le=3600, description="wall-clock limit, seconds")
    cpu_s: float | None = Field(
        None, gt=0, le=3600, description="CPU time per process, seconds (default: timeout_s)"
    )
    memory_mb: int = Field(512, ge=64, description="address space per process (RLIMIT_AS)")
    max_file_mb: int = Field(16, ge=1, description="largest file the code may write")
    disk_mb: int = Field(64, ge=1, description="size of the work directory (a tmpfs, in RAM)")
    max_procs: int = Field(32, ge=1, le=4096, description="processes and threads at once")
    max_open_files: int = Field(256, ge=16, le=65536, description="open files per process")
    output_cap_bytes: int = Field(1_000_000, ge=1, description="kept of stdout and of stderr")

    @property
    def cpu_limit_s(self) -> int:
        """The CPU-time rlimit in whole seconds (rlimits have no fractions)."""
        return math.ceil(self.cpu_s if self.cpu_s is not None else self.timeout_s)


@dataclass(frozen=True)
class SandboxResult:
    """The outcome of one execution.

    ``stdout``/``stderr`` are decoded as UTF-8 (undecodable bytes replaced) and hold at most
    ``output_cap_bytes`` bytes each; ``*_truncated`` says whether more was written. Either the
    process exited (``exit_code`` set, ``signal`` None) or a signal ended it (``signal`` set,
    ``exit_code`` None); when the host ended it (``timeout`` on the wall clock,
    ``output_limit`` on a stream) ``signal`` is SIGKILL. ``detail`` says in words what
    happened, for people; match on ``status``, not on ``detail``.
    """

    status: Status
    exit_code: int | None
    signal: int | None
    stdout: str
    stderr: str
    stdout_truncated: bool
    stderr_truncated: bool
    wall_s: float
    detail: str

    @property
    def truncated(self) -> bool:
        """Whether either stream was cut at ``output_cap_bytes``."""
        return self.stdout_truncated or self.stderr_truncated
