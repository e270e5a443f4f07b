"""A software prefetch for numba kernels: ask for a row of an array before it is read.

A lookup in a large hash table (the state table of an exact landscape holds 2^18 rows of
16 bytes for a 14-mer) misses the cache; issued one by one, each miss costs a memory round
trip.  Prefetching the rows of a batch of keys first lets those misses overlap.
"""
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["prefetch_row"]


@intrinsic
def prefetch_row(typingctx, array, index):
    """Prefetch ``array[index, 0, ...]`` into the cache (``llvm.prefetch``, read, high locality).

    Has no effect on results; an out-of-range ``index`` is not checked (a prefetch never faults).

    Examples
    --------
    >>> import numpy as np
    >>> from numba import njit
    >>> @njit
    ... def first(t, i):
    ...     prefetch_row(t, i)
    ...     return t[i, 0]
    >>> int(first(np.arange(6).reshape(3, 2), 2))
    4

    Notes
    -----
    Lowers to LLVM's ``llvm.prefetch`` intrinsic (``prefetcht0`` on x86-64); cost one issued
    instruction.  See Mowry, Lam & Gupta, "Design and evaluation of a compiler algorithm for
    prefetching", ASPLOS 1992.
    """
    if not isinstance(array, types.Array) or not isinstance(index, types.Integer):
        return None
    sig = types.void(array, index)

    def codegen(context, builder, signature, args):
        arrty, idxty = signature.args
        arr = context.make_array(arrty)(context, builder, args[0])
        inds = [context.cast(builder, args[1], idxty, types.intp)]
        inds += [context.get_constant(types.intp, 0)] * (arrty.ndim - 1)
        ptr = cgutils.get_item_pointer2(context, builder, data=arr.data, shape=cgutils.unpack_tuple(builder, arr.shape),
                                        strides=cgutils.unpack_tuple(builder, arr.strides), layout=arrty.layout,
                                        inds=inds)
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]),
                                            "llvm.prefetch.p0")
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])  # read, keep in all levels, data
        return context.get_dummy_value()

    return sig, codegen
