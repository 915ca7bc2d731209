"""Disease candidates for a compound the data set does not hold, placed by its structure.

A new compound has no known indication and no row in the shipped drug similarity
matrices; what it has is a structure. :func:`rank_for_new_drug` adds it as a drug without
associations, compares every drug by the Tanimoto similarity of Morgan fingerprints
(ECFP4, 2,048 bits) computed from SMILES, and fits Kronecker RLS on every known pair with
that drug kernel, the shipped disease views, a text view of the disease names and GIP
kernels of the labels. Roles are swapped (:func:`swap_roles`) so that the compound is held
out like a new disease: the regularisation is chosen on validation drugs held out whole.
``benchmarks/new_drug.py`` measures the same estimator with drugs held out whole.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from graphmed.datasets.drug_disease import DrugDiseaseDataset
from graphmed.errors import DataFormatError
from graphmed.checks import check_settings
from graphmed.repurpose.candidates import check_top, ranked_table
from graphmed.repurpose.new_disease import fit_held_out_column
from graphmed.seed import resolve_seed

#: Id of the added drug in the augmented data set.
NEW_DRUG_ID = "new-drug"


def _check_comparable(valid: np.ndarray, dataset: DrugDiseaseDataset) -> None:
    """Refuse a drug similarity where fewer than two drugs have valid SMILES (``valid``)."""
    if valid.sum() < 2:
        raise DataFormatError(f"no drug of {dataset.name} has a valid SMILES to compare with "
                              "another (give a drug_smiles column)")


def structure_similarity(dataset: DrugDiseaseDataset) -> np.ndarray:
    """``(n_drugs, n_drugs)`` Tanimoto similarity of the drugs' Morgan fingerprints (radius 2,
    2,048 bits); a drug without valid SMILES is like no other drug (0; 1 with itself).

    Raises:
        DataFormatError: fewer than two drugs have valid SMILES: nothing to compare.
    """
    from graphmed.features.molecules import morgan_fingerprints, tanimoto_similarity

    fingerprints = morgan_fingerprints(dataset.drugs["smiles"].tolist(),
                                       ids=dataset.drugs["id"].tolist(), on_invalid="mask",
                                       source=f"{dataset.name} drugs")
    _check_comparable(fingerprints.mask, dataset)
    similarity = tanimoto_similarity(fingerprints)
    np.fill_diagonal(similarity, 1.0)
    return similarity


def smiles_lm_similarity(dataset: DrugDiseaseDataset, model: str | Path) -> np.ndarray:
    """``(n_drugs, n_drugs)`` cosine similarity of the drugs' SMILES Transformer embeddings
    (mean-pooled states of the model in folder ``model``), centred on the mean embedding
    (mean-pooled states share one large direction: uncentred, two unrelated drugs score
    about .77) and clipped at 0; a drug without valid SMILES is like no other drug (0; 1
    with itself).

    Raises:
        DataFormatError: fewer than two drugs have valid SMILES: nothing to compare.
    """
    from graphmed.features.smiles_encoder import SmilesEncoder

    features = SmilesEncoder(model).encode(
        dataset.drugs["smiles"].tolist(), ids=dataset.drugs["id"].tolist(), on_invalid="mask")
    _check_comparable(features.mask, dataset)
    values = features.values.astype(np.float64)
    values = values - values[features.mask].mean(0)
    norms = np.linalg.norm(values, axis=1, keepdims=True)
    unit = np.divide(values, norms, out=np.zeros_like(values), where=norms > 0)
    unit[~features.mask] = 0.0
    similarity = np.clip(unit @ unit.T, 0.0, 1.0)
    np.fill_diagonal(similarity, 1.0)
    return similarity


def with_new_drug(dataset: DrugDiseaseDataset, smiles: str, name: str | None = None
                  ) -> DrugDiseaseDataset:
    """``dataset`` plus one last drug with ``smiles`` (checked with RDKit) and no association.
    The shipped drug similarity views are dropped: none of them has a row for it."""
    from graphmed.features.molecules import canonical_smiles

    if not isinstance(smiles, str) or not smiles.strip():
        raise DataFormatError("the new drug needs a SMILES string")
    try:
        canonical_smiles([smiles.strip()], on_invalid="raise", source="the new drug")
    except DataFormatError as error:  # one SMILES: its row and column say nothing
        raise DataFormatError(f"the new drug: {error.message}") from None
    if NEW_DRUG_ID in set(dataset.drugs["id"].astype(str)):
        raise DataFormatError(f"{dataset.name} already has a drug with id {NEW_DRUG_ID!r}")
    row = pd.DataFrame({"id": [NEW_DRUG_ID], "name": [(name or smiles).strip()],
                        "smiles": [smiles.strip()]})
    drugs = pd.concat([dataset.drugs, row.astype(dataset.drugs.dtypes.to_dict())],
                      ignore_index=True)
    associations = np.concatenate(
        [dataset.associations, np.zeros((1, dataset.n_diseases), dtype=bool)], axis=0)
    return replace(dataset, associations=associations, drugs=drugs, drug_similarities={})


def swap_roles(dataset: DrugDiseaseDataset) -> DrugDiseaseDataset:
    """The same associations with drugs in the role of diseases and diseases in that of drugs
    (associations transposed, tables and views exchanged), so that the new-disease protocol
    and estimators hold out drugs."""
    diseases = dataset.drugs[["id", "name"]].reset_index(drop=True)
    drugs = dataset.diseases[["id", "name"]].assign(smiles=pd.NA).reset_index(drop=True)
    return replace(dataset, name=f"{dataset.name} (drugs held out)",
                   associations=np.ascontiguousarray(dataset.associations.T), drugs=drugs,
                   diseases=diseases, drug_similarities=dict(dataset.disease_similarities),
                   disease_similarities=dict(dataset.drug_similarities),
                   disease_kind="disease")


def new_drug_views(dataset: DrugDiseaseDataset, *, text_encoder=None) -> DrugDiseaseDataset:
    """``dataset`` with drug views replaced by :func:`structure_similarity` (``"morgan"``)
    and a text view of the disease names added (the views :func:`rank_for_new_drug` uses)."""
    from graphmed.features.entity_modalities import with_text_similarity

    structure = structure_similarity(dataset)  # first: it refuses data sets without SMILES
    data = with_text_similarity(dataset, ("disease",), text_encoder=text_encoder)
    return replace(data, drug_similarities={"morgan": structure})


def rank_for_new_drug(dataset: DrugDiseaseDataset, smiles: str, *, name: str | None = None,
                      top: int | None = 20, seed: int | None = None, val_fraction: float = 0.1,
                      neighbours: int = 5, text_encoder=None) -> pd.DataFrame:
    """The ``top`` diseases for a compound known only by its ``smiles``, best first.

    Returns:
        Columns ``rank``, ``id``, ``name``, ``score``. ``df.attrs`` holds the query, the
        seed, the model's configuration after fitting (with the chosen regularisation) and
        ``nearest``: the ``neighbours`` drugs of the data set most similar in structure (id,
        name, Tanimoto similarity), which place it.
    """
    from graphmed.models.kronrls import KronRLS

    check_top(top)
    check_settings(at_least={"neighbours": (neighbours, 0)})
    seed = resolve_seed(seed)
    data = new_drug_views(with_new_drug(dataset, smiles, name), text_encoder=text_encoder)
    new = data.n_drugs - 1
    similarity = data.drug_similarities["morgan"][new, :new]
    model = KronRLS()
    row = fit_held_out_column(swap_roles(data), new, model, seed=seed, val_fraction=val_fraction)
    table = ranked_table(row, dataset.diseases, dataset.disease_kind, top)
    nearest = np.argsort(-similarity, kind="stable")[:neighbours]
    table.attrs.update({
        "query": data.drugs["name"].iloc[new], "smiles": smiles.strip(), "seed": seed,
        "model": "kronrls", "config": model.config(),
        "nearest": [(str(dataset.drugs["id"].iloc[k]), str(dataset.drugs["name"].iloc[k]),
                     float(similarity[k])) for k in nearest]})
    return table
