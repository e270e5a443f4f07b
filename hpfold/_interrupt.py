"""Ctrl-C during long numba calls: defer SIGINT to the next safe point between kernel calls.

A KeyboardInterrupt raised while a compiled kernel is returning surfaces as an
opaque ``SystemError``; instead, the handler only records the signal and the
driver loop raises KeyboardInterrupt itself between two kernel calls.
"""
import signal
import threading
from contextlib import contextmanager

__all__ = ["deferred_interrupt"]


@contextmanager
def deferred_interrupt():
    """Context manager yielding a function that raises KeyboardInterrupt if Ctrl-C was pressed.

    Examples
    --------
    >>> with deferred_interrupt() as check:
    ...     check()   # call between kernel calls
    """
    if threading.current_thread() is not threading.main_thread():
        yield lambda: None
        return
    hits = []

    def handler(signum, frame):
        hits.append(signum)

    previous = signal.signal(signal.SIGINT, handler)

    def check():
        if hits:
            raise KeyboardInterrupt

    try:
        yield check
    finally:
        signal.signal(signal.SIGINT, previous)
