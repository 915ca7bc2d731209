"""Which torch device a computation runs on."""
from __future__ import annotations

import torch


def resolve_device(device: str | torch.device, owner: str | None = None) -> torch.device:
    """``device`` as a :class:`torch.device`; ``"auto"`` is CUDA when available, else the CPU.

    Raises:
        ValueError: an unknown device string, or a CUDA device this machine does not have
            (named with ``owner``, e.g. the class that was given it).
    """
    prefix = f"{owner}: " if owner else ""
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"{prefix}unknown device {device!r} ({exc})") from None
    if resolved.type == "cuda" and (not torch.cuda.is_available() or
                                    (resolved.index or 0) >= torch.cuda.device_count()):
        raise ValueError(f"{prefix}device {str(device)!r}: this machine has "
                         f"{torch.cuda.device_count()} CUDA device(s); use 'cpu' or 'auto'")
    return resolved
