"""First code run inside the sandbox (``python -I -S -B -c``): the limits, then the user's code.

It runs before any untrusted code, so what it sets holds for the whole execution: rlimits
(soft = hard, so the code cannot raise them again; CPU gets one second of grace between
SIGXCPU and SIGKILL), then, when the host ran the sandbox as root, the drop to the run's own
unprivileged uid (after which no capability is left).

It reports on a pipe the host reads: ``start`` first (so the host can tell a sandbox that
never came up from code that failed), then ``exit N`` or ``exc TYPE ERRNO`` once the code
finishes. The report comes from inside the sandbox, so the code can forge or suppress it:
the host uses it only to name a failure mode, never to decide what is contained.

Arguments: report_fd uid|- cpu_s memory_bytes file_bytes nproc nofile main_path
"""

import os
import resource
import sys


def _main() -> None:
    fd = int(sys.argv[1])
    uid = sys.argv[2]
    cpu, memory, file_size, nproc, nofile = (int(a) for a in sys.argv[3:8])
    main_path = sys.argv[8]
    os.set_inheritable(fd, False)
    for name in os.listdir("/proc/self/fd"):  # what bwrap passed on (os.closerange is slow)
        if int(name) > 2 and int(name) != fd:
            try:
                os.close(int(name))
            except OSError:
                pass
    limits = {
        resource.RLIMIT_CPU: (cpu, cpu + 1),
        resource.RLIMIT_AS: (memory, memory),
        resource.RLIMIT_FSIZE: (file_size, file_size),
        resource.RLIMIT_NPROC: (nproc, nproc),
        resource.RLIMIT_NOFILE: (nofile, nofile),
        resource.RLIMIT_CORE: (0, 0),
    }
    for which, value in limits.items():
        resource.setrlimit(which, value)
    if uid != "-":
        os.setgroups([])
        os.setresgid(int(uid), int(uid), int(uid))
        os.setresuid(int(uid), int(uid), int(uid))
    os.write(fd, b"start\n")

    import builtins

    # `site` is not loaded (-S); keep the two names from it that scripts do use
    builtins.exit = builtins.quit = sys.exit
    sys.argv = [main_path]
    sys.path.insert(0, os.path.dirname(main_path))
    # what runpy.run_path does for a file, without importing runpy (~6 ms)
    main = type(sys)("__main__")
    main.__file__ = main_path
    main.__builtins__ = builtins
    sys.modules["__main__"] = main
    try:
        with open(main_path, "rb") as fh:
            source = fh.read()
        exec(compile(source, main_path, "exec"), main.__dict__)
    except SystemExit as exc:
        code = exc.code
        status = 0 if code is None else code if isinstance(code, int) else 1
        _report(fd, f"exit {status & 0xFF}")
        raise
    except BaseException as exc:  # every failure of the user's code is reported
        _report(fd, f"exc {type(exc).__name__} {getattr(exc, 'errno', None)}")
        import traceback

        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != main_path:
            tb = tb.tb_next
        traceback.print_exception(type(exc), exc, tb)
        raise SystemExit(1) from None
    _report(fd, "exit 0")


def _report(fd: int, line: str) -> None:
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:  # a broken stdout must not hide the report
        pass
    try:
        os.write(fd, line.encode() + b"\n")
    except OSError:
        pass


if __name__ == "__main__":
    _main()
