"""Slow, obvious reference implementations (test oracles) for the fast kernels.

Each function here does the simplest thing that is clearly right: no symmetry
reduction, no incremental updates, plain Python.  Oracles for later modules
live beside this file in ``reference_<topic>.py`` and are re-exported here.
"""
from collections import Counter

from hpfold.lattice import get_lattice


def all_walks(n_monomers, lattice):
    """Every self-avoiding walk of ``n_monomers`` with monomer 0 at the origin, as direction tuples."""
    lat = get_lattice(lattice)
    vecs = [tuple(int(x) for x in v) for v in lat.vectors]
    origin = (0,) * lat.dim
    out = []

    def grow(dirs, sites):
        if len(sites) == n_monomers:
            out.append(tuple(dirs))
            return
        last = sites[-1]
        for d, v in enumerate(vecs):
            site = tuple(a + b for a, b in zip(last, v))
            if site not in sites:
                dirs.append(d)
                sites.append(site)
                grow(dirs, sites)
                dirs.pop()
                sites.pop()

    grow([], [origin])
    return out


def walk_sites(dirs, lattice):
    lat = get_lattice(lattice)
    site = (0,) * lat.dim
    sites = [site]
    for d in dirs:
        site = tuple(int(a + b) for a, b in zip(site, lat.vectors[d]))
        sites.append(site)
    return sites


def energy_from_scratch(sequence, dirs, lattice, matrix=None, alphabet="HP"):
    """Sum of contact energies over all pairs i < j - 1 that are lattice neighbours (HP: -1 per H-H)."""
    lat = get_lattice(lattice)
    neighbours = {tuple(int(x) for x in v) for v in lat.vectors}
    sites = walk_sites(dirs, lattice)
    index = {c: i for i, c in enumerate(alphabet)}
    energy = 0
    for i in range(len(sites)):
        for j in range(i + 2, len(sites)):
            diff = tuple(b - a for a, b in zip(sites[i], sites[j]))
            if diff in neighbours:
                if matrix is None:
                    energy -= sequence[i] == "H" and sequence[j] == "H"
                else:
                    energy += matrix[index[sequence[i]]][index[sequence[j]]]
    return energy


def brute_force_enumeration(sequence, lattice, matrix=None, alphabet="HP"):
    """Unreduced density of states ``{E: count}``, number of symmetry classes, and canonical ground states."""
    lat = get_lattice(lattice)
    dos = Counter()
    classes = set()
    energy_of = {}
    for dirs in all_walks(len(sequence), lattice):
        e = energy_from_scratch(sequence, dirs, lattice, matrix, alphabet)
        dos[e] += 1
        canon = tuple(int(x) for x in lat.canonical(list(dirs)))
        classes.add(canon)
        energy_of[canon] = e
    e_min = min(dos)
    ground = sorted("".join("0123456789ab"[d] for d in c) for c in classes if energy_of[c] == e_min)
    return dict(dos), len(classes), ground


# oracles of later modules, re-exported so that tests/reference.py is the one place to look
try:  # noqa: SIM105
    from reference_sampling import *  # noqa: F401,F403
except ImportError:
    pass
try:
    from reference_landscape import *  # noqa: F401,F403
except ImportError:
    pass
try:
    from reference_thermo import *  # noqa: F401,F403
except ImportError:
    pass
try:
    from reference_kinetics import *  # noqa: F401,F403
except ImportError:
    pass
