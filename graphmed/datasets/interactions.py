"""Graphs of known drug–drug interactions: ogbl-ddi's DrugBank drugs, or a table of one's own.

>>> from graphmed.datasets.interactions import load_interactions
>>> ddi = load_interactions("ogbl-ddi")                          # doctest: +SKIP
>>> own = load_interactions("interactions.csv")   # columns drug_a, drug_b  # doctest: +SKIP
"""
from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from graphmed.datasets.files import DataFile, locate
from graphmed.datasets.readers import read_table
from graphmed.datasets.table import is_association_table, pair_table_line, read_pair_table
from graphmed.errors import DataFormatError, DataNotFoundError, UnknownNameError

logger = logging.getLogger(__name__)

#: Drug–disease data sets whose drug tables name DrugBank ids (read for ogbl-ddi's names).
NAME_SOURCES = ("fdataset", "cdataset", "bdataset", "deepdr")

#: Hetionet v1.0's node table, whose 1,552 compounds are DrugBank ids with names (Himmelstein
#: DS et al., Systematic integration of biomedical knowledge prioritizes drugs for
#: repurposing, eLife 6:e26726, 2017); read for names when present, never required.
HETIONET_NODES = DataFile(
    "hetionet/hetionet-v1.0-nodes.tsv.gz",
    "https://github.com/hetio/hetionet/raw/8a6cc0c5604d/hetnet/tsv/hetionet-v1.0-nodes.tsv",
    "3ad9eb86c031df8bc7d5efefa6edc93562182eb9a6a71e5129d3f18b9d42c50e", required=False)


@dataclass(frozen=True)
class InteractionGraph:
    """Known interactions between drugs, each an unordered pair.

    Attributes:
        name: ``"ogbl-ddi"`` or the table's file stem.
        drugs: one row per drug in node order; ``id`` and ``name`` (the id where no name
            is known).
        edges: ``(E, 2)`` int64 node pairs ``i < j``, each known interaction once.
        split: for a graph with an official split (ogbl-ddi), ``{"train", "valid_pos",
            "valid_neg"}`` as ``(n, 2)`` int64 arrays: the edges a model may be fitted on
            while choosing its setting, and the validation pairs it chooses on.
        sources: component -> file it was read from.
    """

    name: str
    drugs: pd.DataFrame
    edges: np.ndarray
    split: dict[str, np.ndarray] | None = None
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def n_drugs(self) -> int:
        return len(self.drugs)

    @property
    def n_interactions(self) -> int:
        return len(self.edges)

    @property
    def checksum(self) -> str:
        """SHA-256 over the drug ids and the known interactions (what a model was fitted on)."""
        digest = hashlib.sha256("\x1f".join(self.drugs["id"].astype(str)).encode())
        digest.update(np.ascontiguousarray(self.edges, dtype=np.int64).tobytes())
        return digest.hexdigest()

    def partners(self, index: int) -> np.ndarray:
        """``(n_drugs,)`` bool: the drugs known to interact with drug ``index``."""
        known = np.zeros(self.n_drugs, dtype=bool)
        known[self.edges[self.edges[:, 0] == index, 1]] = True
        known[self.edges[self.edges[:, 1] == index, 0]] = True
        return known


def unique_pairs(pairs: np.ndarray) -> np.ndarray:
    """``(n, 2)`` pairs as ``i < j``, self-pairs dropped, each pair once (sorted)."""
    pairs = np.sort(np.asarray(pairs, dtype=np.int64).reshape(-1, 2), axis=1)
    return np.unique(pairs[pairs[:, 0] != pairs[:, 1]], axis=0)


def drug_names(ids, root: str | os.PathLike | None = None) -> pd.Series:
    """Names of DrugBank ``ids`` from the drug tables of the data sets in
    :data:`NAME_SOURCES`, then Hetionet's compounds, as far as they are under the data root
    (nothing is downloaded); ``<NA>`` where none names the drug."""
    from graphmed.datasets import load_dataset

    ids = pd.Index(pd.Series(ids, dtype=str))
    names = pd.Series(pd.NA, index=ids, dtype="string")
    tables = []
    for source in NAME_SOURCES:
        try:
            tables.append(load_dataset(source, root, download=False).drugs)
        except DataNotFoundError:
            continue
    tables.append(_hetionet_compounds(root))
    for drugs in tables:
        if "name" not in drugs:
            continue
        known = drugs.assign(name=drugs["name"].astype("string"))
        known = known[known["name"].notna()]
        names = names.fillna(known.drop_duplicates("id").set_index("id")["name"].reindex(ids))
    return names.reset_index(drop=True)


def _hetionet_compounds(root) -> pd.DataFrame:
    """``id`` (DrugBank) and ``name`` of Hetionet's compounds; empty when the file is absent."""
    path = locate(HETIONET_NODES, root, download=False)
    if path is None:
        return pd.DataFrame({"id": [], "name": []})
    nodes = read_table(path, sep="\t", required=["id", "name", "kind"])
    compounds = nodes[nodes["kind"] == "Compound"]
    return pd.DataFrame({"id": compounds["id"].str.removeprefix("Compound::"),
                         "name": compounds["name"]})


def load_ogbl_ddi_interactions(root: str | os.PathLike | None = None, *, download: bool = True,
                               verify: bool = True) -> InteractionGraph:
    """ogbl-ddi as an interaction graph: every known interaction (train, valid and test
    positives), DrugBank ids from OGB's node mapping, names where a data set under the
    root has them, and the official split for choosing a model's setting."""
    from graphmed.datasets.ogbl_ddi import OGBL_DDI_FILES, load_ogbl_ddi

    ddi = load_ogbl_ddi(root, download=download, verify=verify)
    if ddi.node_ids is None:
        raise DataNotFoundError(f"ogbl-ddi's node mapping {OGBL_DDI_FILES['drug_ids'].path} is "
                                "needed to name its drugs; it is part of OGB's download "
                                f"({OGBL_DDI_FILES['drug_ids'].url})")
    splits = ddi.split_edge
    edges = unique_pairs(np.concatenate([splits[s]["edge"].numpy() for s in splits]))
    names = drug_names(ddi.node_ids, root)
    drugs = pd.DataFrame({"id": ddi.node_ids,
                          "name": names.fillna(pd.Series(ddi.node_ids, dtype="string"))})
    split = {"train": splits["train"]["edge"].numpy(), "valid_pos": splits["valid"]["edge"].numpy(),
             "valid_neg": splits["valid"]["edge_neg"].numpy()}
    logger.info("ogbl-ddi: %d drugs (%d named), %d known interactions", len(drugs),
                int(names.notna().sum()), len(edges))
    return InteractionGraph("ogbl-ddi", drugs, edges, split, dict(ddi.files))


def load_interaction_table(path: str | os.PathLike, *, drug_a: str = "drug_a",
                           drug_b: str = "drug_b", sep: str | None = None) -> InteractionGraph:
    """A table of known interactions, one row per pair of drug ids (``drug_a``, ``drug_b``;
    optional names in ``drug_a_name``, ``drug_b_name``); order and repeats do not matter.

    Raises:
        DataFormatError: naming file, line and column (missing id, a drug interacting with
            itself only, a drug given two names).
    """
    path = Path(path).expanduser()
    table = read_pair_table(path, (drug_a, drug_b), sep=sep)
    ids = pd.Index(pd.unique(pd.concat([table[drug_a], table[drug_b]], ignore_index=True))
                   ).sort_values()
    pairs = np.stack([ids.get_indexer(table[drug_a]), ids.get_indexer(table[drug_b])], axis=1)
    selfish = np.flatnonzero(pairs[:, 0] == pairs[:, 1])
    if len(selfish) == len(pairs):
        raise DataFormatError("every row pairs a drug with itself; no interaction to learn from",
                              source=path, row=int(selfish[0]), column=drug_b,
                              line=pair_table_line(path, int(selfish[0]), sep))
    named = []
    for id_col in (drug_a, drug_b):
        name_col = f"{id_col}_name"
        if name_col in table:
            part = pd.DataFrame({"id": table[id_col], "name": table[name_col].str.strip(),
                                 "column": name_col})
            named.append(part[part["name"].notna() & (part["name"] != "")])
    names = pd.Series(pd.NA, index=ids, dtype="string")
    if named:
        distinct = pd.concat(named).drop_duplicates(["id", "name"])
        clash = distinct["id"].duplicated().to_numpy()
        if clash.any():
            second = distinct[clash].iloc[0]
            row = int(distinct.index[clash][0])
            first = distinct.loc[distinct["id"] == second["id"], "name"].iloc[0]
            raise DataFormatError(f"drug {second['id']!r} has two names: {first!r} and "
                                  f"{second['name']!r}", source=path, row=row,
                                  column=second["column"], line=pair_table_line(path, row, sep))
        names = distinct.set_index("id")["name"].reindex(ids).astype("string")
    names = names.fillna(pd.Series(ids, index=ids, dtype="string"))  # no name: the id
    drugs = pd.DataFrame({"id": ids.astype(str), "name": names.to_numpy()})
    return InteractionGraph(path.name.split(".")[0], drugs, unique_pairs(pairs),
                            sources={"interactions": str(path)})


def load_interactions(name: str | os.PathLike, root: str | os.PathLike | None = None,
                      **kwargs) -> InteractionGraph:
    """``"ogbl-ddi"`` (under the data root) or a path to a table of pairs."""
    if str(name).strip().lower() in ("ogbl-ddi", "ogbl_ddi", "ddi"):
        return load_ogbl_ddi_interactions(root, **kwargs)
    if isinstance(name, (str, os.PathLike)) and is_association_table(name):
        return load_interaction_table(name, **kwargs)
    raise UnknownNameError(f"unknown interaction graph {str(name)!r}: give ogbl-ddi or a .csv / "
                           ".tsv / .parquet table of pairs (columns drug_a, drug_b)")
