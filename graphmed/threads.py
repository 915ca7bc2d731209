"""CPU threads for torch and the BLAS / OpenMP pools, set for a block and restored after.

The drug–disease graphs have a few thousand nodes: each tensor operation is too small to
split across threads, and when the cores are busy the extra threads wait on each other at
every operation. Measured on 2 cores shared with another process (Fdataset, one fold): 60
GNN epochs took 2.3 s on one thread and 69 s on two; Kronecker RLS took 0.3 s and 2.9 s.
Training and cross-validation therefore run on :data:`DEFAULT_THREADS` unless told otherwise.
"""
from __future__ import annotations

import contextlib
from typing import Iterator

DEFAULT_THREADS = 1


def check_threads(threads: int | None) -> int | None:
    """``threads`` if it is None or a positive integer, else a ValueError."""
    if threads is None:
        return None
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be a positive integer or None, got {threads!r}")
    return threads


@contextlib.contextmanager
def cpu_threads(threads: int | None = DEFAULT_THREADS) -> Iterator[None]:
    """Run the block with ``threads`` CPU threads for torch and for the native thread pools
    of NumPy / SciPy (BLAS, OpenMP); ``None`` leaves the process's settings alone.

    >>> with cpu_threads(1):
    ...     pass
    """
    threads = check_threads(threads)
    if threads is None:
        yield
        return
    import torch
    from threadpoolctl import threadpool_limits

    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with threadpool_limits(limits=threads):
            yield
    finally:
        torch.set_num_threads(previous)
