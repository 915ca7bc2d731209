"""A Transformer over a node's sampled multi-hop context (Trans4DD-style readout)."""
from __future__ import annotations

import torch
from torch import Tensor


class HopContextTransformer(torch.nn.Module):
    """Encodes ``[seed token, context tokens]`` and returns the seed token's output.

    Each token is a node embedding plus a learned node-type embedding and a learned hop
    embedding (hop 0 = the seed); padding tokens are masked out of attention. ``layers``
    pre-norm ``TransformerEncoderLayer`` s of width ``channels``, ``heads`` heads and a
    ``2 * channels`` feed-forward; a final LayerNorm.

    Shapes: ``h (N, C)`` node embeddings, ``node_type (N,)``, ``nodes (B, T)``,
    ``hops (T,)``, ``valid (B, T)`` -> ``(B, C)``.
    """

    def __init__(self, channels: int, num_node_types: int, max_hops: int, *, heads: int = 2,
                 layers: int = 2, dropout: float = 0.1):
        super().__init__()
        if channels % heads:
            raise ValueError(f"channels ({channels}) must be divisible by heads ({heads})")
        self.channels, self.num_node_types, self.max_hops = channels, num_node_types, max_hops
        self.heads, self.layers = heads, layers
        self.type_emb = torch.nn.Embedding(num_node_types, channels)
        self.hop_emb = torch.nn.Embedding(max_hops + 1, channels)
        layer = torch.nn.TransformerEncoderLayer(channels, heads, 2 * channels, dropout,
                                                 batch_first=True, norm_first=True)
        self.encoder = torch.nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = torch.nn.LayerNorm(channels)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        torch.nn.init.normal_(self.type_emb.weight, std=0.1)
        torch.nn.init.normal_(self.hop_emb.weight, std=0.1)
        for module in self.encoder.modules():
            if isinstance(module, torch.nn.Linear):
                module.reset_parameters()
            elif isinstance(module, torch.nn.MultiheadAttention):
                module._reset_parameters()
            elif isinstance(module, torch.nn.LayerNorm):
                module.reset_parameters()
        self.norm.reset_parameters()

    def forward(self, h: Tensor, node_type: Tensor, nodes: Tensor, hops: Tensor,
                valid: Tensor) -> Tensor:
        if hops.max() > self.max_hops:
            raise ValueError(f"hop {int(hops.max())} exceeds max_hops={self.max_hops}")
        tokens = h[nodes] + self.type_emb(node_type[nodes]) + self.hop_emb(hops).unsqueeze(0)
        out = self.encoder(tokens, src_key_padding_mask=~valid)
        return self.norm(out[:, 0])

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}({self.channels}, num_node_types={self.num_node_types}, "
                f"max_hops={self.max_hops}, heads={self.heads}, layers={self.layers})")
