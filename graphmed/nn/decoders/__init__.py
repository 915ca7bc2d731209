"""Link decoders: ``forward(h_src, h_dst, pairs) -> (n,)`` logits and
``score_all(h_src, h_dst) -> (N_src, N_dst)``."""
from graphmed.nn.decoders.bilinear import BilinearDecoder
from graphmed.nn.decoders.distmult import DistMultDecoder
from graphmed.nn.decoders.inner_product import InnerProductDecoder
from graphmed.nn.decoders.mlp import MLPDecoder

__all__ = ["BilinearDecoder", "DistMultDecoder", "InnerProductDecoder", "MLPDecoder"]
