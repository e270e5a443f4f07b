"""Sampling trajectories in HDF5 (H5MD 1.1): a block-appending writer with checkpoints, and a reader.

The layout is specified in ``docs/file_format.md``.  In short: replica ``r``
is the H5MD particles group ``particles/replica_<r>`` with integer lattice
positions ``position/value`` int16 [frames, N, dim] and Monte Carlo ``step``
(no physical time); observables are ``observables/<name>/value`` float64
[frames, replicas] sharing the same ``step`` dataset through hard links; the
sampler's state lives in ``hpfold/checkpoint``.
"""
from __future__ import annotations

import contextlib
import datetime
import errno
import json
import logging
import math
import os
from dataclasses import dataclass, field

import h5py
import numpy as np

from .._validation import ensure_array
from ..lattice import get_lattice
from ..sequence import get_model, parse_sequence
from . import _checkpoint
from ._format import (check_module, first_line, get_attributes, open_for_reading, open_for_writing,
                      set_attributes, software_versions, write_header)
from ._safe import lock_output

__all__ = ["Trajectory", "TrajectoryWriter", "TrajectoryWriteError", "load_trajectory", "OBSERVABLE_UNITS"]

log = logging.getLogger(__name__)

#: units of the standard observables (energies in units of the H-H contact energy |e_HH|,
#: lengths in bond lengths, Q a fraction)
OBSERVABLE_UNITS = {"energy": "epsilon", "rg": "bond", "end_to_end": "bond", "q": "1"}
#: name of the observable holding, per frame and replica, the index of the temperature it held
TEMPERATURE_INDEX = "temperature_index"

_CHECKPOINT = "checkpoint"
_CHECKPOINT_NEW = "checkpoint_new"
_CHECKPOINT_OLD = "checkpoint_old"
_MIN_CHUNK_BYTES = 4 << 10
_MAX_CHUNK_BYTES = 1 << 20


class TrajectoryWriteError(OSError):
    """Writing to a trajectory failed (disk full, file removed, ...); the file holds the data of the last flush."""


@dataclass(eq=False)
class Trajectory:
    """A sampling trajectory read back from an hpfold HDF5 file (see :func:`load_trajectory`).

    Attributes
    ----------
    sequence, lattice, model : str
        The chain, the lattice name and the energy model name.
    steps : ndarray of int64, shape (F,)
        Monte Carlo step of each saved frame (strictly increasing).
    positions : ndarray of int16, shape (R, F, N, dim)
        Integer lattice coordinates of every monomer, per replica and frame.
    observables : dict of str to ndarray of float64, shape (R, F)
        Per replica and frame, e.g. ``energy``, ``rg``, ``end_to_end``, ``q``.
    temperatures : ndarray of float64 or None
        The temperature ladder (or the single temperature), in units of |e_HH| / k_B.
    temperature_index : ndarray of int16, shape (R, F), or None
        Which temperature each replica held at each frame (replica exchange).
    parameters : dict
        The run parameters as written (move set, seed entropy, versions, command line, ...).
    checkpoint : dict or None
        The last complete sampler checkpoint, if any.
    checkpoint_frames : int or None
        Number of frames the checkpoint corresponds to.
    """

    path: str
    sequence: str
    lattice: str
    model: str
    steps: np.ndarray
    positions: np.ndarray = field(repr=False)
    observables: dict = field(repr=False)
    temperatures: np.ndarray | None = None
    temperature_index: np.ndarray | None = field(default=None, repr=False)
    parameters: dict = field(default_factory=dict, repr=False)
    checkpoint: dict | None = field(default=None, repr=False)
    checkpoint_frames: int | None = None
    format_version: tuple = (1, 0)

    @property
    def n_replicas(self) -> int:
        return int(self.positions.shape[0])

    @property
    def n_frames(self) -> int:
        return int(self.positions.shape[1])

    @property
    def n_monomers(self) -> int:
        return len(self.sequence)

    def conformation(self, replica: int, frame: int):
        """The :class:`~hpfold.conformation.Conformation` of ``replica`` at ``frame``."""
        from ..conformation import Conformation

        return Conformation.from_coords(self.positions[replica, frame], self.lattice)


class TrajectoryWriter:
    """Append sampling frames to an H5MD trajectory file, with checkpoints for ``--resume``.

    Use it as a context manager.  Every :meth:`append` ends with a flush, so a
    process killed at any moment leaves a file that reads back completely up to
    the last flush.

    Parameters
    ----------
    path : str or path-like
        The ``.h5`` file; created (truncating an existing file) unless ``resume``.  Its lock
        ``<path>.lock`` is taken before the file is touched and held until :meth:`close`; a file that
        another process is writing is refused (``ValueError``) and left as it is.
    sequence : str
        The HP sequence.
    lattice : str or Lattice
    n_replicas : int
        Number of chains stored per frame (1 for Metropolis and annealing).
    parameters : dict
        Run parameters stored in ``/parameters`` (move set, seed entropy, command line, ...);
        values are str, bool, int, float, or JSON-able lists/dicts.  Sequence, lattice, model and the
        hpfold/numba/numpy/h5py/HDF5/Python versions are added.
    temperatures : array_like of float, optional
        The temperature ladder (or the single temperature), in units of |e_HH| / k_B.
    resume : bool, default False
        Reopen an existing file: check that sequence, lattice, model, replicas (and temperatures, when
        given) match, and truncate the frames written after the last checkpoint (all frames if there is
        none), so that a resumed run rewrites exactly those frames.  Without an existing file, start one.
    model : str or EnergyModel, default "HP"
    chunk_frames : int, optional
        Frames per HDF5 chunk.  Default: the size of the first appended block (kept between 4 KiB and
        1 MiB of positions per chunk).  Appending blocks of a multiple of this size writes each chunk once.
    compression : {"gzip", "lzf"}, default "gzip"
        gzip (deflate) is readable by every HDF5 tool; lzf is faster but needs h5py to read.
    author : str, optional
        Stored as the H5MD author name (default: ``$HPFOLD_AUTHOR`` or "unknown").

    Raises
    ------
    ValueError
        Bad arguments, or (with ``resume``) a file of another chain, lattice or replica count.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "run.h5")
    >>> with TrajectoryWriter(path, sequence="HPPH", lattice="square", n_replicas=1,
    ...                       parameters={"moves": "pull"}) as w:
    ...     xyz = np.array([[[[0, 0], [1, 0], [1, 1], [0, 1]]]], dtype=np.int16)
    ...     w.append(np.array([0]), xyz, {"energy": np.array([[-1.0]])})
    >>> load_trajectory(path).observables["energy"].tolist()
    [[-1.0]]

    Notes
    -----
    Layout: H5MD 1.1 (de Buyl, Colberg & Hofling, Comput. Phys. Commun. 185, 1546, 2014), specified in
    ``docs/file_format.md``.  Cost of an append: O(R F N) bytes compressed and written, one flush.
    """

    def __init__(self, path, *, sequence, lattice, n_replicas, parameters=None, temperatures=None,
                 resume=False, model="HP", chunk_frames=None, compression="gzip", author=None):
        self.path = os.fspath(path)
        self.lattice = get_lattice(lattice)
        self.model = get_model(model)
        self.sequence = parse_sequence(sequence, self.model.alphabet)
        if isinstance(n_replicas, bool) or not isinstance(n_replicas, (int, np.integer)) or n_replicas < 1:
            raise ValueError(f"n_replicas must be a positive integer, got {n_replicas!r}")
        self.n_replicas = int(n_replicas)
        if parameters is not None and not isinstance(parameters, dict):
            raise ValueError(f"parameters must be a dict, not {type(parameters).__name__}")
        self.temperatures = None if temperatures is None else _check_temperatures(temperatures)
        if chunk_frames is not None and (int(chunk_frames) < 1):
            raise ValueError(f"chunk_frames must be positive, got {chunk_frames}")
        self._chunk_frames = None if chunk_frames is None else int(chunk_frames)
        if compression not in ("gzip", "lzf"):
            raise ValueError(f"compression must be 'gzip' or 'lzf', got {compression!r}")
        self._compression = compression
        self._file = None
        self._broken = None
        self._steps = None
        self._positions = []
        self._observables = {}
        self._tindex = None
        self.n_frames = 0
        self.resumed_from = None
        self._lock = contextlib.ExitStack()
        self._lock.enter_context(lock_output(self.path))  # before anything touches the file
        try:
            if resume and os.path.exists(self.path):
                self._reopen(parameters or {})
            else:
                if resume:
                    log.info("%s does not exist: starting a new trajectory", self.path)
                self._create(parameters or {}, author)
        except BaseException:
            self._lock.close()
            raise

    # -- context manager ----------------------------------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False

    def close(self) -> None:
        """Flush and close the file, then release its lock (idempotent)."""
        try:
            self._close_file()
        finally:
            self._lock.close()

    def _close_file(self) -> None:
        if self._file is None:
            return
        f, self._file = self._file, None
        try:
            f.flush()
            extent = f.id.get_filesize()
            f.close()
        except Exception as exc:  # the data of the last successful flush stays readable
            if self._broken is None:
                raise TrajectoryWriteError(f"{self.path}: closing failed ({first_line(exc)})") from None
            return
        _trim(self.path, extent)

    @property
    def last_step(self):
        """The step of the last frame written, or None."""
        if self.n_frames == 0:
            return None
        return int(self._steps[self.n_frames - 1])

    # -- frames -------------------------------------------------------------------------------------
    def append(self, steps, positions, observables=None, temperature_index=None) -> None:
        """Append a block of frames and flush.

        Parameters
        ----------
        steps : array_like of int64, shape (F,)
            Monte Carlo steps of the frames, strictly increasing and after the last written step.
        positions : array_like of int, shape (R, F, N, dim)
            Integer lattice coordinates (must fit in int16).
        observables : dict of str to array_like of float64, shape (R, F), optional
            The same names in every append (e.g. ``energy``, ``rg``, ``end_to_end``, ``q``).
        temperature_index : array_like of int, shape (R, F), optional
            Index into ``temperatures`` of the temperature each replica held (replica exchange); given in
            every append or in none.

        Raises
        ------
        ValueError
            Wrong shapes, dtypes, names or step order (nothing is written).
        TrajectoryWriteError
            The write failed (e.g. disk full); the file keeps the frames of the last flush.
        """
        self._check_open()
        steps = ensure_array(steps, "steps", np.int64, ndim=1)
        n_new = len(steps)
        shape = (self.n_replicas, n_new, len(self.sequence), self.lattice.dim)
        xyz = _as_int16_positions(positions, shape)
        obs = {}
        for name, value in (observables or {}).items():
            if not isinstance(name, str) or not name or "/" in name or name == TEMPERATURE_INDEX:
                raise ValueError(f"observables: invalid name {name!r}")
            obs[name] = ensure_array(value, f"observables[{name!r}]", np.float64, ndim=2,
                                     shape=(self.n_replicas, n_new))
        tindex = None
        if temperature_index is not None:
            tindex = _as_temperature_index(temperature_index, (self.n_replicas, n_new), self.temperatures)
        if n_new == 0:
            return
        if np.any(np.diff(steps) <= 0):
            raise ValueError("steps must be strictly increasing")
        if self.n_frames and steps[0] <= self.last_step:
            raise ValueError(f"steps must continue after the last written step {self.last_step}, got {steps[0]}")
        if self._steps is not None:
            if set(obs) != set(self._observables):
                raise ValueError(f"observables: this file records {sorted(self._observables)}, "
                                 f"got {sorted(obs)}")
            if (tindex is None) != (self._tindex is None):
                raise ValueError("temperature_index must be given in every append or in none")
        # reserve what the block can take: data and rewritten partial chunks twice over, plus metadata
        with_tindex = tindex is not None
        frame_bytes = 8 + xyz[:, 0].nbytes + self.n_replicas * (8 * len(obs) + 2 * with_tindex)
        chunk = self._chunk_size(n_new) if self._steps is None else self._steps.chunks[0]
        n_sets = 1 + self.n_replicas + len(obs) + with_tindex
        self._reserve(2 * frame_bytes * (n_new + chunk) + n_sets * (16 << 10) + (256 << 10))
        if self._steps is None:
            self._guarded(self._create_frame_datasets, n_new, list(obs), with_tindex)
        self._guarded(self._write_block, steps, xyz, obs, tindex)

    def flush(self) -> None:
        """Write everything buffered to disk (append already does this)."""
        self._check_open()
        self._guarded(self._file.flush)

    def read_frames(self, stop=None) -> tuple:
        """Steps, observables and temperature indices of the frames written so far (also by an earlier run).

        Parameters
        ----------
        stop : int, optional
            Read frames ``0 .. stop - 1`` (default: all, ``n_frames``).

        Returns
        -------
        steps : ndarray of int64, shape (F,)
        observables : dict of str to ndarray of float64, shape (R, F)
        temperature_index : ndarray of int16, shape (R, F), or None
        """
        self._check_open()
        stop = self.n_frames if stop is None else min(int(stop), self.n_frames)
        if self._steps is None or stop <= 0:
            return np.zeros(0, dtype=np.int64), {}, None
        steps = self._guarded(self._steps.__getitem__, slice(0, stop)).astype(np.int64)
        obs = {name: np.ascontiguousarray(self._guarded(ds.__getitem__, slice(0, stop)).T)
               for name, ds in self._observables.items()}
        tindex = None
        if self._tindex is not None:
            tindex = np.ascontiguousarray(self._guarded(self._tindex.__getitem__, slice(0, stop)).T)
        return steps, obs, tindex

    # -- checkpoints --------------------------------------------------------------------------------
    def write_checkpoint(self, state: dict) -> None:
        """Store the sampler state for the frames written so far, replacing the previous checkpoint.

        The new checkpoint is written and flushed under a temporary name and only then renamed, so a
        process killed at any point leaves the previous (or the new) checkpoint readable.

        Parameters
        ----------
        state : dict
            Arrays become datasets; numpy scalars keep their dtype; nested dicts become groups; other
            values (ints of any size, floats, bools, str, None, lists, tuples) are stored as JSON.
            A numpy ``bit_generator.state`` dict round-trips exactly.
        """
        self._check_open()
        n_bytes, n_entries = _state_size(state)
        self._reserve(2 * n_bytes + n_entries * (4 << 10) + (256 << 10))
        root = self._guarded(self._file.require_group, "hpfold")
        self._guarded(_settle_checkpoint, root)
        self._guarded(self._write_checkpoint_group, root, state)
        self._guarded(self._file.flush)
        self._guarded(_commit_checkpoint, root)
        self._guarded(self._file.flush)

    def read_checkpoint(self) -> dict | None:
        """The state stored by the last :meth:`write_checkpoint` (also from a previous run), or None."""
        self._check_open()
        found = _find_checkpoint(self._file)
        return None if found is None else found[0]

    @property
    def checkpoint_frames(self) -> int | None:
        """Number of frames the current checkpoint corresponds to, or None without a checkpoint."""
        self._check_open()
        found = _find_checkpoint(self._file)
        return None if found is None else found[1]

    # -- internals ----------------------------------------------------------------------------------
    def _write_checkpoint_group(self, root, state):
        group = root.create_group(_CHECKPOINT_NEW)
        try:
            _checkpoint.write_state(group.create_group("state"), state)
        except ValueError:
            del root[_CHECKPOINT_NEW]
            raise
        group.attrs["n_frames"] = np.int64(self.n_frames)
        group.attrs["last_step"] = np.int64(-1 if self.last_step is None else self.last_step)
        group.attrs["written"] = _now()
        group.attrs["complete"] = True

    def _reserve(self, n_bytes: int) -> None:
        """Allocate disk space for the next write beyond the file's HDF5 extent, before writing anything.

        HDF5 cannot undo a flush that fails half way (disk full leaves a file that no longer opens), so
        the space a block needs is reserved first with ``posix_fallocate``; if that fails, nothing has
        been written and the error is raised with the file intact.  Where ``posix_fallocate`` is not
        available, the free space reported by the file system is checked instead.
        """
        extent = self._guarded(self._file.id.get_filesize)
        try:
            fd = os.open(self.path, os.O_WRONLY)
        except OSError as exc:
            raise self._fail(f"cannot reopen the file to reserve space ({exc.strerror})") from None
        try:
            size = os.fstat(fd).st_size
            try:
                os.posix_fallocate(fd, extent, n_bytes)
                return
            except AttributeError:
                pass
            except OSError as exc:
                if exc.errno not in (errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
                    if os.fstat(fd).st_size != size:
                        os.ftruncate(fd, size)
                    raise self._fail(f"no space for the next {n_bytes / 2 ** 20:.1f} MiB "
                                     f"({exc.strerror})") from None
            free = os.statvfs(self.path)
            if free.f_bavail * free.f_frsize < n_bytes:
                raise self._fail(f"no space for the next {n_bytes / 2 ** 20:.1f} MiB "
                                 f"({free.f_bavail * free.f_frsize / 2 ** 20:.1f} MiB free)")
        finally:
            os.close(fd)

    def _fail(self, reason: str) -> TrajectoryWriteError:
        return TrajectoryWriteError(f"{self.path}: {reason}; nothing was written, the file holds the data "
                                    f"of the last flush ({self.n_frames} frames)")

    def _check_open(self):
        if self._broken is not None:
            raise TrajectoryWriteError(f"{self.path}: an earlier write failed ({self._broken}); "
                                       "the file holds the data of the last flush")
        if self._file is None:
            raise ValueError(f"{self.path}: the trajectory writer is closed")

    def _guarded(self, func, *args):
        """Run a write; turn any failure into a one-line TrajectoryWriteError and stop further writes."""
        try:
            return func(*args)
        except (OSError, RuntimeError, KeyError) as exc:
            self._broken = first_line(exc)
            raise TrajectoryWriteError(f"{self.path}: write failed ({self._broken}); "
                                       "the file holds the data of the last flush") from None

    def _create(self, parameters: dict, author):
        f = open_for_writing(self.path, "w")
        self._file = f
        try:
            self._guarded(self._write_layout, parameters, author)
        except BaseException:
            self.close()
            raise

    def _write_layout(self, parameters: dict, author):
        f = self._file
        n, dim = len(self.sequence), self.lattice.dim
        write_header(f, "trajectory", sequence=self.sequence, lattice=self.lattice, model=self.model,
                     author=author, extra={"n_replicas": np.int64(self.n_replicas), "resumes": "[]"})
        species_type = h5py.enum_dtype({c: i for i, c in enumerate(self.model.alphabet)}, basetype="i1")
        species_values = self.model.encode(self.sequence).astype(np.int8)
        bonds = np.stack([np.arange(n - 1), np.arange(1, n)], axis=1).astype(np.int32)
        particles = f.create_group("particles", track_order=True)
        connectivity = f.create_group("connectivity", track_order=True)
        species = None
        for r in range(self.n_replicas):
            group = particles.create_group(f"replica_{r}")
            box = group.create_group("box")
            box.attrs["dimension"] = np.int32(dim)
            box.attrs["boundary"] = np.array([b"none"] * dim, dtype="S8")
            if species is None:
                species = group.create_dataset("species", data=species_values, dtype=species_type)
            else:
                group["species"] = species  # hard link: one chain, R copies
            pairs = connectivity.create_dataset(f"replica_{r}", data=bonds)
            pairs.attrs["particles_group"] = group.ref
        params = dict(parameters)
        params.update(sequence=self.sequence, lattice=self.lattice.name, model=self.model.name,
                      n_replicas=self.n_replicas, **software_versions())
        group = f.create_group("parameters", track_order=True)
        set_attributes(group, params)
        if self.temperatures is not None:
            temps = group.create_dataset("temperatures", data=self.temperatures)
            temps.attrs["unit"] = "epsilon/k_B"
        f.flush()

    def _reopen(self, parameters: dict):
        f = open_for_writing(self.path, "r+")
        self._file = f
        try:
            self._reopen_checked(parameters)
        except BaseException:
            f.close()
            self._file = None
            raise

    def _reopen_checked(self, parameters: dict):
        f, path = self._file, self.path
        try:
            module = check_module(f, path, "trajectory")
            found = dict(sequence=_str(module.attrs["sequence"]), lattice=_str(module.attrs["lattice"]),
                         model=_str(module.attrs["model"]), n_replicas=int(module.attrs.get("n_replicas", -1)))
        except (OSError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}: cannot resume, damaged file ({first_line(exc)})") from None
        wanted = dict(sequence=self.sequence, lattice=self.lattice.name, model=self.model.name,
                      n_replicas=self.n_replicas)
        differ = [f"{k} {found[k]!r} (this run: {wanted[k]!r})" for k in wanted if found[k] != wanted[k]]
        if differ:
            raise ValueError(f"{path}: cannot resume, the file has " + "; ".join(differ))
        stored_t = f["parameters/temperatures"][()] if "parameters/temperatures" in f else None
        if self.temperatures is not None:
            if stored_t is None or stored_t.shape != self.temperatures.shape or \
                    not np.allclose(stored_t, self.temperatures, rtol=1e-12, atol=0):
                raise ValueError(f"{path}: cannot resume, the file has temperatures "
                                 f"{None if stored_t is None else np.round(stored_t, 6).tolist()} "
                                 f"(this run: {np.round(self.temperatures, 6).tolist()})")
        self.temperatures = stored_t
        try:
            self._attach_frame_datasets()
        except (OSError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}: cannot resume, damaged file ({first_line(exc)})") from None
        root = f.get("hpfold")
        if root is not None:
            self._guarded(_settle_checkpoint, root)
        checkpoint = _find_checkpoint(f)
        keep = 0 if checkpoint is None else checkpoint[1]
        if keep > self.n_frames:
            raise ValueError(f"{path}: cannot resume, the checkpoint is at frame {keep} but the file has "
                             f"only {self.n_frames} frames")
        dropped = self.n_frames - keep
        self._guarded(self._truncate, keep)
        history = json.loads(_str(module.attrs.get("resumes", "[]")))
        history.append({"time": _now(), "frames_kept": keep, "frames_dropped": dropped,
                        "command_line": parameters.get("command_line")})
        module.attrs["resumes"] = json.dumps(history)
        self._guarded(f.flush)
        self.resumed_from = keep
        log.info("%s: resuming after frame %d (%d later frames dropped)", path, keep, dropped)

    def _attach_frame_datasets(self):
        f = self._file
        first = f.get("particles/replica_0/position")
        if first is None:
            return  # no frame written yet
        self._steps = first["step"]
        self._positions = [f[f"particles/replica_{r}/position/value"] for r in range(self.n_replicas)]
        for name, group in f["observables"].items():
            if name == TEMPERATURE_INDEX:
                self._tindex = group["value"]
            else:
                self._observables[name] = group["value"]
        lengths = {len(self._steps)} | {len(d) for d in self._all_frame_datasets()}
        self.n_frames = min(lengths)

    def _all_frame_datasets(self):
        out = [self._steps, *self._positions, *self._observables.values()]
        if self._tindex is not None:
            out.append(self._tindex)
        return out

    def _truncate(self, n_frames: int):
        if self._steps is None:
            return
        for ds in self._all_frame_datasets():
            ds.resize(n_frames, axis=0)
        self.n_frames = n_frames

    def _chunk_size(self, n_block: int) -> int:
        if self._chunk_frames is not None:
            return self._chunk_frames
        frame_bytes = 2 * len(self.sequence) * self.lattice.dim
        low = math.ceil(_MIN_CHUNK_BYTES / frame_bytes)
        high = max(1, _MAX_CHUNK_BYTES // frame_bytes)
        if n_block < low:  # a multiple of the block: each append then touches a single chunk
            return int(min(n_block * math.ceil(low / n_block), high))
        return int(min(n_block, high))

    def _create_frame_datasets(self, n_block: int, names: list, with_tindex: bool):
        f = self._file
        n, dim, reps = len(self.sequence), self.lattice.dim, self.n_replicas
        chunk = self._chunk_size(n_block)
        opts = dict(compression=self._compression, shuffle=True)
        if self._compression == "gzip":
            opts["compression_opts"] = 4
        steps = None
        for r in range(reps):
            element = f[f"particles/replica_{r}"].create_group("position")
            if steps is None:
                steps = element.create_dataset("step", shape=(0,), maxshape=(None,), dtype=np.int64,
                                               chunks=(chunk,), **opts)
            else:
                element["step"] = steps  # hard link: every element shares one step grid
            value = element.create_dataset("value", shape=(0, n, dim), maxshape=(None, n, dim), dtype=np.int16,
                                           chunks=(chunk, n, dim), **opts)
            value.attrs["unit"] = "lattice"
            self._positions.append(value)
        observables = f.require_group("observables")
        for name in names + ([TEMPERATURE_INDEX] if with_tindex else []):
            element = observables.create_group(name)
            element["step"] = steps
            dtype = np.int16 if name == TEMPERATURE_INDEX else np.float64
            value = element.create_dataset("value", shape=(0, reps), maxshape=(None, reps), dtype=dtype,
                                           chunks=(chunk, reps), **opts)
            if name in OBSERVABLE_UNITS:
                value.attrs["unit"] = OBSERVABLE_UNITS[name]
            if name == TEMPERATURE_INDEX:
                self._tindex = value
            else:
                self._observables[name] = value
        self._steps = steps

    def _write_block(self, steps, xyz, obs, tindex):
        start, stop = self.n_frames, self.n_frames + len(steps)
        for ds in self._all_frame_datasets():
            ds.resize(stop, axis=0)
        for r, ds in enumerate(self._positions):
            ds[start:stop] = xyz[r]
        for name, ds in self._observables.items():
            ds[start:stop] = obs[name].T
        if tindex is not None:
            self._tindex[start:stop] = tindex.T
        self._steps[start:stop] = steps
        self._file.flush()
        self.n_frames = stop


def load_trajectory(path, *, frames=None) -> Trajectory:
    """Read a trajectory written by :class:`TrajectoryWriter`.

    Parameters
    ----------
    path : str or path-like
    frames : slice, optional
        Read only these frames (e.g. ``slice(-100, None)``); default all.

    Returns
    -------
    Trajectory

    Raises
    ------
    ValueError
        One line naming the file when it is missing, not HDF5, truncated, not written by hpfold, an
        enumeration result, of a newer format, or damaged.

    Examples
    --------
    >>> load_trajectory("missing.h5")
    Traceback (most recent call last):
    ...
    ValueError: missing.h5: no such file

    Notes
    -----
    Opens the file without HDF5's lock, so it can read a file that a sampler is still writing (it then
    sees the frames of the writer's last flush).  Cost: reads O(R F N) int16 values.
    """
    path = os.fspath(path)
    if frames is not None and not isinstance(frames, slice):
        raise ValueError(f"frames must be a slice, not {type(frames).__name__}")
    if frames is not None and frames.step is not None and frames.step < 1:
        raise ValueError(f"frames: the slice step must be positive, got {frames.step}")
    with open_for_reading(path) as f:
        module = check_module(f, path, "trajectory")
        try:
            return _read_trajectory(f, module, path, frames if frames is not None else slice(None))
        except ValueError:
            raise
        except (OSError, KeyError, TypeError, RuntimeError, IndexError) as exc:
            raise ValueError(f"{path}: damaged trajectory ({first_line(exc)})") from None


def _read_trajectory(f, module, path, frames: slice) -> Trajectory:
    sequence = _str(module.attrs["sequence"])
    lattice = _str(module.attrs["lattice"])
    n_replicas = int(module.attrs["n_replicas"])
    dim = int(module.attrs["dimension"])
    n = len(sequence)
    first = f.get("particles/replica_0/position")
    if first is None:  # nothing appended yet
        steps = np.zeros(0, dtype=np.int64)
        positions = np.zeros((n_replicas, 0, n, dim), dtype=np.int16)
        observables, tindex = {}, None
    else:
        step_ds = first["step"]
        value_sets = []
        for r in range(n_replicas):
            key = f"particles/replica_{r}/position/value"
            if key not in f:
                raise ValueError(f"{path}: damaged trajectory (missing {key})")
            value_sets.append(f[key])
        obs_sets = {name: group["value"] for name, group in f.get("observables", {}).items()
                    if isinstance(group, h5py.Group) and "value" in group}
        lengths = {len(step_ds)} | {len(d) for d in value_sets} | {len(d) for d in obs_sets.values()}
        n_frames = min(lengths)
        if len(lengths) > 1:
            log.warning("%s: datasets have different lengths %s; reading the first %d frames",
                        path, sorted(lengths), n_frames)
        rows = range(n_frames)[frames]
        sel = slice(rows.start, rows.stop, rows.step) if len(rows) else slice(0, 0)
        steps = np.asarray(step_ds[sel], dtype=np.int64)
        positions = np.empty((n_replicas, len(steps), n, dim), dtype=np.int16)
        for r, ds in enumerate(value_sets):
            if ds.shape[1:] != (n, dim):
                raise ValueError(f"{path}: damaged trajectory ({ds.name} has shape {ds.shape}, "
                                 f"expected (frames, {n}, {dim}))")
            positions[r] = ds[sel]
        observables, tindex = {}, None
        for name, ds in obs_sets.items():
            if ds.ndim != 2 or ds.shape[1] != n_replicas:
                raise ValueError(f"{path}: damaged trajectory ({ds.name} has shape {ds.shape})")
            values = np.ascontiguousarray(ds[sel].T)
            if name == TEMPERATURE_INDEX:
                tindex = values.astype(np.int16)
            else:
                observables[name] = values.astype(np.float64)
    temperatures = f["parameters/temperatures"][()] if "parameters/temperatures" in f else None
    parameters = get_attributes(f["parameters"]) if "parameters" in f else {}
    found = _find_checkpoint(f)
    version = tuple(int(v) for v in module.attrs["version"])
    return Trajectory(path, sequence, lattice, _str(module.attrs["model"]), steps, positions, observables,
                      temperatures, tindex, parameters,
                      None if found is None else found[0], None if found is None else found[1], version)


def _find_checkpoint(f):
    """(state, n_frames) of the newest complete checkpoint that reads back, or None."""
    root = f.get("hpfold")
    if root is None:
        return None
    for name in (_CHECKPOINT_NEW, _CHECKPOINT, _CHECKPOINT_OLD):
        group = root.get(name)
        if group is None or not bool(group.attrs.get("complete", False)):
            continue
        try:
            return _checkpoint.read_state(group["state"]), int(group.attrs["n_frames"])
        except (OSError, KeyError, ValueError, TypeError, RuntimeError) as exc:
            log.warning("%s: skipping unreadable %s (%s)", f.filename, name, first_line(exc))
    return None


def _commit_checkpoint(root):
    """Rename checkpoint_new to checkpoint, dropping the previous one (each step leaves a readable state)."""
    if _CHECKPOINT_OLD in root:
        del root[_CHECKPOINT_OLD]
    if _CHECKPOINT in root:
        root.move(_CHECKPOINT, _CHECKPOINT_OLD)
    root.move(_CHECKPOINT_NEW, _CHECKPOINT)
    if _CHECKPOINT_OLD in root:
        del root[_CHECKPOINT_OLD]


def _settle_checkpoint(root):
    """Finish a checkpoint commit that a killed process left half done; drop incomplete leftovers."""
    new = root.get(_CHECKPOINT_NEW)
    if new is not None:
        if bool(new.attrs.get("complete", False)) and _readable(new):
            _commit_checkpoint(root)
        else:
            del root[_CHECKPOINT_NEW]
    if _CHECKPOINT_OLD in root:
        if _CHECKPOINT in root:
            del root[_CHECKPOINT_OLD]
        else:
            root.move(_CHECKPOINT_OLD, _CHECKPOINT)


def _trim(path: str, extent: int) -> None:
    """Give back disk space reserved beyond the HDF5 extent of a closed file."""
    try:
        if os.path.getsize(path) > extent:
            os.truncate(path, extent)
    except OSError as exc:
        log.warning("%s: could not trim reserved space (%s)", path, exc.strerror)


def _state_size(state) -> tuple:
    """(bytes, entries) a checkpoint state takes, roughly, to size the disk reservation."""
    n_bytes, n_entries = 0, 0
    for value in state.values() if isinstance(state, dict) else ():
        n_entries += 1
        if isinstance(value, dict):
            sub_bytes, sub_entries = _state_size(value)
            n_bytes, n_entries = n_bytes + sub_bytes, n_entries + sub_entries
        elif isinstance(value, (np.ndarray, np.generic)):
            n_bytes += value.nbytes
        else:
            n_bytes += len(repr(value))
    return n_bytes, n_entries


def _readable(group) -> bool:
    try:
        _checkpoint.read_state(group["state"])
        int(group.attrs["n_frames"])
    except (OSError, KeyError, ValueError, TypeError, RuntimeError):
        return False
    return True


def _check_temperatures(temperatures) -> np.ndarray:
    temps = ensure_array(np.atleast_1d(np.asarray(temperatures, dtype=float)), "temperatures", np.float64, ndim=1)
    if len(temps) == 0 or not np.all(np.isfinite(temps)) or np.any(temps <= 0):
        raise ValueError("temperatures must be finite and positive")
    return temps


def _as_int16_positions(positions, shape) -> np.ndarray:
    arr = np.asarray(positions)
    if arr.dtype.kind not in "iu":
        raise ValueError(f"positions: expected integer lattice coordinates, got dtype {arr.dtype}")
    if arr.shape != shape:
        raise ValueError(f"positions: expected shape (replicas, frames, N, dim) = {shape}, got {arr.shape}")
    if arr.size and arr.dtype != np.int16 and (arr.min() < -32768 or arr.max() > 32767):
        raise ValueError("positions: coordinates do not fit in int16 (|x| <= 32767)")
    return np.ascontiguousarray(arr, dtype=np.int16)


def _as_temperature_index(value, shape, temperatures) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype.kind not in "iu":
        raise ValueError(f"temperature_index: expected integers, got dtype {arr.dtype}")
    arr = ensure_array(arr, "temperature_index", np.int64, ndim=2, shape=shape)
    limit = len(temperatures) if temperatures is not None else 32767
    if arr.size and (arr.min() < 0 or arr.max() >= limit):
        raise ValueError(f"temperature_index: values must lie in 0..{limit - 1}")
    return arr.astype(np.int16)


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _str(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)

