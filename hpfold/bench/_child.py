"""``python -m hpfold.bench._child``: the process in which benchmark trials run (see :mod:`.runner`)."""
import sys

from hpfold.bench.runner import child_main

if __name__ == "__main__":
    sys.exit(child_main())
