"""Peak resident memory of the process over a block of code, and of the GPU where CUDA is in use."""
from __future__ import annotations

import threading

import psutil


class PeakMemory:
    """Context manager sampling the process RSS every ``interval`` seconds; where CUDA has
    been initialised by the end, also the most GPU memory torch held over the block beyond
    what it held at its start, summed over the GPUs (``cuda_peak_mb``; ``None`` otherwise:
    a block that used no GPU after earlier GPU work gives 0).

    >>> with PeakMemory() as mem:       # doctest: +SKIP
    ...     work()
    >>> mem.peak_mb                      # doctest: +SKIP
    """

    def __init__(self, interval: float = 0.05):
        self.interval = interval
        self.peak_bytes = 0
        self.cuda_peak_bytes: int | None = None
        self._cuda_at_start: dict[int, int] = {}
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
        self._cuda_at_start = {}
        if _cuda_in_use():
            import torch

            for index in range(torch.cuda.device_count()):
                torch.cuda.reset_peak_memory_stats(index)
                self._cuda_at_start[index] = torch.cuda.memory_allocated(index)
        self._sample()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._sample()
        if _cuda_in_use():  # initialised inside the block: its peaks count from zero
            import torch

            self.cuda_peak_bytes = sum(
                torch.cuda.max_memory_allocated(index) - self._cuda_at_start.get(index, 0)
                for index in range(torch.cuda.device_count()))

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
