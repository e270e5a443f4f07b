"""What the machine has: memory available for a run (the cost checks of every engine share this)."""
from __future__ import annotations

import os


def available_memory() -> int:
    """Bytes available to a new allocation: ``MemAvailable`` (page cache counts), else free pages."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return 1 << 34
