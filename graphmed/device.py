"""Which torch device a computation runs on."""
from __future__ import annotations

import torch

#: Device kinds graphmed runs on (``"auto"``: CUDA when available, else the CPU).
DEVICE_KINDS = ("cpu", "cuda", "mps")


def check_device_name(device: str | torch.device, owner: str | None = None) -> torch.device | None:
    """The device ``device`` names (``None`` for ``"auto"``), without asking whether this
    machine has it: a model configured for a GPU may be built, saved and loaded anywhere.

    Raises:
        ValueError: a string torch cannot read as a device, a kind graphmed does not run on
            (``DEVICE_KINDS``), or an index on the CPU (``"cpu:1"``).
    """
    prefix = f"{owner}: " if owner else ""
    if isinstance(device, str) and device == "auto":
        return None
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"{prefix}unknown device {device!r}; use 'cpu', 'cuda', 'cuda:N' or "
                         "'auto'") from None
    if resolved.type not in DEVICE_KINDS:
        raise ValueError(f"{prefix}device {str(device)!r}: graphmed runs on 'cpu', 'cuda', "
                         "'cuda:N' or 'auto'")
    if resolved.type == "cpu" and resolved.index not in (None, 0):
        raise ValueError(f"{prefix}device {str(device)!r}: the CPU takes no index; use 'cpu'")
    return resolved


def resolve_device(device: str | torch.device, owner: str | None = None) -> torch.device:
    """``device`` as a :class:`torch.device`; ``"auto"`` is CUDA when available, else the CPU.

    Raises:
        ValueError: see :func:`check_device_name`; also a CUDA (or Apple MPS) device this
            machine does not have (named with ``owner``, e.g. the class that was given it).
    """
    prefix = f"{owner}: " if owner else ""
    resolved = check_device_name(device, owner)
    if resolved is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if resolved.type == "cuda" and (not torch.cuda.is_available() or
                                    (resolved.index or 0) >= torch.cuda.device_count()):
        raise ValueError(f"{prefix}device {str(device)!r}: this machine has "
                         f"{torch.cuda.device_count()} CUDA device(s); use 'cpu' or 'auto'")
    if resolved.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"{prefix}device {str(device)!r}: this machine has no Apple MPS "
                         "device; use 'cpu' or 'auto'")
    return resolved
