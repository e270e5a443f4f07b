"""Running one benchmark trial in a supervised child process that can be killed when it overruns.

The parent (:class:`Supervisor`) starts ``python -m hpfold.bench._child`` once and reuses it
for trial after trial.  It sends a trial on the child's stdin and reads the child's messages
(warm-up done, start, reports, done or error) from its stdout; the child's own prints go to
stderr.  If no result arrives ``budget.seconds + grace`` seconds after the start, the parent
kills the child's whole process group (SIGKILL) and starts a fresh child for the next trial.
The reports streamed before the kill are kept, so an overrun run still has its best-so-far.

Messages are length-prefixed pickles of plain dicts, strings and integer arrays.
"""
from __future__ import annotations

import atexit
import logging
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
import traceback

import numpy as np

__all__ = ["Supervisor", "supervisor_for_thread", "close_supervisors", "kill_supervisors", "child_main",
           "execute_trial"]

log = logging.getLogger(__name__)

_HEADER = struct.Struct("<Q")


def write_frame(stream, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def read_frame(stream):
    """One message from a blocking binary stream, or None at end of file."""
    head = _read_exact(stream, _HEADER.size)
    if head is None:
        return None
    body = _read_exact(stream, _HEADER.unpack(head)[0])
    return None if body is None else pickle.loads(body)


def _read_exact(stream, size):
    buf = b""
    while len(buf) < size:
        chunk = stream.read(size - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


# -- the child side ----------------------------------------------------------------------------
def portable_conformation(conf):
    """What crosses the pipe: a direction string, an int64 coordinate array, or a description of junk."""
    if conf is None or isinstance(conf, str):
        return conf
    if hasattr(conf, "directions") and hasattr(conf, "lattice"):  # a Conformation
        from ..lattice import encode_directions
        return encode_directions(conf.directions)
    try:
        arr = np.asarray(conf)
        if arr.dtype.kind in "iu" or (arr.dtype.kind == "f" and np.all(arr == np.round(arr))):
            return np.ascontiguousarray(arr, dtype=np.int64)
    except (TypeError, ValueError):
        pass
    return {"unreadable": f"{type(conf).__name__}: {str(conf)[:80]}"}


def execute_trial(trial: dict, send, clock_factory=None) -> None:
    """Run one trial in this process, passing every message to ``send`` (also used in-process).

    ``trial`` holds ``algorithm, sequence, lattice, budget_seconds, budget_evaluations, seed, target``.
    """
    from .protocol import Budget, Reporter, monotonic_clock, resolve_algorithm

    clock_factory = clock_factory or monotonic_clock
    try:
        fn = resolve_algorithm(trial["algorithm"])
        budget = Budget(trial["budget_seconds"], trial.get("budget_evaluations"))
        warm = getattr(fn, "warmup", None)
        if warm is not None:
            t0 = time.perf_counter()
            warm(trial["sequence"], trial["lattice"])
            send({"kind": "warm", "seconds": time.perf_counter() - t0})
    except Exception as exc:  # noqa: BLE001 - any failure of user code is a result, not a crash
        send({"kind": "error", "t": 0.0, "message": _one_line(exc), "traceback": traceback.format_exc()})
        return
    clock = clock_factory()
    cpu0 = time.process_time()
    send({"kind": "start"})

    def cpu():
        return time.process_time() - cpu0  # CPU seconds of this process since the start (all its threads)

    def sink(t, elapsed, evaluations, energy, conformation):
        send({"kind": "report", "t": t, "cpu": cpu(), "elapsed": elapsed, "evaluations": evaluations,
              "energy": energy, "conformation": portable_conformation(conformation)})

    reporter = Reporter(budget, trial.get("target"), sink, clock)
    try:
        result = fn(trial["sequence"], trial["lattice"], budget, int(trial["seed"]), reporter)
    except Exception as exc:  # noqa: BLE001
        send({"kind": "error", "t": clock(), "cpu": cpu(), "message": _one_line(exc),
              "traceback": traceback.format_exc(), "evaluations": reporter.evaluations})
        return
    send({"kind": "done", "t": clock(), "cpu": cpu(), "conformation": portable_conformation(result),
          "evaluations": reporter.evaluations, "reporter_calls": reporter.calls})


def _one_line(exc) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


def child_main() -> int:
    """Entry point of the child process: run trials read from stdin until end of file."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # the algorithm's prints (Python or C) go to stderr, not into the message stream
    inp = sys.stdin.buffer
    parent = os.getppid()

    def watchdog():
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(3)

    threading.Thread(target=watchdog, daemon=True).start()
    while True:
        msg = read_frame(inp)
        if msg is None or msg.get("kind") == "exit":
            return 0
        if msg.get("kind") == "run":
            execute_trial(msg["trial"], lambda m: write_frame(out, m))
            write_frame(out, {"kind": "idle"})


# -- the parent side ---------------------------------------------------------------------------
class Supervisor:
    """Owns one child process and runs trials in it with a hard time limit.

    Parameters
    ----------
    threads : int
        ``NUMBA_NUM_THREADS`` (and OMP/MKL threads) of the child.
    warmup_timeout : float
        Seconds allowed for importing and warming up an algorithm before its clock starts.
    """

    def __init__(self, threads: int = 1, warmup_timeout: float = 600.0):
        self.threads = int(threads)
        self.warmup_timeout = float(warmup_timeout)
        self._proc = None
        self._buf = b""

    # process management
    def _spawn(self):
        env = os.environ.copy()
        paths = [os.getcwd() if p == "" else p for p in sys.path]
        extra = env.get("PYTHONPATH")
        env["PYTHONPATH"] = os.pathsep.join(paths + ([extra] if extra else []))
        for var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            env[var] = str(self.threads)
        self._proc = subprocess.Popen([sys.executable, "-m", "hpfold.bench._child"], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, env=env, start_new_session=True)
        self._buf = b""
        log.debug("started trial child pid %d", self._proc.pid)

    def _kill(self):
        if self._proc is None:
            return
        if self._proc.poll() is None:  # only a live child: its pid (= process group) cannot have been reused
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self._proc.wait()
        for stream in (self._proc.stdin, self._proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self._proc = None

    def close(self):
        """Ask the child to exit (kill it if it does not within 2 s)."""
        if self._proc is None:
            return
        try:
            write_frame(self._proc.stdin, {"kind": "exit"})
            self._proc.wait(timeout=2.0)
        except (OSError, subprocess.TimeoutExpired, ValueError):
            pass
        self._kill()

    def _recv(self, timeout):
        """The next message, None on timeout, or ``{"kind": "eof"}`` when the child died."""
        fd = self._proc.stdout.fileno()
        deadline = time.monotonic() + max(timeout, 0.0)
        while True:
            if len(self._buf) >= _HEADER.size:
                size = _HEADER.unpack(self._buf[:_HEADER.size])[0]
                if len(self._buf) >= _HEADER.size + size:
                    body = self._buf[_HEADER.size:_HEADER.size + size]
                    self._buf = self._buf[_HEADER.size + size:]
                    return pickle.loads(body)
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                return None
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return {"kind": "eof"}
            self._buf += chunk

    # one trial
    def run(self, trial: dict, grace: float):
        """Run a trial; return ``(outcome, events, seconds)``.

        ``outcome`` is ``"done"``, ``"error"``, ``"overrun"`` (killed after budget + grace) or
        ``"crashed"`` (the child died); ``events`` are the child's messages in order;
        ``seconds`` is the time from the start message to the end, on the parent's clock.
        """
        if self._proc is None or self._proc.poll() is not None:
            self._spawn()
        try:
            write_frame(self._proc.stdin, {"kind": "run", "trial": trial})
        except (BrokenPipeError, OSError):
            self._kill()
            self._spawn()
            write_frame(self._proc.stdin, {"kind": "run", "trial": trial})
        events = []
        deadline = time.monotonic() + self.warmup_timeout
        started = None
        while True:
            msg = self._recv(deadline - time.monotonic())
            now = time.monotonic()
            if msg is None:
                self._kill()
                if started is None:
                    events.append({"kind": "error", "t": 0.0, "message": "warm-up timed out"})
                    return "error", events, 0.0
                return "overrun", events, now - started
            kind = msg.get("kind")
            if kind == "eof":
                self._kill()
                return "crashed", events, (now - started) if started else 0.0
            if kind == "start":
                started = now
                deadline = now + trial["budget_seconds"] + grace
                continue
            if kind == "idle":
                continue
            events.append(msg)
            if kind in ("done", "error"):
                msg2 = self._recv(5.0)  # the child says "idle" when it is ready for the next trial
                if msg2 is None or msg2.get("kind") != "idle":
                    self._kill()
                return kind, events, (now - started) if started else 0.0


_LOCAL = threading.local()
_ALL: list = []
_ALL_LOCK = threading.Lock()


def supervisor_for_thread(threads: int = 1) -> Supervisor:
    """This thread's supervisor (one child process per thread and thread count), created on first use."""
    cache = getattr(_LOCAL, "supervisors", None)
    if cache is None:
        cache = _LOCAL.supervisors = {}
    sup = cache.get(threads)
    if sup is None:
        sup = cache[threads] = Supervisor(threads)
        with _ALL_LOCK:
            _ALL.append(sup)
    return sup


def kill_supervisors() -> None:
    """Kill every child process this process started, at once (after Ctrl-C)."""
    with _ALL_LOCK:
        sups = list(_ALL)
    for sup in sups:
        sup._kill()


def close_supervisors() -> None:
    """Stop every child process this process started (also run at exit)."""
    with _ALL_LOCK:
        sups = list(_ALL)
    for sup in sups:
        sup.close()


atexit.register(close_supervisors)
