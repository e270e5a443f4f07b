"""Process set-up of the ``hpfold`` command: the cyclic garbage collector kept off numba's objects.

Importing numba and loading the cached kernels creates about 200,000 long-lived objects.
The collector rescans them about 300 times in the first two seconds (0.15-0.2 s), and the
interpreter's collections at shutdown scan them again (0.25 s): together about a quarter of
the 1.6 s that ``hpfold landscape HPHPPHHPHPPHPH --json`` took.  So :func:`run` holds the
collector back while the command starts; once it has run ``RESUME_AFTER`` seconds (a long run),
the objects alive then are frozen (:func:`gc.freeze`: never scanned again) and collection
resumes, so a long run collects its garbage as usual.  When the command returns, everything
alive is frozen before the interpreter shuts down.  Only the console script and
``python -m hpfold`` use this: :func:`hpfold.cli.main` called from a script leaves the
caller's collector alone.
"""
from __future__ import annotations

import contextlib
import gc
import threading

#: seconds after which a running command gets its garbage collector back
RESUME_AFTER = 2.0


@contextlib.contextmanager
def collector_held_back(resume_after: float = RESUME_AFTER):
    """Run the body with :mod:`gc` disabled; freeze and re-enable it after ``resume_after`` s.

    Examples
    --------
    >>> import gc
    >>> with collector_held_back():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    if not gc.isenabled():
        yield
        return
    lock = threading.Lock()
    state = {"resumed": False, "done": False}

    def resume():
        with lock:
            if state["done"] or state["resumed"]:
                return
            gc.freeze()
            gc.enable()
            state["resumed"] = True

    gc.disable()
    timer = threading.Timer(resume_after, resume)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        with lock:
            state["done"] = True
            if state["resumed"]:
                gc.unfreeze()
            gc.enable()


def run(main) -> int:
    """``main()`` with the collector held back, then everything alive frozen for the shutdown.

    Call it last in a process (the objects frozen here are never collected again): the
    interpreter's collections at exit then skip them.
    """
    with collector_held_back():
        status = main()
    gc.freeze()
    return status
