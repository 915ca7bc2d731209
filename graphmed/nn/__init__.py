"""Layers: message-passing stacks, over-smoothing remedies and link decoders.

>>> from graphmed.nn import GNNStack
>>> model = GNNStack(1433, 64, num_layers=64, out_channels=7, conv="gcnii")
"""
from graphmed.nn.decoders import BilinearDecoder, DistMultDecoder, InnerProductDecoder, MLPDecoder
from graphmed.nn.drop_edge import drop_edge
from graphmed.nn.gcn_gat_conv import GCNGATConv
from graphmed.nn.gnn_stack import CONVS, RESIDUALS, GNNStack
from graphmed.nn.hetero_gnn_stack import HETERO_CONVS, HeteroGNNStack
from graphmed.nn.hop_context import csr_from_edge_index, sample_hop_context
from graphmed.nn.hop_context_transformer import HopContextTransformer
from graphmed.nn.jumping_knowledge import JK_MODES, jumping_knowledge
from graphmed.nn.node_self_attention import NodeSelfAttention
from graphmed.nn.norm import NORMS, make_norm
from graphmed.nn.pair_norm import PairNorm

__all__ = [
    "BilinearDecoder", "CONVS", "DistMultDecoder", "GCNGATConv", "GNNStack", "HETERO_CONVS",
    "HeteroGNNStack", "HopContextTransformer", "InnerProductDecoder", "JK_MODES", "MLPDecoder",
    "NORMS", "NodeSelfAttention", "PairNorm", "RESIDUALS", "csr_from_edge_index", "drop_edge",
    "jumping_knowledge", "make_norm", "sample_hop_context",
]
