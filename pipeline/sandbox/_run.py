"""Run one execution: start bwrap, feed it, read its output under the caps, end it, classify it."""

from __future__ import annotations

import errno
import os
import secrets
import selectors
import signal
import subprocess
import time
from pathlib import PurePosixPath

from pipeline.sandbox import _bwrap, _seccomp
from pipeline.sandbox._bwrap import SandboxUnavailable
from pipeline.sandbox._types import SandboxOptions, SandboxResult, Status

# Each execution as root runs under a uid of its own, drawn from this range (far above any
# account or subuid range): RLIMIT_NPROC then counts only its processes, and every process it
# leaves is found by uid. Drawn from the OS's randomness, not `random`, which callers seed.
_UID_BASE = 0x10000000
_UID_SPAN = 0x10000000
_READ = 65536
_REPORT_CAP = 4096
_FORBIDDEN_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS}
_OUTPUT_ERRNOS = {errno.EFBIG, errno.ENOSPC, errno.EDQUOT}


def run_python(
    code: str,
    options: SandboxOptions | None = None,
    files: dict[str, str] | None = None,
    stdin: str | None = None,
) -> SandboxResult:
    """Run ``code`` as ``/sandbox/main.py`` in a fresh sandbox and return how it ended.

    ``files`` are written into the work directory first (relative paths, subdirectories
    allowed; ``/sandbox`` is on ``sys.path``, so the code can import them); ``stdin`` is its
    standard input (empty when None). The call returns within about ``timeout_s`` plus a
    fraction of a second; when it returns, no process of the execution is left. Raises
    :class:`SandboxUnavailable` when bubblewrap is missing or cannot start a sandbox here, and
    ``ValueError`` for a file name that is absolute, climbs out with ``..`` or is ``main.py``.
    """
    options = options or SandboxOptions()
    bwrap = _bwrap.find_bwrap()
    contents = {_bwrap.MAIN: code, **_sandbox_paths(files or {})}
    as_root = os.geteuid() == 0
    uid = _UID_BASE + secrets.randbelow(_UID_SPAN) if as_root else None
    opened: list[int] = []
    try:
        file_fds = {path: _memfd(text.encode(), opened) for path, text in contents.items()}
        seccomp_fd = _memfd(_seccomp.filter_program(), opened)
        stdin_fd = _memfd((stdin or "").encode(), opened)
        report_r, report_w = os.pipe()
        opened += [report_r, report_w]
        limits = [
            options.cpu_limit_s,
            options.memory_mb << 20,
            options.max_file_mb << 20,
            options.max_procs,
            options.max_open_files,
        ]
        argv = _bwrap.command(
            bwrap,
            as_root=as_root,
            uid=uid,
            fds={"seccomp": seccomp_fd, "report": report_w},
            files=file_fds,
            dirs=_parents(contents),
            limits=limits,
            disk_bytes=options.disk_mb << 20,
        )
        started = time.perf_counter()
        proc = subprocess.Popen(
            argv,
            stdin=stdin_fd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(seccomp_fd, report_w, *file_fds.values()),
            env=_bwrap.ENV,
            start_new_session=True,
        )
        for fd in (seccomp_fd, report_w, stdin_fd, *file_fds.values()):
            os.close(fd)
            opened.remove(fd)
        try:
            streams, killed = _collect(proc, report_r, options, started)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            wall = time.perf_counter() - started
            if uid is not None:
                _kill_uid(uid)
            proc.stdout.close()
            proc.stderr.close()
    finally:
        for fd in opened:
            os.close(fd)
    return _classify(proc.returncode, streams, killed, options, wall)


def _collect(
    proc: subprocess.Popen, report_r: int, options: SandboxOptions, started: float
) -> tuple[dict[str, bytearray], str | None]:
    """Read stdout, stderr and the report until all close, the deadline passes or a stream
    passes its cap. Returns the bytes read and why the host must kill it (or None)."""
    caps = {"stdout": options.output_cap_bytes, "stderr": options.output_cap_bytes}
    caps["report"] = _REPORT_CAP
    bufs = {name: bytearray() for name in caps}
    deadline = started + options.timeout_s
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout.fileno(), selectors.EVENT_READ, "stdout")
    selector.register(proc.stderr.fileno(), selectors.EVENT_READ, "stderr")
    selector.register(report_r, selectors.EVENT_READ, "report")
    try:
        while selector.get_map():
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return bufs, "timeout"
            for key, _ in selector.select(remaining):
                name = key.data
                data = os.read(key.fd, _READ)
                if not data:
                    selector.unregister(key.fd)
                    continue
                buf = bufs[name]
                buf += data
                if len(buf) > caps[name]:
                    del buf[caps[name] + 1 :]  # one byte past the cap marks it truncated
                    if name == "report":
                        selector.unregister(key.fd)
                    else:
                        return bufs, name
        # every writer is gone; wait for the exit status within what is left of the deadline
        try:
            proc.wait(max(0.0, deadline - time.perf_counter()))
        except subprocess.TimeoutExpired:
            return bufs, "timeout"
        return bufs, None
    finally:
        selector.close()


def _classify(
    returncode: int,
    streams: dict[str, bytearray],
    killed: str | None,
    options: SandboxOptions,
    wall: float,
) -> SandboxResult:
    cap = options.output_cap_bytes
    report = bytes(streams["report"]).decode(errors="replace").splitlines()
    if killed == "timeout" and not report:
        killed = "timeout before the code started"
    elif not report or report[0] != "start":
        raise SandboxUnavailable(
            "bubblewrap could not start the sandbox: "
            + bytes(streams["stderr"][:2000]).decode(errors="replace").strip()
        )
    out, err = streams["stdout"], streams["stderr"]

    def result(
        status: Status, exit_code: int | None, sig: int | None, detail: str
    ) -> SandboxResult:
        return SandboxResult(
            status=status,
            exit_code=exit_code,
            signal=sig,
            stdout=bytes(out[:cap]).decode(errors="replace"),
            stderr=bytes(err[:cap]).decode(errors="replace"),
            stdout_truncated=len(out) > cap,
            stderr_truncated=len(err) > cap,
            wall_s=wall,
            detail=detail,
        )

    if killed is not None and killed.startswith("timeout"):
        detail = f"wall-clock limit of {options.timeout_s:g} s" + killed[len("timeout") :]
        return result(Status.TIMEOUT, None, signal.SIGKILL, detail)
    if killed is not None:
        return result(Status.OUTPUT_LIMIT, None, signal.SIGKILL, f"{killed} passed {cap} bytes")

    last = report[-1].split() if len(report) > 1 else []
    # bwrap passes a child's death by signal N on as exit status 128 + N; the report tells
    # that apart from a plain `sys.exit(128 + N)`.
    exited_so = len(last) == 2 and last[0] == "exit" and last[1] == str(returncode)
    if returncode > 128 and not exited_so:
        sig = returncode - 128
        name = _signal_name(sig)
        if sig == signal.SIGXCPU:
            return result(
                Status.TIMEOUT, None, sig, f"CPU-time limit of {options.cpu_limit_s} s ({name})"
            )
        if sig == signal.SIGXFSZ:
            return result(Status.OUTPUT_LIMIT, None, sig, f"file-size limit ({name})")
        return result(Status.CRASHED, None, sig, f"killed by {name}")
    if returncode == 0:
        return result(Status.OK, 0, None, "exit status 0")
    if len(last) == 3 and last[0] == "exc":
        kind, number = last[1], int(last[2]) if last[2].isdigit() else None
        detail = kind if number is None else f"{kind} [{errno.errorcode.get(number, number)}]"
        if kind == "MemoryError" or number == errno.ENOMEM:
            return result(Status.MEMORY, returncode, None, detail)
        if kind == "PermissionError" or number in _FORBIDDEN_ERRNOS:
            return result(Status.FORBIDDEN, returncode, None, detail)
        if number in _OUTPUT_ERRNOS:
            return result(Status.OUTPUT_LIMIT, returncode, None, detail)
        return result(Status.ERROR, returncode, None, detail)
    return result(Status.ERROR, returncode, None, f"exit status {returncode}")


def _kill_uid(uid: int, wait_s: float = 2.0) -> None:
    """SIGKILL every live process of ``uid`` until none is left (zombies are already dead).

    The PID namespace ends with its first process, so this finds something only in the
    moments while the kernel tears it down; it is the guarantee that nothing survives."""
    needle = f"\nUid:\t{uid}\t"
    deadline = time.monotonic() + wait_s
    while True:
        found = False
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/status") as fh:
                    status = fh.read()
            except OSError:
                continue
            if needle in status and "\nState:\tZ" not in status:
                found = True
                try:
                    os.kill(int(entry.name), signal.SIGKILL)
                except ProcessLookupError:
                    pass
        if not found or time.monotonic() > deadline:
            return
        time.sleep(0.01)


def _sandbox_paths(files: dict[str, str]) -> dict[str, str]:
    out = {}
    for name, text in files.items():
        path = PurePosixPath(name)
        if path.is_absolute() or ".." in path.parts or not path.parts or str(path) == "main.py":
            raise ValueError(f"sandbox file name {name!r}: a relative path inside, not main.py")
        out[f"{_bwrap.WORKDIR}/{path}"] = text
    return out


def _parents(contents: dict[str, str]) -> list[str]:
    """Directories to create for nested file names, parents first."""
    dirs: set[str] = set()
    for path in contents:
        parent = PurePosixPath(path).parent
        while str(parent) != _bwrap.WORKDIR:
            dirs.add(str(parent))
            parent = parent.parent
    return sorted(dirs, key=lambda d: d.count("/"))


def _memfd(data: bytes, opened: list[int]) -> int:
    fd = os.memfd_create("sandbox", 0)
    opened.append(fd)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _signal_name(sig: int) -> str:
    try:
        return signal.Signals(sig).name
    except ValueError:
        return f"signal {sig}"
