"""One place that turns user input into the arrays the numba kernels expect."""
import numpy as np

__all__ = ["ensure_array", "as_generator"]


def ensure_array(value, name, dtype, ndim=None, shape=None):
    """Cast ``value`` to a C-contiguous array of ``dtype``, checking its rank and shape.

    Raises
    ------
    ValueError
        Naming the argument, when the value cannot be cast or has the wrong shape.
    """
    try:
        arr = np.ascontiguousarray(value, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: cannot convert to {np.dtype(dtype).name} array ({exc})") from None
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-d array, got shape {arr.shape}")
    if shape is not None:
        for want, got in zip(shape, arr.shape):
            if want is not None and want != got:
                raise ValueError(f"{name}: expected shape {shape}, got {arr.shape}")
    return arr


def as_generator(seed=None):
    """Turn ``seed`` (None, int, SeedSequence or Generator) into a ``numpy.random.Generator``."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)
