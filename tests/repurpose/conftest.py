"""Fixtures of the repositioning tests: a hand-made data set and Fdataset models."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graphmed.datasets import DrugDiseaseDataset


@pytest.fixture(scope="session")
def small() -> DrugDiseaseDataset:
    """5 drugs x 4 diseases, one drug view and one disease view, names with punctuation."""
    associations = pd.DataFrame({
        "drug_id": ["DB01", "DB01", "DB02", "DB03", "DB04", "DB05"],
        "disease_id": ["D1", "D2", "D2", "D3", "D3", "D4"]})
    drugs = pd.DataFrame({"id": ["DB01", "DB02", "DB03", "DB04", "DB05"],
                          "name": ["Aspirin", "Ibuprofen", "Metformin", "Metoprolol", None]})
    diseases = pd.DataFrame({"id": ["D1", "D2", "D3", "D4"],
                             "name": ["Alzheimer Disease; AD", "Crohn's Disease",
                                      "Diabetes Mellitus, Type 2", "Diabetes Insipidus"]})
    rng = np.random.default_rng(0)
    drug_sim = rng.uniform(0.1, 0.9, (5, 5))
    drug_sim = (drug_sim + drug_sim.T) / 2
    np.fill_diagonal(drug_sim, 1.0)
    disease_sim = rng.uniform(0.1, 0.9, (4, 4))
    disease_sim = (disease_sim + disease_sim.T) / 2
    np.fill_diagonal(disease_sim, 1.0)
    return DrugDiseaseDataset.from_tables("small", associations, drugs=drugs, diseases=diseases,
                                          drug_similarities={"chem": drug_sim},
                                          disease_similarities={"pheno": disease_sim})


@pytest.fixture(scope="session")
def kronrls_model(fdataset):
    from graphmed.repurpose import fit_for_repurposing

    return fit_for_repurposing(fdataset, "kronrls", seed=0)


@pytest.fixture(scope="session")
def scores_in_order():
    """``f(table, ids)``: the ``score`` column of a ranked table (``id``, ``score``) in the
    order of ``ids``."""
    def reorder(table: pd.DataFrame, ids) -> np.ndarray:
        return table.set_index("id")["score"].reindex(pd.Index(ids).astype(str)).to_numpy()
    return reorder
