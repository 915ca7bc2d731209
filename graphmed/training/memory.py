"""Peak resident memory of the process over a block of code, and of the GPU where CUDA is in use."""
from __future__ import annotations

import threading

import psutil


class PeakMemory:
    """Context manager sampling the process RSS every ``interval`` seconds; where CUDA has
    been initialised by the end, also the most memory torch allocated on the current GPU
    over the block (``cuda_peak_mb``; ``None`` otherwise).

    >>> with PeakMemory() as mem:       # doctest: +SKIP
    ...     work()
    >>> mem.peak_mb                      # doctest: +SKIP
    """

    def __init__(self, interval: float = 0.05):
        self.interval = interval
        self.peak_bytes = 0
        self.cuda_peak_bytes: int | None = None
        self._process = psutil.Process()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _sample(self) -> None:
        self.peak_bytes = max(self.peak_bytes, self._process.memory_info().rss)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> "PeakMemory":
        self.cuda_peak_bytes = None
        self._cuda_reset = _cuda_in_use()
        if self._cuda_reset:
            import torch

            torch.cuda.reset_peak_memory_stats()
        self._sample()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._sample()
        if _cuda_in_use():  # initialised inside the block: its peak counts from zero
            import torch

            self.cuda_peak_bytes = torch.cuda.max_memory_allocated()

    @property
    def peak_mb(self) -> float:
        return self.peak_bytes / 2**20

    @property
    def cuda_peak_mb(self) -> float | None:
        return None if self.cuda_peak_bytes is None else self.cuda_peak_bytes / 2**20


def _cuda_in_use() -> bool:
    """Whether this process has initialised CUDA (never initialises it)."""
    import sys

    torch = sys.modules.get("torch")
    return torch is not None and torch.cuda.is_initialized()
