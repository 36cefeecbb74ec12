"""Run a function in a forked child process and get its result back.

An audit puts the machine's second core to work this way (``detector/audit.py``,
``detector/audit_io.py``): a forked child starts with a copy of this process's memory — the
loaded models, the reports already read — so nothing has to be sent to it; only the result
comes back, pickled through a pipe.

Forking is only safe where no other thread could hold a lock the child needs, and only
worth it with a second CPU: :func:`can_fork` allows it in the main thread of a process whose
other threads (if any) are daemon helpers such as tqdm's monitor, on a system with ``fork``
and more than one usable CPU, unless ``KEFUGUARD_AUDIT_FORK=0``. So the CLI forks; an audit
run by the service's background thread does not. The child limits OpenMP/BLAS to one
thread. A child that fails is reported as :class:`ForkFailed` (with its traceback as text):
callers then do the work themselves, so a real error surfaces as the ordinary exception.

:class:`Standby` forks a child before its arguments exist: it warms up (imports, say) on
the otherwise idle core while this process works, and gets its arguments pickled later.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import traceback
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")

ENV = "KEFUGUARD_AUDIT_FORK"


class ForkFailed(RuntimeError):
    """The forked child raised, died or could not be started."""


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """True when :class:`Forked` may be used here (see the module docstring)."""
    main = threading.main_thread()
    return (
        os.environ.get(ENV, "1") != "0"
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.current_thread() is main
        and all(t.daemon for t in threading.enumerate() if t is not main)
        and usable_cpus() > 1
    )


def _child(conn, fn: Callable[..., Any], args: tuple) -> None:
    try:
        result = ("ok", fn(*args))
    except BaseException:  # everything goes back to the parent, as text
        result = ("error", traceback.format_exc())
    try:
        conn.send(result)
    except Exception:  # e.g. an unpicklable result
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


class Forked(Generic[T]):
    """``fn(*args)`` running in a forked child; :meth:`result` waits for it."""

    def __init__(self, fn: Callable[..., T], *args: Any):
        ctx = multiprocessing.get_context("fork")
        self._conn, child_conn = ctx.Pipe(duplex=False)
        self._process = ctx.Process(target=_child, args=(child_conn, fn, args), daemon=True)
        try:
            self._process.start()
        except OSError as exc:
            raise ForkFailed(f"cannot fork: {exc}") from exc
        finally:
            child_conn.close()

    def ready(self) -> bool:
        """True when :meth:`result` would not wait."""
        return self._conn.poll()

    def result(self) -> T:
        try:
            status, value = self._conn.recv()
        except (EOFError, OSError) as exc:
            self._process.join()
            raise ForkFailed(f"forked child died (exit code {self._process.exitcode})") from exc
        finally:
            self._conn.close()
        self._process.join()
        if status != "ok":
            raise ForkFailed(f"forked child failed:\n{value}")
        return value

    def cancel(self) -> None:
        """Stop the child (when its result is no longer wanted)."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._conn.close()


def _warm_then_run(receive, send, warm_up: Callable[[], None], fn: Callable[..., Any]) -> Any:
    """A :class:`Standby` child's work."""
    send.close()  # the parent's end: the pipe reads as closed if the parent goes away
    warm_up()
    with receive:
        args = receive.recv()
    return fn(*args)


class Standby(Generic[T]):
    """A child forked now that runs ``warm_up()``, then ``fn(*args)`` with the arguments
    of :meth:`send`; :meth:`result` waits for it."""

    def __init__(self, warm_up: Callable[[], None], fn: Callable[..., T]):
        receive, self._send = multiprocessing.get_context("fork").Pipe(duplex=False)
        try:
            self._child: Forked[T] = Forked(_warm_then_run, receive, self._send, warm_up, fn)
        except ForkFailed:
            self._send.close()
            raise
        finally:
            receive.close()

    def send(self, *args: Any) -> None:
        """Pickle the arguments to the child (ForkFailed if it is gone)."""
        try:
            self._send.send(args)
        except OSError as exc:
            raise ForkFailed(f"standby child is gone: {exc}") from exc
        finally:
            self._send.close()

    def result(self) -> T:
        return self._child.result()

    def cancel(self) -> None:
        """Stop the child (when its result is no longer wanted)."""
        self._send.close()
        self._child.cancel()
