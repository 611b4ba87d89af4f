"""The seccomp filter every sandboxed process runs under, as classic BPF for bwrap's --seccomp.

Written out by hand (a dozen instructions) rather than through libseccomp, which has no Python
binding on PyPI. It is a deny list on top of the namespaces, not the isolation itself:

- ``socket()`` for any family but ``AF_UNIX`` fails with ``EACCES``. The network namespace
  already has no route out; the filter makes the attempt fail at once and reads as
  ``forbidden`` (a ``PermissionError``) instead of a confusing ``ConnectionRefusedError``.
- New user namespaces (``unshare``, ``clone`` with ``CLONE_NEWUSER``) fail with ``EPERM``:
  a fresh user namespace would hand the code capabilities over new network, mount and
  netfilter objects, the largest kernel attack surface left to an unprivileged process.
  ``clone3`` fails with ``ENOSYS`` (its flags sit in memory BPF cannot read), so glibc falls
  back to ``clone``.
- io_uring, bpf, perf_event_open, userfaultfd, the keyring calls and the mount family fail
  with ``EPERM``: none is needed by ordinary Python, all are frequent exploit ingredients.
- Any other architecture's system calls (i386 ``int 0x80``, x32) fail with ``EPERM``.

Only x86-64 is supported; :func:`filter_program` raises on other machines.
"""

from __future__ import annotations

import errno
import platform
import struct

# struct seccomp_data: int nr; u32 arch; u64 instruction_pointer; u64 args[6]
_NR, _ARCH, _ARG0_LOW = 0, 4, 16
_AUDIT_ARCH_X86_64 = 0xC000003E
_X32_BIT = 0x40000000
_CLONE_NEWUSER = 0x10000000
_AF_UNIX = 1

_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000

# BPF opcodes
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_JSET_K = 0x45
_RET_K = 0x06

# x86-64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl)
_SOCKET, _CLONE, _CLONE3 = 41, 56, 435
_DENIED = {
    "unshare": 272,
    "setns": 308,
    "mount": 165,
    "umount2": 166,
    "pivot_root": 155,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "mount_setattr": 442,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "bpf": 321,
    "perf_event_open": 298,
    "userfaultfd": 323,
    "add_key": 248,
    "request_key": 249,
    "keyctl": 250,
}


def supported() -> bool:
    """Whether this machine's architecture has a filter (x86-64 only)."""
    return platform.machine() in ("x86_64", "AMD64")


def filter_program() -> bytes:
    """The compiled filter: ``struct sock_filter`` records, as bwrap's ``--seccomp FD`` reads."""
    if not supported():
        raise RuntimeError(f"no seccomp filter for {platform.machine()} (x86-64 only)")
    # (opcode, jump-if-true label, jump-if-false label, k); labels resolve to forward offsets
    prog: list[tuple[int, str | None, str | None, int] | str] = [
        (_LD_W_ABS, None, None, _ARCH),
        (_JEQ_K, None, "eperm", _AUDIT_ARCH_X86_64),
        (_LD_W_ABS, None, None, _NR),
        (_JGE_K, "eperm", None, _X32_BIT),
        (_JEQ_K, "socket", None, _SOCKET),
        (_JEQ_K, "clone", None, _CLONE),
        (_JEQ_K, "enosys", None, _CLONE3),
        *[(_JEQ_K, "eperm", None, nr) for nr in _DENIED.values()],
        (_RET_K, None, None, _RET_ALLOW),
        "socket",
        (_LD_W_ABS, None, None, _ARG0_LOW),
        (_JEQ_K, "allow", "eacces", _AF_UNIX),
        "clone",
        (_LD_W_ABS, None, None, _ARG0_LOW),
        (_JSET_K, "eperm", "allow", _CLONE_NEWUSER),
        "allow",
        (_RET_K, None, None, _RET_ALLOW),
        "eperm",
        (_RET_K, None, None, _RET_ERRNO | errno.EPERM),
        "eacces",
        (_RET_K, None, None, _RET_ERRNO | errno.EACCES),
        "enosys",
        (_RET_K, None, None, _RET_ERRNO | errno.ENOSYS),
    ]
    labels: dict[str, int] = {}
    pc = 0
    for item in prog:
        if isinstance(item, str):
            labels[item] = pc
        else:
            pc += 1
    out = bytearray()
    pc = 0
    for item in prog:
        if isinstance(item, str):
            continue
        code, jt, jf = item[0], item[1], item[2]
        offsets = [0 if label is None else labels[label] - pc - 1 for label in (jt, jf)]
        assert all(0 <= off < 256 for off in offsets), "BPF jumps are forward and short"
        out += struct.pack("=HBBI", code, offsets[0], offsets[1], item[3])
        pc += 1
    return bytes(out)
