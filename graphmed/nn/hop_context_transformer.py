"""A Transformer over a node's sampled multi-hop context (Trans4DD-style readout)."""
from __future__ import annotations

import torch
from torch import Tensor

from graphmed.checks import check_settings
from graphmed.nn._checks import check_dtype, check_heads, check_indices, check_mask


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
        check_heads("HopContextTransformer", "channels", channels, heads)
        check_settings("HopContextTransformer",
                       at_least={"num_node_types": (num_node_types, 1), "max_hops": (max_hops, 0),
                                 "layers": (layers, 1)}, fractions={"dropout": dropout})
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
        self._check(h, node_type, nodes, hops, valid)
        if nodes.size(0) == 0:
            return h.new_zeros(0, self.channels)
        tokens = h[nodes] + self.type_emb(node_type[nodes]) + self.hop_emb(hops).unsqueeze(0)
        out = self.encoder(tokens, src_key_padding_mask=~valid)
        return self.norm(out[:, 0])

    def _check(self, h: Tensor, node_type: Tensor, nodes: Tensor, hops: Tensor,
               valid: Tensor) -> None:
        if h.dim() != 2 or h.size(1) != self.channels:
            raise ValueError(f"h must have shape (N, {self.channels}), got {tuple(h.shape)}")
        check_dtype(h, self.norm.weight.dtype, "h")
        if node_type.shape != (h.size(0),):
            raise ValueError(f"node_type must have shape ({h.size(0)},), got {tuple(node_type.shape)}")
        check_indices(node_type, self.num_node_types, "node_type")
        if nodes.dim() != 2:
            raise ValueError(f"nodes must have shape (B, T), got {tuple(nodes.shape)}")
        check_indices(nodes, h.size(0), "nodes")
        if hops.shape != (nodes.size(1),):
            raise ValueError(f"hops must have shape ({nodes.size(1)},), got {tuple(hops.shape)}")
        if hops.numel() and int(hops.max()) > self.max_hops:
            raise ValueError(f"hop {int(hops.max())} exceeds max_hops={self.max_hops}")
        check_indices(hops, self.max_hops + 1, "hops")
        check_mask(valid, tuple(nodes.shape), "valid")
        if nodes.size(1) and not bool(valid[:, 0].all()):
            row = int((~valid[:, 0]).nonzero()[0])
            raise ValueError(f"valid[{row}, 0] is False: column 0 (the seed) must always be valid")

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}({self.channels}, num_node_types={self.num_node_types}, "
                f"max_hops={self.max_hops}, heads={self.heads}, layers={self.layers})")
