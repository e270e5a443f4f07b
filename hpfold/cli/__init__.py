"""The ``hpfold`` command line: argparse subcommands that call the same functions a script would.

Each subcommand lives in its own module ``hpfold/cli/<name>_cmd.py`` with two
functions: ``add_parser(subparsers)`` and ``run(args) -> int``.  Modules are
imported when the parser is built; they must import numba-heavy code only
inside ``run``.  Bad input raises ``ValueError`` (or ``OSError``) and becomes a
one-line message with exit status 2; Ctrl-C exits with 130.  A subcommand that
writes files takes ``--overwrite`` and claims its outputs with :func:`claim` at
the start of ``run`` (locks, refusal of existing files).
"""
from __future__ import annotations

import argparse
import importlib
import logging
import re
import sys

from .. import __version__

#: subcommand modules, in the order they appear in ``hpfold --help``
SUBCOMMANDS = ["enumerate", "sample", "info", "landscape", "kinetics", "dos", "thermo", "designability", "demo", "bench"]


class CliError(Exception):
    """A user-facing error: printed as one line, exit status 2."""


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, ``hpfold CMD: error: ...``, with exit status 2."""

    def error(self, message):
        # "argument --steps: --steps must be ..." (from hpfold.cli._types): name the flag once
        message = re.sub(r"^argument [^:]+: (-[\w-]+ must )", r"\1", message)
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def add_overwrite_argument(p) -> None:
    """``--overwrite``: the flag every subcommand that writes files takes."""
    p.add_argument("--overwrite", action="store_true",
                   help="replace existing output files (default: refuse to overwrite them)")


def claim(args, *paths, resume=False):
    """Lock the output files of a run and refuse existing ones without ``--overwrite`` (a context manager).

    Taken at the start of ``run``, before any computation, so that a run that could not write its result
    fails at once and two hpfold processes never write the same file.
    """
    from ..io._safe import claim_outputs

    return claim_outputs(paths, overwrite=getattr(args, "overwrite", False), resume=resume)


def output_folder(path, flag, parents=False):
    """Create the output folder ``path`` (given by ``flag``) if missing, but only below an existing parent.

    Parameters
    ----------
    path : str or os.PathLike
    flag : str
        The flag that named the folder, for the message.
    parents : bool
        Also create missing parent folders (the ``--parents`` flag, where a subcommand has one).

    Raises
    ------
    CliError
        When ``path`` is not a folder, or its parent does not exist and ``parents`` is false.
    """
    from pathlib import Path

    folder = Path(path)
    if folder.is_dir():
        return folder
    if folder.exists():
        raise CliError(f"{flag}: {str(folder)!r} exists and is not a folder")
    parent = folder.absolute().parent
    if not parents and not parent.is_dir():
        hint = " or give --parents" if parents is not None else ""
        raise CliError(f"{flag}: the parent folder {str(parent)!r} does not exist (create it first{hint})")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="hpfold", description="HP lattice proteins: exact enumeration, sampling and energy landscapes.")
    parser.add_argument("--version", action="version", version=f"hpfold {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log progress to stderr (-vv: debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"hpfold.cli.{name}_cmd")
        except ModuleNotFoundError as exc:
            if exc.name == f"hpfold.cli.{name}_cmd":
                continue  # not written yet
            raise
        p = module.add_parser(sub)
        p.set_defaults(_run=module.run)
    return parser


def main(argv=None) -> int:
    """Run ``hpfold argv`` and return its exit status (0, 2 for bad input, 130 on Ctrl-C); never raises SystemExit."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # a usage error (already printed, one line), --help or --version
        return exc.code if isinstance(exc.code, int) else 2
    if args.verbose:
        logging.basicConfig(level=logging.DEBUG if args.verbose > 1 else logging.INFO,
                            format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except KeyboardInterrupt:
        print("hpfold: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of our output went away (e.g. `| head`): stop quietly
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except MemoryError as exc:
        print(f"hpfold {args.command}: error: out of memory ({exc}); ask for a smaller run", file=sys.stderr)
        return 2
    except (CliError, ValueError, OSError, KeyError) as exc:
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"hpfold {args.command}: error: {msg}", file=sys.stderr)
        return 2


def main_exit():
    """Console-script entry point (and ``python -m hpfold``): :func:`main` with the start-up collector policy."""
    from ._startup import run

    sys.exit(run(main))
