"""Drug candidates for a disease the data set does not hold, placed by its name alone.

A disease outside the data set has no known drug and no row in the shipped similarity
matrices; what it has is a name (or a short description). :func:`rank_for_new_disease`
adds it to the data set as a disease without associations, so that diseases can be compared
by the text embeddings of their names only (all-MiniLM-L6-v2), and fits a model that reads
them on every known pair: the default ``multimodal`` ensemble (its GNN fuses the name
embeddings and has a name-similarity view of diseases; Kronecker RLS uses that view) or
Kronecker RLS alone. Its choices are made on validation diseases held out whole, as the
disease is. ``benchmarks/modalities.py`` measures both under the new-disease protocol with
the data sets' disease similarities removed (:class:`~graphmed.models.DiseaseNamesOnly`;
rows ``..., disease names only``).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from graphmed.datasets.drug_disease import DrugDiseaseDataset
from graphmed.errors import DataFormatError, UnknownNameError
from graphmed.checks import check_settings
from graphmed.repurpose.candidates import check_top, ranked_table
from graphmed.seed import resolve_seed, seed_everything
from graphmed.splits.fold import TrainPart

#: Id of the added disease in the augmented data set.
NEW_DISEASE_ID = "new-disease"


def with_new_disease(dataset: DrugDiseaseDataset, name: str) -> DrugDiseaseDataset:
    """``dataset`` plus one last disease called ``name`` with no association. The shipped
    disease similarity views are dropped: none of them has a row for it."""
    if not isinstance(name, str) or not name.strip():
        raise DataFormatError("the new disease needs a name or a description (a non-empty text)")
    if NEW_DISEASE_ID in set(dataset.diseases["id"].astype(str)):
        raise DataFormatError(f"{dataset.name} already has a disease with id {NEW_DISEASE_ID!r}")
    diseases = pd.concat([dataset.diseases,
                          pd.DataFrame({"id": [NEW_DISEASE_ID], "name": [name.strip()]})],
                         ignore_index=True)
    associations = np.concatenate(
        [dataset.associations, np.zeros((dataset.n_drugs, 1), dtype=bool)], axis=1)
    return replace(dataset, associations=associations, diseases=diseases, disease_similarities={})


def disease_held_out_part(associations: np.ndarray, *, seed: int, val_fraction: float = 0.1,
                          exclude=()) -> TrainPart:
    """Every known pair for training except those of ``val_fraction`` of the diseases with
    associations, held out whole for validation (scored per disease). Diseases in
    ``exclude`` are in neither part."""
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    associations = np.asarray(associations, dtype=bool)
    used = np.setdiff1d(np.flatnonzero(associations.any(axis=0)), np.asarray(exclude, dtype=np.int64))
    if used.size < 2:
        raise DataFormatError(f"{used.size} disease(s) with known drugs; need at least 2")
    order = np.random.default_rng(seed).permutation(used)
    n_val = min(max(1, int(round(val_fraction * used.size))), used.size - 1)
    val = np.zeros(associations.shape[1], dtype=bool)
    val[order[:n_val]] = True
    train = np.zeros(associations.shape[1], dtype=bool)
    train[order[n_val:]] = True
    pool = ~associations & train[None, :]
    in_val = np.zeros_like(associations)
    in_val[:, val] = True
    return TrainPart(np.argwhere(associations & train[None, :]).astype(np.int64),
                     np.argwhere(pool).astype(np.int64),
                     np.argwhere(associations & in_val).astype(np.int64),
                     np.argwhere(~associations & in_val).astype(np.int64),
                     pool, per_disease_validation=True)


def fit_held_out_column(data: DrugDiseaseDataset, new: int, model, *, seed: int,
                        val_fraction: float = 0.1) -> np.ndarray:
    """``(n_drugs,)`` scores of disease ``new`` (without associations) by ``model`` fitted on
    every known pair, its choices made on validation diseases held out whole
    (:func:`disease_held_out_part`)."""
    part = disease_held_out_part(data.associations, seed=seed, val_fraction=val_fraction,
                                 exclude=[new])
    model.fit(replace(data, associations=part.train_matrix()), part, seed=seed)
    return np.asarray(model.score_matrix(), dtype=np.float64)[:, new]


def new_disease_model(name: str):
    """A fresh model of :data:`NEW_DISEASE_MODELS` (the cold-start models that read names)."""
    if name not in NEW_DISEASE_MODELS:
        raise UnknownNameError(f"unknown model {name!r} for a disease outside the data set; "
                               f"known: {', '.join(NEW_DISEASE_MODELS)}")
    return NEW_DISEASE_MODELS[name]()


def _multimodal():
    from graphmed.models import multimodal

    return multimodal()


def _kronrls_with_names():
    from graphmed.models.kronrls import KronRLS

    return KronRLS(text_views=("disease",))


#: Models for a disease outside the data set -> factories; both compare diseases by the text
#: of their names (Kronecker RLS through a text view, the ``multimodal`` ensemble also
#: through the text modality of its GNN).
NEW_DISEASE_MODELS = {"multimodal": _multimodal, "kronrls": _kronrls_with_names}


def rank_for_new_disease(dataset: DrugDiseaseDataset, name: str, *, model: str = "multimodal",
                         top: int | None = 20, seed: int | None = None,
                         val_fraction: float = 0.1, neighbours: int = 5,
                         text_encoder=None) -> pd.DataFrame:
    """The ``top`` drugs for a disease known only by ``name``, best first.

    Args:
        model: ``"multimodal"`` (the default model, about half a minute on a CPU) or
            ``"kronrls"`` (a second); see :data:`NEW_DISEASE_MODELS`.

    Returns:
        Columns ``rank``, ``id``, ``name``, ``score``. ``df.attrs`` holds the query, the
        model and its configuration after fitting, the seed and ``nearest``: the
        ``neighbours`` diseases of the data set whose names are closest to ``name`` (id,
        name, cosine similarity), which are what places it.
    """
    from graphmed.features.entity_modalities import text_similarity

    if dataset.disease_kind != "disease":
        raise DataFormatError(f"{dataset.name} holds {dataset.disease_kind}es, not diseases")
    check_top(top)
    check_settings(at_least={"neighbours": (neighbours, 0)})
    seed = resolve_seed(seed)
    data = with_new_disease(dataset, name)
    new = data.n_diseases - 1
    similarity = text_similarity(data, "disease", text_encoder=text_encoder)
    if np.isnan(similarity[new, :new]).all():
        raise DataFormatError(f"no disease of {dataset.name} has a name to compare "
                              f"{name!r} with")
    scorer = new_disease_model(model)
    seed_everything(seed)
    column = fit_held_out_column(data, new, scorer, seed=seed, val_fraction=val_fraction)
    table = ranked_table(column, dataset.drugs, "drug", top)
    closeness = np.nan_to_num(similarity[new, :new], nan=-1.0)
    nearest = np.argsort(-closeness, kind="stable")[:neighbours]
    table.attrs.update({
        "query": name, "seed": seed, "model": model, "config": scorer.config(),
        "nearest": [(str(dataset.diseases["id"].iloc[k]), str(dataset.diseases["name"].iloc[k]),
                     float(similarity[new, k])) for k in nearest if closeness[k] >= 0]})
    return table
