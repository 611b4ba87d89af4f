"""The bubblewrap command line for one execution: namespaces, mounts, seccomp, environment.

The sandbox sees a read-only ``/usr`` (with the ``/bin``, ``/lib``… links of a merged-usr
system), the Python installation it runs on (read-only), a fresh ``/proc`` of its own PID
namespace, a minimal ``/dev`` and its work directory ``/sandbox``: a size-capped tmpfs,
writable, gone when the execution ends. Nothing else of the host file system exists there:
no ``/etc``, ``/home``, ``/root``, ``/tmp``, ``/run``, no project checkout.

Two ways to run it:

- **As root** (this project's machines and CI): bwrap runs privileged (no user namespace),
  keeps only CAP_SETUID/CAP_SETGID for the bootstrap, which drops to a uid of its own before
  any untrusted code runs. A fresh uid per execution makes RLIMIT_NPROC (ignored for root)
  count only that execution's processes, and lets the host find and kill every one of them.
- **As another user**: bwrap creates a user namespace (unprivileged user namespaces must be
  enabled), and RLIMIT_NPROC counts processes inside it.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from pipeline.errors import PrerequisiteError
from pipeline.sandbox import _seccomp

WORKDIR = "/sandbox"
MAIN = f"{WORKDIR}/main.py"
# The environment inside: nothing of the caller's survives.
ENV = {"PATH": "/usr/bin:/bin", "HOME": WORKDIR, "TMPDIR": WORKDIR, "LANG": "C.UTF-8"}
_BOOTSTRAP = Path(__file__).with_name("_bootstrap.py")
# Isolated mode, no `site`, no .pyc writes: the standard library only, and none of the host's
# site-packages or .pth start-up hooks run inside (they cost ~90 ms here, too).
PYTHON_FLAGS = ("-I", "-S", "-B")


class SandboxUnavailable(PrerequisiteError):
    """The sandbox cannot run here; the message says why and what to install."""


def find_bwrap() -> str:
    """The path of ``bwrap``, or :class:`SandboxUnavailable` naming the install command."""
    path = shutil.which("bwrap") or (
        "/usr/bin/bwrap" if os.access("/usr/bin/bwrap", os.X_OK) else None
    )
    if path is None:
        raise SandboxUnavailable(
            "the sandbox needs bubblewrap: apt-get install bubblewrap (or `make sandbox-deps`)"
        )
    if not _seccomp.supported():
        raise SandboxUnavailable("the sandbox's seccomp filter supports x86-64 only")
    return path


def interpreter() -> tuple[str, list[str]]:
    """The Python to run inside (this one's base interpreter, not a venv) and the host paths
    it needs, besides ``/usr``, to start."""
    exe = os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)
    prefix = os.path.realpath(sys.base_prefix)
    needed = [p for p in {prefix, os.path.dirname(exe)} if not _under(p, "/usr")]
    # the executable's directory is inside the prefix in every usual layout
    needed = [p for p in needed if not any(p != q and _under(p, q) for q in needed)]
    return exe, sorted(needed)


def command(
    bwrap: str,
    *,
    as_root: bool,
    uid: int | None,
    fds: Mapping[str, int],
    files: Mapping[str, int],
    dirs: list[str],
    limits: list[int],
    disk_bytes: int,
) -> list[str]:
    """The argv for one execution. ``fds`` holds the descriptors already open for ``seccomp``
    and ``report``; ``files`` maps sandbox paths to descriptors bwrap copies them from."""
    exe, needed = interpreter()
    argv = [
        bwrap,
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--hostname",
        "sandbox",
        "--die-with-parent",
        "--new-session",
    ]
    if as_root:
        argv += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        argv += ["--unshare-user", "--disable-userns", "--uid", "1000", "--gid", "1000"]
    argv += ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        host = f"/{name}"
        if os.path.islink(host):
            argv += ["--symlink", os.readlink(host), host]
        elif os.path.isdir(host):
            argv += ["--ro-bind", host, host]
    for path in needed:
        # bwrap would create the mount point's parents mode 0700: unreadable once unprivileged
        for parent in reversed(PurePosixPath(path).parents[:-1]):
            argv += ["--perms", "0755", "--dir", str(parent)]
        argv += ["--ro-bind", path, path]
    argv += ["--proc", "/proc", "--dev", "/dev"]
    argv += ["--size", str(disk_bytes), "--perms", "0777", "--tmpfs", WORKDIR]
    for path in dirs:
        argv += ["--perms", "0777", "--dir", path]
    for path, fd in files.items():
        argv += ["--perms", "0666", "--file", str(fd), path]
    argv += ["--remount-ro", "/", "--chdir", WORKDIR, "--seccomp", str(fds["seccomp"])]
    bootstrap = _bootstrap_source()
    owner = "-" if uid is None else str(uid)
    argv += ["--", exe, *PYTHON_FLAGS, "-c", bootstrap, str(fds["report"]), owner]
    argv += [str(v) for v in limits] + [MAIN]
    return argv


@functools.cache
def _bootstrap_source() -> str:
    return _BOOTSTRAP.read_text()


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")
