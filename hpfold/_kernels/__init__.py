"""numba kernels: arrays in, arrays out, random generators passed in; no I/O, no Python objects."""
