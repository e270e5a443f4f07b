"""HDF5 files: H5MD layout, round trips, checkpoints, resume, crashes, foreign files and ``hpfold info``."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import h5py
import numpy as np
import pytest

from hpfold.cli import main
from hpfold.io import TrajectoryWriteError, TrajectoryWriter, describe_file, load_trajectory, read_enumeration, \
    write_enumeration

SEQ = "HPPHPPHHPH"


def synthetic_blocks(n_blocks, block, n_replicas=3, n=len(SEQ), dim=2, seed=0):
    """Deterministic fake sampler output: (steps, positions, observables, temperature_index) per block."""
    rng = np.random.default_rng(seed)
    out = []
    for b in range(n_blocks):
        steps = (np.arange(b * block, (b + 1) * block, dtype=np.int64) + 1) * 25
        pos = rng.integers(-300, 300, size=(n_replicas, block, n, dim)).astype(np.int16)
        obs = {"energy": -rng.integers(0, 9, size=(n_replicas, block)).astype(float),
               "rg": rng.random((n_replicas, block)), "end_to_end": rng.random((n_replicas, block)) * 5}
        tindex = np.argsort(rng.random((block, n_replicas)), axis=1).T.astype(np.int64)
        out.append((steps, pos, obs, tindex))
    return out


def write_synthetic(path, blocks, *, checkpoint_after=None, **kwargs):
    opts = dict(sequence=SEQ, lattice="square", n_replicas=3, temperatures=[0.3, 0.6, 1.2],
                parameters={"moves": "pull:0.9,pivot:0.1", "seed_entropy": 2 ** 127 + 12345,
                            "command_line": "hpfold sample HPPHPPHHPH -o x.h5", "every": 25, "swap": True,
                            "ladder": [0.3, 0.6, 1.2], "target": None})
    opts.update(kwargs)
    with TrajectoryWriter(path, **opts) as writer:
        for i, block in enumerate(blocks):
            writer.append(*block)
            if checkpoint_after is not None and i == checkpoint_after:
                writer.write_checkpoint({"block": i + 1})
    return path


def concat(blocks):
    steps = np.concatenate([b[0] for b in blocks])
    pos = np.concatenate([b[1] for b in blocks], axis=1)
    obs = {k: np.concatenate([b[2][k] for b in blocks], axis=1) for k in blocks[0][2]}
    tindex = np.concatenate([b[3] for b in blocks], axis=1)
    return steps, pos, obs, tindex


def one_line_error(excinfo, path):
    message = str(excinfo.value)
    assert "\n" not in message, message
    assert os.fspath(path) in message, message
    return message


# -- round trip and layout ---------------------------------------------------------------------------------
def test_round_trip_every_dataset(tmp_path):
    path = tmp_path / "run.h5"
    blocks = synthetic_blocks(4, 7)
    write_synthetic(path, blocks)
    steps, pos, obs, tindex = concat(blocks)
    traj = load_trajectory(path)
    assert (traj.sequence, traj.lattice, traj.model) == (SEQ, "square", "HP")
    assert traj.steps.dtype == np.int64 and np.array_equal(traj.steps, steps)
    assert traj.positions.dtype == np.int16 and np.array_equal(traj.positions, pos)
    assert sorted(traj.observables) == sorted(obs)
    for name, values in obs.items():
        assert traj.observables[name].dtype == np.float64
        assert np.array_equal(traj.observables[name], values)
    assert np.array_equal(traj.temperature_index, tindex)
    assert np.array_equal(traj.temperatures, [0.3, 0.6, 1.2])
    params = traj.parameters
    assert params["moves"] == "pull:0.9,pivot:0.1"
    assert params["seed_entropy"] == 2 ** 127 + 12345 and isinstance(params["seed_entropy"], int)
    assert params["every"] == 25 and params["swap"] is True and params["target"] is None
    assert params["ladder"] == [0.3, 0.6, 1.2]
    assert params["command_line"].startswith("hpfold sample")
    for key in ("hpfold_version", "numba_version", "numpy_version", "h5py_version", "hdf5_version"):
        assert params[key]
    assert (params["sequence"], params["lattice"], params["n_replicas"]) == (SEQ, "square", 3)
    assert traj.checkpoint is None and traj.checkpoint_frames is None
    assert (traj.n_replicas, traj.n_frames, traj.n_monomers) == (3, 28, len(SEQ))
    part = load_trajectory(path, frames=slice(5, 20, 3))
    assert np.array_equal(part.steps, steps[5:20:3])
    assert np.array_equal(part.positions, pos[:, 5:20:3])
    assert np.array_equal(part.observables["rg"], obs["rg"][:, 5:20:3])
    assert np.array_equal(load_trajectory(path, frames=slice(-4, None)).steps, steps[-4:])
    with pytest.raises(ValueError, match="step must be positive"):
        load_trajectory(path, frames=slice(None, None, -1))


def test_h5md_layout(tmp_path):
    path = write_synthetic(tmp_path / "run.h5", synthetic_blocks(2, 5))
    with h5py.File(path, "r") as f:
        assert list(f["h5md"].attrs["version"]) == [1, 1]
        assert f["h5md/author"].attrs["name"]
        assert f["h5md/creator"].attrs["name"] == "hpfold" and f["h5md/creator"].attrs["version"]
        module = f["h5md/modules/hpfold"]
        assert list(module.attrs["version"]) == [1, 0]
        assert module.attrs["kind"] == "trajectory" and module.attrs["sequence"] == SEQ
        assert module.attrs["lattice"] == "square" and module.attrs["n_replicas"] == 3
        steps = f["particles/replica_0/position/step"]
        assert steps.dtype == np.int64 and steps.maxshape == (None,)
        for r in range(3):
            group = f[f"particles/replica_{r}"]
            assert group["box"].attrs["dimension"] == 2
            assert [b.decode() for b in group["box"].attrs["boundary"]] == ["none", "none"]
            value = group["position/value"]
            assert value.dtype == np.int16 and value.shape == (10, len(SEQ), 2)
            assert value.maxshape == (None, len(SEQ), 2) and value.chunks is not None
            assert value.compression == "gzip"
            assert "time" not in group["position"]
            assert group["position/step"] == steps  # hard link, one step grid
            mapping = h5py.check_enum_dtype(group["species"].dtype)
            assert mapping == {"H": 0, "P": 1}
            assert "".join("HP"[v] for v in group["species"][()]) == SEQ
            bonds = f[f"connectivity/replica_{r}"]
            assert f[bonds.attrs["particles_group"]] == group
            assert np.array_equal(bonds[()], np.stack([np.arange(len(SEQ) - 1), np.arange(1, len(SEQ))], 1))
        for name, unit in (("energy", "epsilon"), ("rg", "bond"), ("end_to_end", "bond")):
            element = f[f"observables/{name}"]
            assert element["step"] == steps
            assert element["value"].shape == (10, 3) and element["value"].dtype == np.float64
            assert element["value"].attrs["unit"] == unit
        assert f["observables/temperature_index/value"].dtype == np.int16
        assert list(f["parameters/temperatures"][()]) == [0.3, 0.6, 1.2]


def test_empty_trajectory_reads(tmp_path):
    path = tmp_path / "empty.h5"
    with TrajectoryWriter(path, sequence="HPH", lattice="cubic", n_replicas=2, parameters={}):
        pass
    traj = load_trajectory(path)
    assert traj.positions.shape == (2, 0, 3, 3) and traj.steps.shape == (0,) and traj.observables == {}
    assert describe_file(path)["n_frames"] == 0


def test_append_validation(tmp_path):
    path = tmp_path / "v.h5"
    (steps, pos, obs, tindex), = synthetic_blocks(1, 4)
    with TrajectoryWriter(path, sequence=SEQ, lattice="square", n_replicas=3, temperatures=[1, 2, 3],
                          parameters={}) as w:
        with pytest.raises(ValueError, match="positions"):
            w.append(steps, pos[:2], obs, tindex)
        with pytest.raises(ValueError, match="integer"):
            w.append(steps, pos.astype(float), obs, tindex)
        with pytest.raises(ValueError, match="int16"):
            w.append(steps, pos.astype(np.int64) * 1000, obs, tindex)
        with pytest.raises(ValueError, match="strictly increasing"):
            w.append(steps[::-1].copy(), pos, obs, tindex)
        with pytest.raises(ValueError, match="temperature_index"):
            w.append(steps, pos, obs, tindex + 3)
        with pytest.raises(ValueError, match=r"observables\['rg'\]"):
            w.append(steps, pos, {**obs, "rg": obs["rg"][:, :2]}, tindex)
        w.append(steps, pos, obs, tindex)
        with pytest.raises(ValueError, match="continue after"):
            w.append(steps, pos, obs, tindex)
        later = steps + 1000
        with pytest.raises(ValueError, match="observables: this file records"):
            w.append(later, pos, {"energy": obs["energy"]}, tindex)
        with pytest.raises(ValueError, match="every append or in none"):
            w.append(later, pos, obs)
        assert w.n_frames == 4
    assert load_trajectory(path).n_frames == 4
    with pytest.raises(ValueError, match="n_replicas"):
        TrajectoryWriter(tmp_path / "x.h5", sequence=SEQ, lattice="square", n_replicas=0, parameters={})
    with pytest.raises(ValueError, match="sequence"):
        TrajectoryWriter(tmp_path / "x.h5", sequence="HPZ", lattice="square", n_replicas=1, parameters={})
    with pytest.raises(ValueError, match="temperatures"):
        TrajectoryWriter(tmp_path / "x.h5", sequence=SEQ, lattice="square", n_replicas=1, parameters={},
                         temperatures=[1.0, -1.0])


def test_chunks_follow_block_size(tmp_path):
    """Blocks of the chunk size write each chunk once: no superseded copies left in the file."""
    blocks = synthetic_blocks(6, 200, n=64, dim=3, n_replicas=2)
    aligned = write_synthetic(tmp_path / "a.h5", blocks, sequence="HP" * 32, lattice="cubic", n_replicas=2,
                              temperatures=None)
    with h5py.File(aligned, "r") as f:
        assert f["particles/replica_0/position/value"].chunks == (200, 64, 3)
    raw = sum(b[1].nbytes for b in blocks)
    assert os.path.getsize(aligned) < 1.1 * raw  # random coordinates barely compress; no leaked copies


# -- checkpoints --------------------------------------------------------------------------------------------
def test_checkpoint_round_trip_with_pcg64_state(tmp_path):
    rng = np.random.default_rng(np.random.SeedSequence(2 ** 100 + 7))
    rng.random(5)
    children = [np.random.default_rng(s) for s in np.random.SeedSequence(11).spawn(3)]
    state = {
        "rng": rng.bit_generator.state,
        "replica_rngs": {f"r{i}": g.bit_generator.state for i, g in enumerate(children)},
        "conformations": np.arange(27, dtype=np.int8).reshape(3, 9),
        "energies": np.array([-3, -1, 0], dtype=np.int64),
        "accepted": np.array([[1, 2], [3, 4]], dtype=np.uint64),
        "flags": np.array([True, False]),
        "zero_d": np.array(2.5),
        "sweep": np.int64(12),
        "beta": np.float32(0.25),
        "steps": 10 ** 30,
        "best": -7.5, "nan": float("nan"), "inf": float("-inf"),
        "moves": "pull", "done": False, "target": None,
        "ladder": [0.1, 0.2], "pair": (1, "a", (2, 3.0)),
        "empty": {},
    }
    path = tmp_path / "c.h5"
    with TrajectoryWriter(path, sequence=SEQ, lattice="square", n_replicas=3, parameters={}) as w:
        assert w.read_checkpoint() is None and w.checkpoint_frames is None
        w.append(*synthetic_blocks(1, 4)[0][:3])
        w.write_checkpoint({"old": 1})
        w.write_checkpoint(state)
        assert w.checkpoint_frames == 4
    back = load_trajectory(path).checkpoint
    assert list(back) == list(state)
    assert back["rng"] == state["rng"] and back["replica_rngs"] == state["replica_rngs"]
    restored = np.random.default_rng()
    restored.bit_generator.state = back["rng"]
    assert np.array_equal(restored.random(10), rng.random(10))
    for key in ("conformations", "energies", "accepted", "flags", "zero_d"):
        assert isinstance(back[key], np.ndarray) and back[key].dtype == state[key].dtype
        assert back[key].shape == state[key].shape and np.array_equal(back[key], state[key])
    assert type(back["sweep"]) is np.int64 and back["sweep"] == 12
    assert type(back["beta"]) is np.float32 and back["beta"] == np.float32(0.25)
    assert back["steps"] == 10 ** 30 and back["best"] == -7.5 and np.isnan(back["nan"])
    assert back["inf"] == float("-inf") and back["moves"] == "pull" and back["done"] is False
    assert back["target"] is None and back["ladder"] == [0.1, 0.2] and back["pair"] == (1, "a", (2, 3.0))
    assert back["empty"] == {}


def test_bad_checkpoint_keeps_previous(tmp_path):
    path = tmp_path / "c.h5"
    with TrajectoryWriter(path, sequence=SEQ, lattice="square", n_replicas=1, parameters={}) as w:
        w.write_checkpoint({"good": 1})
        for bad in ({"a/b": 1}, {"x": np.array(["text"])}, {"x": object()}, {"x": [np.zeros(2)]}, {3: 1}):
            with pytest.raises(ValueError, match="checkpoint"):
                w.write_checkpoint(bad)
        assert w.read_checkpoint() == {"good": 1}
    assert load_trajectory(path).checkpoint == {"good": 1}


@pytest.mark.parametrize("leftover", ["new_complete", "new_incomplete", "old_only", "old_and_new"])
def test_interrupted_checkpoint_commit(tmp_path, leftover):
    """Every state a kill can leave between 'write checkpoint_new' and 'rename' reads the newest complete one."""
    path = tmp_path / "c.h5"
    with TrajectoryWriter(path, sequence=SEQ, lattice="square", n_replicas=3, parameters={}) as w:
        blocks = synthetic_blocks(3, 4)
        w.append(*blocks[0][:3])
        w.write_checkpoint({"at": 4})
        w.append(*blocks[1][:3])
        w.append(*blocks[2][:3])
    with h5py.File(path, "r+") as f:
        root = f["hpfold"]
        root.copy("checkpoint", "checkpoint_new")
        new = root["checkpoint_new"]
        new["state"].attrs["at"] = json.dumps(8)
        new.attrs["n_frames"] = 8
        if leftover == "new_incomplete":
            new.attrs["complete"] = False
        if leftover in ("old_only", "old_and_new"):
            root.move("checkpoint", "checkpoint_old")
        if leftover == "old_only":
            del root["checkpoint_new"]
    expected = {"new_complete": 8, "new_incomplete": 4, "old_only": 4, "old_and_new": 8}[leftover]
    traj = load_trajectory(path)
    assert traj.checkpoint == {"at": expected} and traj.checkpoint_frames == expected
    assert describe_file(path)["checkpoint"]["frames"] == expected
    with TrajectoryWriter(path, sequence=SEQ, lattice="square", n_replicas=3, parameters={}, resume=True) as w:
        assert w.n_frames == expected and w.read_checkpoint() == {"at": expected}
    with h5py.File(path, "r") as f:
        assert sorted(f["hpfold"]) == ["checkpoint"]


# -- resume -------------------------------------------------------------------------------------------------
def test_resume_truncates_after_checkpoint(tmp_path):
    path = tmp_path / "r.h5"
    blocks = synthetic_blocks(5, 6)
    write_synthetic(path, blocks[:3], checkpoint_after=1)  # checkpoint at 12 frames, 18 written
    assert load_trajectory(path).n_frames == 18
    with TrajectoryWriter(path, sequence=SEQ, lattice="square", n_replicas=3, temperatures=[0.3, 0.6, 1.2],
                          parameters={"command_line": "hpfold sample --resume"}, resume=True) as w:
        assert w.n_frames == 12 and w.resumed_from == 12 and w.read_checkpoint() == {"block": 2}
        assert w.last_step == blocks[1][0][-1]
        for block in blocks[2:]:
            w.append(*block)
    reference = write_synthetic(tmp_path / "straight.h5", blocks)
    resumed, straight = load_trajectory(path), load_trajectory(reference)
    assert np.array_equal(resumed.steps, straight.steps)
    assert np.array_equal(resumed.positions, straight.positions)
    assert np.array_equal(resumed.temperature_index, straight.temperature_index)
    for name in straight.observables:
        assert np.array_equal(resumed.observables[name], straight.observables[name])
    assert describe_file(path)["resumes"] == 1


def test_resume_without_checkpoint_starts_over(tmp_path):
    path = write_synthetic(tmp_path / "r.h5", synthetic_blocks(2, 3))
    with TrajectoryWriter(path, sequence=SEQ, lattice="square", n_replicas=3, parameters={}, resume=True) as w:
        assert w.n_frames == 0
    assert load_trajectory(path).n_frames == 0
    fresh = tmp_path / "new.h5"
    with TrajectoryWriter(fresh, sequence=SEQ, lattice="square", n_replicas=3, parameters={}, resume=True) as w:
        assert w.n_frames == 0
    assert load_trajectory(fresh).sequence == SEQ


@pytest.mark.parametrize("change, pattern", [
    (dict(sequence="HPPHPPHHPP"), "sequence"),
    (dict(lattice="triangular"), "lattice"),
    (dict(n_replicas=2), "n_replicas"),
    (dict(temperatures=[0.3, 0.6, 1.3]), "temperatures"),
])
def test_resume_refuses_another_run(tmp_path, change, pattern):
    path = write_synthetic(tmp_path / "r.h5", synthetic_blocks(1, 3), checkpoint_after=0)
    opts = dict(sequence=SEQ, lattice="square", n_replicas=3, temperatures=[0.3, 0.6, 1.2], parameters={})
    opts.update(change)
    with pytest.raises(ValueError, match=pattern) as excinfo:
        TrajectoryWriter(path, resume=True, **opts)
    assert "cannot resume" in one_line_error(excinfo, path)
    assert load_trajectory(path).n_frames == 3  # untouched


def test_resume_refuses_foreign_files(tmp_path):
    text = tmp_path / "notes.h5"
    text.write_text("not hdf5\n")
    with pytest.raises(ValueError, match="not an HDF5 file"):
        TrajectoryWriter(text, sequence=SEQ, lattice="square", n_replicas=1, parameters={}, resume=True)
    enum = tmp_path / "enum.h5"
    write_enumeration(enum, _fake_enumeration())
    with pytest.raises(ValueError, match="enumeration"):
        TrajectoryWriter(enum, sequence="HPPHPPH", lattice="square", n_replicas=1, parameters={}, resume=True)


# -- foreign, corrupt and truncated files ------------------------------------------------------------------
def _foreign_files(tmp_path):
    good = write_synthetic(tmp_path / "good.h5", synthetic_blocks(3, 40), checkpoint_after=1)
    files = {}
    files["text"] = tmp_path / "text.h5"
    files["text"].write_text("hello\n")
    files["empty"] = tmp_path / "empty.h5"
    files["empty"].write_bytes(b"")
    files["directory"] = tmp_path / "dir.h5"
    files["directory"].mkdir()
    files["missing"] = tmp_path / "missing.h5"
    files["plain_hdf5"] = tmp_path / "plain.h5"
    with h5py.File(files["plain_hdf5"], "w") as f:
        f["x"] = np.arange(3)
    files["other_h5md"] = tmp_path / "other.h5"
    with h5py.File(files["other_h5md"], "w") as f:
        f.create_group("h5md/creator").attrs["name"] = "lammps"
        f["h5md"].attrs["version"] = [1, 1]
    files["newer_format"] = tmp_path / "newer.h5"
    files["newer_format"].write_bytes(good.read_bytes())
    with h5py.File(files["newer_format"], "r+") as f:
        f["h5md/modules/hpfold"].attrs["version"] = np.array([2, 0], dtype=np.int32)
    files["truncated"] = tmp_path / "truncated.h5"
    data = good.read_bytes()
    files["truncated"].write_bytes(data[: len(data) // 2])
    files["missing_dataset"] = tmp_path / "nopos.h5"
    files["missing_dataset"].write_bytes(data)
    with h5py.File(files["missing_dataset"], "r+") as f:
        del f["particles/replica_2/position"]
    files["corrupt_chunk"] = tmp_path / "corrupt.h5"
    files["corrupt_chunk"].write_bytes(data)
    with h5py.File(files["corrupt_chunk"], "r") as f:
        offset = f["particles/replica_1/position/value"].id.get_chunk_info(0).byte_offset
    with open(files["corrupt_chunk"], "r+b") as handle:
        handle.seek(offset)
        handle.write(b"\xff" * 64)
    return files


def test_foreign_files_give_one_line_errors(tmp_path):
    expected = {"text": "not an HDF5 file", "empty": "empty file", "directory": "directory",
                "missing": "no such file", "plain_hdf5": "without an 'h5md' group",
                "other_h5md": "written by lammps", "newer_format": "format 2.0", "truncated": "truncated",
                "missing_dataset": "missing particles/replica_2", "corrupt_chunk": "damaged trajectory"}
    files = _foreign_files(tmp_path)
    assert set(files) == set(expected)
    for name, path in files.items():
        with pytest.raises(ValueError) as excinfo:
            load_trajectory(path)
        assert expected[name] in one_line_error(excinfo, path), name


def test_info_reports_foreign_files_in_one_line(tmp_path, capsys):
    for name, path in _foreign_files(tmp_path).items():
        if name in ("missing_dataset", "corrupt_chunk"):
            continue  # info does not read every chunk
        assert main(["info", os.fspath(path)]) == 2, name
        captured = capsys.readouterr()
        assert captured.out == "" and captured.err.count("\n") == 1, (name, captured.err)
        assert captured.err.startswith("hpfold info: error: ")


def test_wrong_kind(tmp_path):
    enum = tmp_path / "enum.h5"
    write_enumeration(enum, _fake_enumeration())
    with pytest.raises(ValueError, match="holds an enumeration result, not a trajectory") as excinfo:
        load_trajectory(enum)
    one_line_error(excinfo, enum)
    traj = write_synthetic(tmp_path / "t.h5", synthetic_blocks(1, 2))
    with pytest.raises(ValueError, match="holds a trajectory, not an enumeration result") as excinfo:
        read_enumeration(traj)
    one_line_error(excinfo, traj)


# -- crashes ------------------------------------------------------------------------------------------------
FAKE_SAMPLER = textwrap.dedent("""
    import sys, time
    import numpy as np
    from hpfold.io import TrajectoryWriter

    path, n_blocks, pause_after, resume = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
    R, N, F = 3, 24, 16

    def frames(rng, block):
        steps = (np.arange(block * F, (block + 1) * F, dtype=np.int64) + 1) * 10
        walk = np.cumsum(rng.integers(-1, 2, size=(R, F, N, 2)), axis=2).astype(np.int16)
        return steps, walk, {"energy": -rng.integers(0, 12, size=(R, F)).astype(float),
                             "rg": rng.random((R, F))}, rng.integers(0, R, size=(R, F))

    with TrajectoryWriter(path, sequence="HP" * 12, lattice="square", n_replicas=R, temperatures=[0.2, 0.5, 1.0],
                          parameters={"seed_entropy": 1234}, resume=resume) as w:
        state = w.read_checkpoint()
        rng = np.random.default_rng(1234)
        block = 0
        if state is not None:
            rng.bit_generator.state = state["rng"]
            block = int(state["block"])
        while block < n_blocks:
            w.append(*frames(rng, block))
            block += 1
            if block % 3 == 0:
                w.write_checkpoint({"rng": rng.bit_generator.state, "block": block,
                                    "last": np.array([block], dtype=np.int64)})
            print(w.n_frames, flush=True)
            if block == pause_after:
                print("paused", flush=True)
                sys.stdin.readline()
""")


def _run_fake_sampler(script, path, n_blocks, pause_after=-1, resume=False):
    return subprocess.Popen([sys.executable, os.fspath(script), os.fspath(path), str(n_blocks), str(pause_after),
                             "1" if resume else "0"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_sigkill_while_appending_then_resume(tmp_path):
    script = tmp_path / "fake_sampler.py"
    script.write_text(FAKE_SAMPLER)
    path = tmp_path / "killed.h5"
    proc = _run_fake_sampler(script, path, n_blocks=10 ** 6, pause_after=4)
    flushed = 0
    try:
        line = proc.stdout.readline()
        while line.strip() != "paused":
            assert line, proc.stderr.read()
            flushed = int(line)
            line = proc.stdout.readline()
        # the writer is alive and holds the file: reading still works (no lock taken by the reader)
        live = load_trajectory(path)
        assert live.n_frames == flushed == 64 and live.checkpoint_frames == 48
        # ... but a second writer is refused while the first one holds the file's lock
        with pytest.raises(ValueError, match="another hpfold process .* is writing this file") as excinfo:
            TrajectoryWriter(path, sequence="HP" * 12, lattice="square", n_replicas=3, parameters={}, resume=True)
        one_line_error(excinfo, path)
        proc.stdin.write("go\n")
        proc.stdin.flush()
        for _ in range(12):  # kill somewhere after a dozen more flushes, mid-loop
            flushed = int(proc.stdout.readline())
        time.sleep(0.01 * (os.getpid() % 5))
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    traj = load_trajectory(path)
    assert traj.n_frames >= flushed and traj.n_frames % 16 == 0
    assert np.array_equal(traj.steps, (np.arange(traj.n_frames) + 1) * 10)
    assert np.all(np.abs(np.diff(traj.positions.astype(int), axis=2)) <= 1)  # the fake walks, intact
    assert traj.checkpoint is not None and traj.checkpoint_frames <= traj.n_frames
    assert traj.checkpoint_frames == 16 * traj.checkpoint["block"] and traj.checkpoint_frames % 48 == 0
    assert main(["info", os.fspath(path)]) == 0

    # resume to 40 blocks, and compare with a run that was never interrupted
    total = 40
    resumed = _run_fake_sampler(script, path, n_blocks=total, resume=True)
    straight = _run_fake_sampler(script, tmp_path / "straight.h5", n_blocks=total)
    for proc in (resumed, straight):
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    a, b = load_trajectory(path), load_trajectory(tmp_path / "straight.h5")
    assert a.n_frames == b.n_frames == 16 * total
    assert np.array_equal(a.steps, b.steps) and np.array_equal(a.positions, b.positions)
    assert np.array_equal(a.temperature_index, b.temperature_index)
    assert all(np.array_equal(a.observables[k], b.observables[k]) for k in b.observables)
    assert a.checkpoint["rng"] == b.checkpoint["rng"]


def test_disk_full_keeps_file_readable(tmp_path):
    """A file-size limit (as a full disk) stops the writer with one line; the file reads up to the last flush."""
    script = tmp_path / "fill.py"
    script.write_text(textwrap.dedent("""
        import resource, signal, sys
        import numpy as np
        from hpfold.io import TrajectoryWriter, TrajectoryWriteError
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        limit = 3 << 20
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        rng = np.random.default_rng(0)
        with TrajectoryWriter(sys.argv[1], sequence="HP" * 20, lattice="cubic", n_replicas=2, parameters={}) as w:
            try:
                for b in range(10 ** 6):
                    pos = rng.integers(-300, 300, (2, 50, 40, 3))
                    w.append(np.arange(b * 50, (b + 1) * 50), pos, {"energy": rng.normal(size=(2, 50))})
                    if b % 4 == 0:
                        w.write_checkpoint({"b": b, "rng": rng.bit_generator.state})
            except TrajectoryWriteError as exc:
                print(w.n_frames)
                print(exc)
    """))
    path = tmp_path / "full.h5"
    proc = subprocess.run([sys.executable, os.fspath(script), os.fspath(path)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    frames, message = proc.stdout.splitlines()
    assert "no space" in message and os.fspath(path) in message
    traj = load_trajectory(path)
    assert traj.n_frames == int(frames) > 0
    assert traj.checkpoint is not None and traj.checkpoint_frames <= traj.n_frames


def test_no_space_error_writes_nothing(tmp_path, monkeypatch):
    path = tmp_path / "w.h5"
    blocks = synthetic_blocks(2, 4)
    with TrajectoryWriter(path, sequence=SEQ, lattice="square", n_replicas=3, parameters={}) as w:
        w.append(*blocks[0][:3])

        def no_space(*args):
            raise OSError(28, "No space left on device")
        monkeypatch.setattr(os, "posix_fallocate", no_space)
        with pytest.raises(TrajectoryWriteError, match="no space") as excinfo:
            w.append(*blocks[1][:3])
        one_line_error(excinfo, path)
    assert load_trajectory(path).n_frames == 4


# -- enumeration files --------------------------------------------------------------------------------------
def _fake_enumeration(with_confs=True):
    from hpfold.enumerate import EnumerationResult

    confs = np.array([[0, 1, 2, 1, 0, 3], [0, 0, 1, 2, 2, 1]], dtype=np.int8) if with_confs else None
    return EnumerationResult("HPPHPPH", "square", "HP", np.array([-2, -1, 0]), np.array([8, 120, 652]),
                             np.array([1, 15, 82]), seconds=0.25, threads=2, ground_states=["010121", "011232"],
                             conformations=confs,
                             conformation_energies=np.array([-2, -1]) if with_confs else None,
                             conformation_weights=np.array([8, 8]) if with_confs else None, compile_seconds=1.5)


def test_enumeration_round_trip(tmp_path):
    result = _fake_enumeration()
    path = tmp_path / "enum.h5"
    write_enumeration(path, result, command_line="hpfold enumerate HPPHPPH -o enum.h5")
    back = read_enumeration(path)
    for name in ("energies", "counts", "class_counts", "conformations", "conformation_energies",
                 "conformation_weights"):
        assert np.array_equal(getattr(back, name), getattr(result, name)), name
        assert getattr(back, name).dtype == (np.int8 if name == "conformations" else np.int64)
    assert (back.sequence, back.lattice, back.model) == ("HPPHPPH", "square", "HP")
    assert back.ground_states == result.ground_states and back.seconds == 0.25 and back.threads == 2
    assert back.compile_seconds == 1.5
    assert back.to_dict() == result.to_dict()
    with h5py.File(path, "r") as f:
        assert list(f["h5md"].attrs["version"]) == [1, 1]
        assert f["h5md/modules/hpfold"].attrs["kind"] == "enumeration"
        assert f["parameters"].attrs["command_line"] == "hpfold enumerate HPPHPPH -o enum.h5"
        assert f["parameters"].attrs["hpfold_version"]
        assert f["observables/energy"].attrs["unit"] == "epsilon"
    assert not os.path.exists(f"{path}.partial")
    plain = tmp_path / "plain.h5"
    result.ground_states = None
    write_enumeration(plain, _fake_enumeration(with_confs=False))
    assert read_enumeration(plain).conformations is None


def test_enumerate_cli_output_and_info(tmp_path, capsys):
    path = tmp_path / "e.h5"
    assert main(["enumerate", "HPPHPPHHPH", "--ground-states", "--json", "-o", os.fspath(path)]) == 0
    printed = json.loads(capsys.readouterr().out)
    back = read_enumeration(path)
    assert back.density_of_states() == printed["density_of_states"]
    assert back.ground_states == printed["ground_states"]
    assert main(["info", os.fspath(path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["kind"] == "enumeration" and info["n_conformations"] == printed["n_conformations"]
    assert info["ground_energy"] == printed["ground_energy"] and info["ground_states"] == printed["ground_states"]
    assert main(["info", os.fspath(path)]) == 0
    text = capsys.readouterr().out
    assert "enumeration" in text and f"E = {printed['ground_energy']}" in text


# -- hpfold info on trajectories -----------------------------------------------------------------------------
def test_info_trajectory(tmp_path, capsys):
    path = tmp_path / "t.h5"
    blocks = synthetic_blocks(3, 5)
    # make frame 7 of replica 2 the best one, with a real conformation
    steps, pos, obs, tindex = blocks[1]
    pos[2, 2] = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [-1, 1], [-1, 0], [-1, -1], [0, -1], [1, -1], [2, -1]])
    obs["energy"][2, 2] = -20.0
    write_synthetic(path, blocks, checkpoint_after=1)
    assert main(["info", os.fspath(path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["kind"] == "trajectory" and info["n_frames"] == 15 and info["n_replicas"] == 3
    assert info["sequence"] == SEQ and info["lattice"] == "square"
    assert info["best_energy"] == -20.0 and info["best_replica"] == 2 and info["best_step"] == int(steps[2])
    assert info["best_conformation"] == _dirs(pos[2, 2])
    all_energy = np.concatenate([b[2]["energy"] for b in blocks], axis=1)
    assert info["energy_max"] == all_energy.max()
    assert info["checkpoint"]["frames"] == 10 and info["checkpoint"]["step"] == int(blocks[1][0][-1])
    assert info["temperatures"] == [0.3, 0.6, 1.2]
    assert info["versions"]["hpfold"] and info["versions"]["numpy"] and info["versions"]["numba"]
    assert info["command_line"].startswith("hpfold sample")
    assert main(["info", os.fspath(path)]) == 0
    text = capsys.readouterr().out
    for word in ("trajectory", SEQ, "replicas", "frames", "best energy", "-20", "checkpoint", "numba"):
        assert word in text, word


def _dirs(coords):
    from hpfold.conformation import Conformation

    return Conformation.from_coords(coords, "square").string


def test_info_reads_a_density_of_states_file(tmp_path):
    from hpfold.dos import DensityOfStates, write_dos
    from hpfold.io.summary import describe_file

    path = tmp_path / "dos.h5"
    write_dos(path, DensityOfStates("HPPH", "square", "HP", [-1, 0], np.log([8, 28]), "exact", "toy"))
    info = describe_file(path)
    assert info["kind"] == "dos" and info["energy_levels"] == 2
    assert info["ln_g"][0][0] == -1 and abs(info["ln_g"][1][1] - np.log(28)) < 1e-12
