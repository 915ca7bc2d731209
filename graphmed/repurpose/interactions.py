"""Drug–drug interaction candidates: the drugs a drug is most likely to interact with.

The spectral link model (:class:`~graphmed.models.spectral_link.SpectralLinkModel`) chooses
its setting ``(a, b, τ)`` on validation pairs (ogbl-ddi's official split; for a table of
one's own, a seeded tenth of its interactions against as many pairs of drugs not known to
interact), then decomposes the graph of every known interaction with that setting and
ranks each drug's partners by score. On ogbl-ddi the same procedure, fitted on the
training edges only, scores test Hits@20 .78 (``benchmarks/results/ogbl_ddi.md``).

>>> from graphmed.datasets.interactions import load_interactions
>>> from graphmed.repurpose.interactions import fit_interactions, rank_interactions
>>> graph = load_interactions("ogbl-ddi")                       # doctest: +SKIP
>>> model = fit_interactions(graph)                             # doctest: +SKIP
>>> rank_interactions(model, graph, "warfarin", top=10)         # doctest: +SKIP
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from graphmed.datasets.interactions import InteractionGraph, unique_pairs
from graphmed.errors import DataFormatError
from graphmed.evaluation.metrics import hits_at_k
from graphmed.models.checkpoint import load_checkpoint, save_checkpoint
from graphmed.models.spectral_link import SpectralLinkModel
from graphmed.repurpose.candidates import check_top, ranked_table
from graphmed.repurpose.names import NameIndex
from graphmed.seed import resolve_seed

logger = logging.getLogger(__name__)

#: Fewest known interactions a table needs for a validation part to choose a setting on.
MIN_INTERACTIONS = 20
#: The ``kind`` of :meth:`InteractionModel.save` checkpoints.
CHECKPOINT_KIND = "graphmed-interactions"


@dataclass
class InteractionModel:
    """A spectral link model fitted on every known interaction of a graph.

    Attributes:
        graph_name / n_interactions / graph_checksum: the graph it was fitted on.
        setting: ``(a, b, τ)`` chosen on validation pairs.
        validation_hits: Hits@``k`` of that setting on the validation pairs.
        seed: seed of the validation part carved from a table (``None`` for a graph with
            an official split).
        model: the fitted :class:`SpectralLinkModel`.
    """

    graph_name: str
    n_interactions: int
    setting: tuple[float, float, float]
    validation_hits: float
    seed: int | None
    model: SpectralLinkModel
    graph_checksum: str = ""

    def save(self, path: str | Path) -> Path:
        """Write the fitted factors and settings to one checkpoint (npz + JSON, no pickles)."""
        config = {"kind": CHECKPOINT_KIND, "graph": self.graph_name,
                  "graph_checksum": self.graph_checksum, "n_interactions": self.n_interactions,
                  "setting": list(self.setting), "validation_hits": self.validation_hits,
                  "seed": self.seed, "k": self.model.k}
        return save_checkpoint(path, self.model.factors(), config)

    @classmethod
    def load(cls, path: str | Path, graph: InteractionGraph | None = None) -> "InteractionModel":
        """Read a checkpoint written by :meth:`save`; with ``graph``, check it is the graph
        the model was fitted on.

        Raises:
            DataFormatError: no such file, not an interaction-model checkpoint, malformed
                content, or fitted on other interactions.
        """
        path = Path(path)
        if not path.is_file():
            raise DataFormatError("no such file", source=path)
        state, config = load_checkpoint(path)
        if not isinstance(config, dict) or config.get("kind") != CHECKPOINT_KIND:
            raise DataFormatError("not an interaction model; save one with `graphmed interactions "
                                  "--save` or InteractionModel.save", source=path)
        try:
            a, b, tau = (float(x) for x in config["setting"])
            spectral = SpectralLinkModel.from_factors(state["left"], state["right"],
                                                      state["scale"], normalization=a,
                                                      degree_exponent=b, tau=tau,
                                                      k=int(config["k"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise DataFormatError(f"malformed interaction model ({exc})", source=path) from None
        model = cls(str(config["graph"]), int(config["n_interactions"]), (a, b, tau),
                    float(config["validation_hits"]), config.get("seed"), spectral,
                    str(config["graph_checksum"]))
        if graph is not None:
            model.check_graph(graph, source=path)
        return model

    def check_graph(self, graph: InteractionGraph, *, source: str | Path | None = None) -> None:
        """Raise :class:`DataFormatError` unless ``graph`` is the one the model was fitted on."""
        if graph.checksum != self.graph_checksum:
            raise DataFormatError(
                f"this model was fitted on {self.graph_name!r} ({self.n_interactions:,} "
                f"interactions, checksum {self.graph_checksum[:12]}), not on the graph given, "
                f"{graph.name!r} ({graph.n_interactions:,}, checksum {graph.checksum[:12]})",
                source=source)

    def scores_for(self, index: int) -> np.ndarray:
        """``(n_drugs,)`` float64 scores of every drug as a partner of drug ``index``."""
        n = self.model.num_nodes
        pairs = torch.stack([torch.full((n,), int(index)), torch.arange(n)], dim=1)
        return self.model.score(pairs).numpy()


def validation_split(graph: InteractionGraph, *, seed: int, val_fraction: float = 0.1
                     ) -> dict[str, np.ndarray]:
    """``{"train", "valid_pos", "valid_neg"}``: ``val_fraction`` of the interactions held out
    (seeded) and as many pairs of distinct drugs not known to interact."""
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    if graph.n_interactions < MIN_INTERACTIONS:
        raise DataFormatError(f"{graph.name}: {graph.n_interactions} known interactions; at least "
                              f"{MIN_INTERACTIONS} are needed to hold some out for choosing the "
                              "model's setting")
    rng = np.random.default_rng(seed)
    order = rng.permutation(graph.n_interactions)
    n_val = max(1, int(round(val_fraction * graph.n_interactions)))
    n = graph.n_drugs
    free = n * (n - 1) // 2 - graph.n_interactions
    if free < n_val:
        raise DataFormatError(f"{graph.name}: almost every pair of drugs interacts; no pairs "
                              "left to compare held-out interactions with")
    known = graph.edges[:, 0] * n + graph.edges[:, 1]
    negatives = np.empty((0, 2), dtype=np.int64)
    while len(negatives) < n_val:  # rejection sampling, a few rounds at most
        draw = unique_pairs(rng.integers(0, n, size=(2 * n_val + 16, 2)))
        keys = draw[:, 0] * n + draw[:, 1]
        fresh = draw[~np.isin(keys, known)]
        negatives = unique_pairs(np.concatenate([negatives, fresh]))
    negatives = negatives[rng.permutation(len(negatives))[:n_val]]
    return {"train": graph.edges[order[n_val:]], "valid_pos": graph.edges[order[:n_val]],
            "valid_neg": negatives}


def fit_interactions(graph: InteractionGraph, *, seed: int | None = None,
                     val_fraction: float = 0.1,
                     selector: SpectralLinkModel | None = None,
                     progress: bool = False) -> InteractionModel:
    """Choose the spectral setting on validation pairs, then fit on every known interaction.

    Args:
        graph: the interactions; its official split is used when it has one.
        seed: seeds the validation part of a graph without an official split (``None``:
            drawn and logged).
        val_fraction: share of interactions held out for the choice (no official split).
        selector: the candidate settings (default: :class:`SpectralLinkModel`'s grid).
        progress: bars over the choice and the final fit.
    """
    selector = selector or SpectralLinkModel()
    if graph.split is not None:
        if seed is not None:
            logger.warning("%s has an official split, which chooses the setting: seed %s is "
                           "not used", graph.name, seed)
        split, seed = graph.split, None
    else:
        seed = resolve_seed(seed)
        split = validation_split(graph, seed=seed, val_fraction=val_fraction)
    selector.fit(split["train"], graph.n_drugs, split["valid_pos"], split["valid_neg"],
                 progress=progress)
    setting = (selector.normalization, selector.degree_exponent, selector.tau)
    hits = selector.selection.get(setting)
    if hits is None:  # a single candidate is not swept: score the validation pairs with it
        hits = hits_at_k(selector.score(split["valid_pos"]), selector.score(split["valid_neg"]),
                         selector.k)
    final = SpectralLinkModel(thresholds=(setting[2],), normalizations=(setting[0],),
                              degree_exponents=(setting[1],), k=selector.k,
                              max_rank=selector.max_rank, device=selector.device)
    final.fit(graph.edges, graph.n_drugs, progress=progress)
    logger.info("%s: spectral setting a=%g b=%g tau=%g chosen on validation (Hits@%d %.3f), "
                "fitted on %d interactions", graph.name, *setting, selector.k, hits,
                graph.n_interactions)
    return InteractionModel(graph.name, graph.n_interactions, setting, float(hits), seed, final,
                            graph.checksum)


def rank_interactions(model: InteractionModel, graph: InteractionGraph, drug: str | int, *,
                      top: int | None = 20, exclude_known: bool = True) -> pd.DataFrame:
    """The ``top`` drugs most likely to interact with ``drug`` (id or forgiving name).

    Returns:
        Columns ``rank`` (1 = best), ``id``, ``name``, ``score``, ``known`` (a known
        interaction). ``df.attrs`` holds the query (``index``, ``id``, ``name``), the graph's
        name and the model's setting.
    """
    model.check_graph(graph)
    check_top(top)
    names = NameIndex.from_table(graph.drugs, "drug")
    index = int(drug) if isinstance(drug, (int, np.integer)) and not isinstance(drug, bool) \
        else names.find(drug)
    if not 0 <= index < graph.n_drugs:
        raise IndexError(f"drug index {index} out of range [0, {graph.n_drugs})")
    known = graph.partners(index)
    listed = ~known if exclude_known else np.ones_like(known)
    listed[index] = False  # not a partner of itself
    table = ranked_table(model.scores_for(index), graph.drugs, "drug", top,
                         rows=np.flatnonzero(listed), flags={"known": known})
    table.attrs.update({"index": index, "id": names.ids[index], "name": names.names[index],
                        "graph": graph.name, "setting": model.setting,
                        "exclude_known": bool(exclude_known)})
    return table
