"""A sandbox for model-written Python: run untrusted code, get back how it ended.

One call, :func:`run_python`, runs one program in a fresh bubblewrap sandbox (its own PID,
network, IPC and UTS namespaces; a read-only view of ``/usr`` and of the Python installation;
a private size-capped tmpfs as its only writable directory; a seccomp filter denying network
sockets and new user namespaces; rlimits on CPU time, memory, file size, processes and open
files; a uid of its own, with no capabilities) under a wall-clock limit, with its output
captured and capped, and returns a :class:`SandboxResult` whose ``status`` is one of the fixed
:class:`Status` values. See the README section "Sandbox for model-written code" for what it
does not protect against.
"""

from pipeline.sandbox._bwrap import SandboxUnavailable
from pipeline.sandbox._run import run_python
from pipeline.sandbox._types import SandboxOptions, SandboxResult, Status

__all__ = ["SandboxOptions", "SandboxResult", "SandboxUnavailable", "Status", "run_python"]
