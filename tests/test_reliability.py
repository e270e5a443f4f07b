"""No input crashes hpfold: random arguments, corrupt files, kill -9 then --resume (issue 18, parts 3-4).

Fast cases call :func:`hpfold.cli.main` in-process; the kill -9 cases (real processes) are ``slow``.
"""
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hpfold.cli import main
from hpfold.io import load_trajectory

SEQ = "HPPHPH"
#: values a numeric flag may get: a few small valid ones and every kind of nonsense
NUMBERS = ["0", "1", "2", "3", "10", "0.5", "1e2", "-1", "-0.5", "1.5", "nan", "inf", "-inf", "1e30", "x", "",
           "1e400", "0x10", "2**70", "9223372036854775808"]


def _run(capsys, argv):
    """(exit code, stderr) of ``hpfold argv``; argparse's SystemExit counts as an exit."""
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    return code, capsys.readouterr().err


#: flags whose large valid values mean a long run: they get only the values of NUMBERS
RUN_LENGTH = {"--steps", "--tours", "--max-time", "--max-seconds", "--runs"}
#: random text and huge integers (valid or not, these must never start a long run or crash)
ANYTHING = st.one_of(st.sampled_from(NUMBERS), st.text(max_size=4), st.integers(10**11, 10**25).map(str))


def _value(flag):
    return st.sampled_from(NUMBERS) if flag in RUN_LENGTH else ANYTHING


def _flags(*names):
    """Zero or more of ``names``, each with a value from NUMBERS (or ANYTHING), as a flat argv list."""
    pair = st.sampled_from(names).flatmap(lambda flag: st.tuples(st.just(flag), _value(flag)))
    return st.lists(pair, max_size=3).map(lambda pairs: [x for p in pairs for x in p])


# per subcommand: a fast base argv and the numeric flags to vary (valid runs stay tiny)
ARGV = {
    "enumerate": (["enumerate", SEQ], _flags("--threads")),  # --workers starts Dask processes: left out
    "sample": (["sample", SEQ, "--steps", "200", "--no-progress"],
               _flags("--steps", "--max-time", "--temperature", "--tmin", "--tmax", "--replicas", "--exchange-every",
                      "--target", "--seed", "--every", "--threads")),
    "sample-remc": (["sample", SEQ, "-m", "remc", "--steps", "100", "--no-progress"],
                    _flags("--replicas", "--tmin", "--tmax", "--exchange-every", "--seed")),
    "sample-anneal": (["sample", SEQ, "-m", "anneal", "--steps", "100", "--no-progress"],
                      _flags("--tmin", "--tmax", "--exchange-every", "--seed", "--steps")),
    "landscape": (["landscape", SEQ], _flags("--temperature", "--emax", "--budget", "--plateau-budget", "--threads",
                                             "--n-lowest", "--max-pairs")),
    "landscape-space": (["landscape", "--space", "kmeans", "--n", "6"], _flags("--k", "--seed", "--radius", "--delta")),
    "kinetics": (["kinetics", SEQ, "--points", "3"], _flags("--temperature", "--tmin", "--tmax", "--points",
                                                           "--rates")),
    "dos": (["dos", SEQ, "--max-seconds", "2"], _flags("--seed", "--runs", "--threads", "--max-seconds")),
    "dos-flatperm": (["dos", SEQ, "-m", "flatperm", "--tours", "50", "--runs", "1", "--max-seconds", "2"],
                     _flags("--seed", "--tours", "--runs", "--threads")),
    "dos-wl": (["dos", SEQ, "-m", "wang-landau", "--steps", "20000", "--runs", "1", "--max-seconds", "0.2"],
               _flags("--seed", "--steps")),
    "thermo": (["thermo", SEQ], _flags("--tmin", "--tmax", "--points")),
    "bench": (["bench", "--list"], _flags("--runs", "--seed", "--workers", "--threads", "--grace")),
    "thermo-points": (["thermo", SEQ], _flags("--points")),
    "sample-replicas": (["sample", SEQ, "--steps", "10", "-m", "remc", "--no-progress"], _flags("--replicas")),
    "info": (["info", "missing.h5"], st.just([])),
    "designability": (["designability", "8"], _flags("--top")),
}


def _check(code, err):
    assert "Traceback" not in err, err
    assert code in (0, 2), (code, err)
    if code == 2:
        assert err.strip().splitlines()[-1].startswith("hpfold"), err


@pytest.mark.parametrize("name", sorted(ARGV))
def test_random_numeric_arguments_never_crash(name, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing written here (no -o), but keep the test folder clean anyway
    base, extra = ARGV[name]

    @settings(max_examples=25, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(extra)
    def check(flags):
        _check(*_run(capsys, base + flags))

    check()


@pytest.mark.parametrize("argv, flag", [
    (["sample", SEQ, "--steps", "inf"], "--steps"),
    (["sample", SEQ, "--steps", "inf", "--json"], "--steps"),
    (["sample", SEQ, "--steps", "1e30"], "--steps"),
    (["sample", SEQ, "--steps", "nan"], "--steps"),
    (["sample", SEQ, "--steps", "1.5"], "--steps"),
    (["sample", SEQ, "--steps", "10", "--seed", "-1"], "--seed"),
    (["sample", SEQ, "--steps", "10", "--threads", "0"], "--threads"),
    (["sample", SEQ, "--steps", "10", "-T", "0"], "--temperature"),
    (["dos", SEQ, "--runs", "0"], "--runs"),
    (["enumerate", SEQ, "--threads", "0"], "--threads"),
    (["thermo", SEQ, "--tmin", "nan"], "--tmin"),
    (["kinetics", SEQ, "--points", "0"], "--points"),
    (["landscape", SEQ, "--temperature", "-1"], "--temperature"),
    (["bench", "--list", "--runs", "0"], "--runs"),
])
def test_bad_numbers_are_refused_naming_the_flag(argv, flag, capsys):
    code, err = _run(capsys, argv)
    assert code == 2
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"hpfold {argv[0]}: error: {flag} must be"), err


def test_steps_accepts_float_syntax(capsys):
    code, err = _run(capsys, ["sample", SEQ, "--steps", "1e3", "--json", "--no-progress"])
    assert code == 0, err


def test_output_folder_needs_an_existing_parent(tmp_path, capsys):
    target = tmp_path / "missing" / "x" / "y"
    code, err = _run(capsys, ["demo", "--out", str(target)])
    assert code == 2 and "--parents" in err.strip().splitlines()[-1]
    assert not (tmp_path / "missing").exists()
    code, err = _run(capsys, ["kinetics", SEQ, "--pathsample", str(target)])
    assert code == 2 and not (tmp_path / "missing").exists()
    code, err = _run(capsys, ["bench", "--suite", "S1-1", "--algorithms", "random", "--runs", "1", "--report",
                              str(target)])
    assert code == 2 and not (tmp_path / "missing").exists()


def test_output_folder_with_parents_creates_them(tmp_path):
    from hpfold.cli import CliError, output_folder

    assert output_folder(tmp_path / "a" / "b", "--out", parents=True).is_dir()
    (tmp_path / "f").write_text("")
    with pytest.raises(CliError, match="not a folder"):
        output_folder(tmp_path / "f", "--out")


def test_verbose_enumerate_logs_the_estimate(capsys, caplog):
    caplog.set_level("INFO", logger="hpfold.enumerate")  # what -v shows on stderr
    code, err = _run(capsys, ["-v", "enumerate", SEQ])
    assert code == 0 and "estimate: 6 monomers on square" in caplog.text


def test_square_28mer_is_warned_or_refused_with_the_estimate():
    from hpfold.enumerate import MAX_SECONDS, estimate_enumeration, plan_enumeration

    count, seconds = estimate_enumeration(plan_enumeration("HP" * 14, "square"), threads=1)
    assert count > 5e11 and seconds > 0  # timed from a measured rate: warned over a minute, refused over MAX_SECONDS
    assert MAX_SECONDS == 600.0


# --- corrupt and truncated files --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """One valid file of every kind hpfold writes: trajectory, enumeration, dos, landscape, kinetics."""
    folder = tmp_path_factory.mktemp("outputs")
    files = {k: folder / f"{k}.h5" for k in ("trajectory", "enumeration", "dos", "landscape", "kinetics")}
    runs = [["sample", SEQ, "--steps", "2000", "--every", "100", "--seed", "1", "--no-progress",
             "-o", files["trajectory"]],
            ["enumerate", SEQ, "-o", files["enumeration"]], ["dos", SEQ, "-o", files["dos"]],
            ["landscape", SEQ, "-o", files["landscape"]], ["kinetics", SEQ, "--points", "3", "-o", files["kinetics"]]]
    for argv in runs:
        assert main([str(a) for a in argv]) == 0
    return files


def _damage(src, dst, how):
    data = src.read_bytes()
    if how == "truncated":
        data = data[:len(data) // 2]
    elif how == "empty":
        data = b""
    elif how == "header":
        data = bytes(512) + data[512:]
    elif how == "middle":
        mid = len(data) // 2
        data = data[:mid] + np.random.default_rng(0).bytes(4096) + data[mid + 4096:]
    dst.write_bytes(data)


def _readers(kind, path):
    """The CLI commands that read a file of this kind."""
    p = str(path)
    argv = [["info", p], ["info", p, "--json"]]
    if kind == "trajectory":
        argv += [["landscape", "--from", p], ["kinetics", "--from", p, "--lag", "1"],
                 ["sample", SEQ, "--steps", "4000", "-o", p, "--resume", "--no-progress"]]
    if kind in ("enumeration", "dos"):
        argv += [["thermo", p]]
    return argv


@pytest.mark.parametrize("how", ["truncated", "empty", "header", "middle"])
@pytest.mark.parametrize("kind", ["trajectory", "enumeration", "dos", "landscape", "kinetics"])
def test_damaged_files_give_one_line_and_exit_2(outputs, kind, how, tmp_path, capsys):
    bad = tmp_path / f"bad_{kind}.h5"
    for argv in _readers(kind, bad):
        _damage(outputs[kind], bad, how)
        code, err = _run(capsys, argv)
        assert "Traceback" not in err, (argv, err)
        if how == "middle" and code == 0:
            continue  # the garbage may land in unused space or in data no reader checks
        assert code == 2, (argv, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("hpfold"), (argv, err)


@pytest.mark.parametrize("how", ["truncated", "empty", "header"])
def test_damaged_files_through_the_library_readers(outputs, how, tmp_path):
    from hpfold.dos import read_dos
    from hpfold.io import read_enumeration
    from hpfold.landscape.h5 import read_landscape

    readers = {"trajectory": load_trajectory, "enumeration": read_enumeration, "dos": read_dos,
               "landscape": read_landscape}
    for kind, read in readers.items():
        bad = tmp_path / f"{kind}.h5"
        _damage(outputs[kind], bad, how)
        with pytest.raises((ValueError, OSError)) as info:
            read(bad)
        assert "\n" not in str(info.value), (kind, str(info.value))


# --- kill -9 at a random moment, then --resume (slow: real processes) --------------------------------------------

RESUME_SEQ = "HPHPPHHPHPPHPHHPPHPH"
METHODS = {"metropolis": ["--steps", "40000000", "--every", "200000"],
           "anneal": ["--steps", "40000000", "--every", "200000"],
           "remc": ["--replicas", "4", "--steps", "8000000", "--every", "40000"]}


def _command(path, method, *extra):
    return [sys.executable, "-m", "hpfold", "sample", RESUME_SEQ, "--method", method, *METHODS[method],
            "--seed", "5", "--threads", "1", "--no-progress", "-o", str(path), *extra]


def _kill_after(proc, path, frames, timeout=600):
    deadline = time.time() + timeout  # a cold numba cache compiles the sampler first
    while time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
        try:
            if load_trajectory(path).n_frames >= frames:
                break
        except (ValueError, OSError):
            pass
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


@pytest.mark.slow
@pytest.mark.parametrize("method", sorted(METHODS))
def test_kill_9_at_a_random_moment_then_resume_is_bit_identical(method, tmp_path):
    full, cut = tmp_path / "full.h5", tmp_path / "cut.h5"
    subprocess.run(_command(full, method), check=True, capture_output=True, timeout=1200)
    a = load_trajectory(full)
    frames = int(np.random.default_rng().integers(2, a.n_frames // 2))
    proc = subprocess.Popen(_command(cut, method), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(float(np.random.default_rng().uniform(0, 0.05)))
    _kill_after(proc, cut, frames)
    assert 0 < load_trajectory(cut).n_frames < a.n_frames, "finished before the kill; raise --steps"
    subprocess.run(_command(cut, method, "--resume"), check=True, capture_output=True, timeout=1200)
    b = load_trajectory(cut)
    for field in ("steps", "positions", "temperature_index"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field
    assert np.array_equal(a.observables["energy"], b.observables["energy"])
