"""Argument checks shared by the message-passing stacks."""
from __future__ import annotations


def check_stack_args(num_layers: int, dropout: float, drop_edge: float, hidden_channels: int,
                     heads: int) -> None:
    """Raise ``ValueError`` for settings no stack accepts."""
    if num_layers < 1:
        raise ValueError(f"num_layers must be at least 1, got {num_layers}")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout}")
    if not 0.0 <= drop_edge < 1.0:
        raise ValueError(f"drop_edge must be in [0, 1), got {drop_edge}")
    if hidden_channels % heads:
        raise ValueError(f"hidden_channels ({hidden_channels}) must be divisible by "
                         f"heads ({heads})")
