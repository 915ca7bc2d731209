"""Diagnosis categories for units whose diagnoses are not known yet.

The evaluation protocol (:mod:`graphmed.tasks.diagnosis`) hides diagnoses it knows; in use,
a hospital has admissions that are not coded yet. :func:`prediction_task` builds the same
kind of :class:`~graphmed.tasks.diagnosis.DiagnosisTask` for them:

* the units to predict (``query``) are, by default, every unit without a diagnosis (in
  exports where some visits are never coded, such as Synthea's wellness encounters, name
  them instead);
* patients with a query unit are the task's test patients: as in the evaluation protocol,
  the graph shows no diagnosis of any of their units (coded earlier admissions included),
  which is the situation every model was validated in;
* the other patients with diagnoses are split (seeded) into training and validation
  patients; the validation patients' diagnoses are hidden too and every choice a model
  makes (epoch, regularisation) reads them only.

:func:`predict_diagnoses` fits a diagnosis model on such a task and returns a table of the
query units' category probabilities with ids and names.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from graphmed.checks import check_settings
from graphmed.errors import DataFormatError
from graphmed.evaluation.multilabel import choose_thresholds, macro_auroc
from graphmed.graph.medgraph import MedGraph
from graphmed.seed import resolve_seed
from graphmed.tasks.diagnosis import (CATEGORY, DEFAULT_MIN_COUNT, PATIENT, DiagnosisTask,
                                      PatientFold, build_diagnosis_task, target_units,
                                      unit_patients, unit_type)


def undiagnosed_units(graph: MedGraph) -> np.ndarray:
    """``(n,)`` sorted indices of the units without any diagnosis (the default query units)."""
    unit = unit_type(graph)
    return np.setdiff1d(np.arange(graph.num_nodes(unit)), target_units(graph, unit))


def prediction_task(graph: MedGraph, query_units=None, *, val_fraction: float = 0.2,
                    seed: int = 0, min_count: int = DEFAULT_MIN_COUNT) -> DiagnosisTask:
    """A :class:`DiagnosisTask` whose :attr:`~DiagnosisTask.test_units` are ``query_units``.

    Args:
        graph: an EHR graph (:mod:`graphmed.ehr`).
        query_units: ids of the units to predict, as in ``graph.nodes[unit]["id"]``
            (integers are read as ids too: ``20626031`` is admission "20626031", as
            :meth:`MedGraph.index_of` reads it); ``None``: :func:`undiagnosed_units`. A query unit that has
            diagnoses in ``graph`` is treated as if it had none.
        val_fraction: share of the other diagnosed patients kept for validation.
        seed: seed of the training / validation split.
        min_count: a category is predicted when at least this many training units have it
            and this many do not.

    Raises:
        DataFormatError: (a ``ValueError``) no query unit, or fewer than two patients with
            diagnoses outside the query patients.
        UnknownNameError: a query id that is not a unit of ``graph``.
    """
    if not (isinstance(val_fraction, (int, float)) and 0.0 < val_fraction < 1.0):
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction!r}")
    unit = unit_type(graph)
    query = query_unit_indices(graph, query_units)
    patient_of = unit_patients(graph, unit)
    n_patients = graph.num_nodes(PATIENT)
    query_patients = np.unique(patient_of[query])
    labelled = np.setdiff1d(np.unique(patient_of[target_units(graph, unit)]), query_patients)
    if labelled.size < 2:
        hint = (f"; {query_patients.size} of {n_patients} patients have {unit}s without "
                f"diagnoses (visits that are never coded?): name the {unit}s to predict"
                if query_units is None else "")
        raise DataFormatError(f"{labelled.size} patient(s) with diagnoses besides those of the "
                              f"query {unit}s; need at least 2 to fit and validate a model{hint}")
    order = np.random.default_rng([int(seed), 11]).permutation(labelled)
    n_val = min(max(1, int(round(val_fraction * order.size))), order.size - 1)
    val = order[:n_val]
    train = np.setdiff1d(np.arange(n_patients), np.concatenate([val, query_patients]))
    fold = PatientFold(0, int(seed), train, val, query_patients)
    return build_diagnosis_task(graph, fold, min_count=min_count, test_units=query)


def query_unit_indices(graph: MedGraph, query_units=None) -> np.ndarray:
    """``(n,)`` sorted unique indices of the units to predict: ``query_units`` (ids as in
    ``graph.nodes[unit]["id"]``; integers are ids too) or, for ``None``, the units without
    any diagnosis. Cheap, so callers can check a query before slow work on the graph.

    Raises:
        DataFormatError: no query unit.
        UnknownNameError: an id that is not a unit of ``graph``.
    """
    unit = unit_type(graph)
    if query_units is None:
        query = undiagnosed_units(graph)
        if query.size == 0:
            examples = " ".join(graph.nodes[unit]["id"].iloc[:2])
            raise DataFormatError(f"every {unit} of {graph.name!r} has a diagnosis, so none is "
                                  f"left to predict; name the {unit}s to predict (their own "
                                  f"diagnoses are then hidden), e.g. query_units=[...] or, from "
                                  f"the command line, --units {examples}")
        return query
    items = list(np.atleast_1d(np.asarray(query_units, dtype=object)))
    if not items:
        raise DataFormatError(f"no {unit} to predict (query_units is empty)")
    return np.unique(graph.indices_of(unit, [str(i) for i in items]))


@dataclass
class DiagnosisPredictions:
    """What :func:`predict_diagnoses` returns.

    Attributes:
        table: one row per (query unit, category), sorted by unit then rank
            (:func:`prediction_table`); ``predicted`` uses per-category thresholds with the
            best F1 on the validation patients.
        task: the task the model was fitted on.
        model: the fitted model.
        seed: the seed of the split and the model.
        validation_macro_auroc: the fitted model's macro AUROC on the validation patients
            (which chose its epoch and regularisation, so optimistic); NaN when no category
            has a positive and a negative validation unit.
    """

    table: pd.DataFrame
    task: DiagnosisTask
    model: object
    seed: int
    validation_macro_auroc: float


#: Drugs named per (unit, category) in ``indicated_by``.
EVIDENCE_DRUGS = 3
#: A drug is named for a category when at least this much of its known indications falls
#: in it (1 = one indication whose nearest codes are all in the category): a disease that
#: lands mostly elsewhere ("COPD": .8 respiratory, .2 circulatory) is not evidence there.
EVIDENCE_MIN_SHARE = 0.5
DRUG = "drug"


def _indicated_by(graph: MedGraph, task: DiagnosisTask, units: np.ndarray,
                  order: np.ndarray) -> list[str] | None:
    """For each (unit, category) of ``order (len(units), keep)``, row by row: the names of
    the unit's drugs with known indications in the category (a share of at least
    :data:`EVIDENCE_MIN_SHARE`), largest share first, joined by ``"; "``; ``None`` when the
    graph's drugs carry no indications."""
    from graphmed.ehr.indications import INDICATION_ATTR

    if DRUG not in task.data.node_types or task.data[DRUG].get(INDICATION_ATTR) is None:
        return None
    per_drug = sparse.csr_matrix(task.data[DRUG][INDICATION_ATTR].numpy()[:, task.category_index])
    bag = task.bag_of_codes((DRUG,), demographics=False, sparse=True)[units].tocsr()
    names = graph.nodes[DRUG]["name"].astype(str).to_numpy().astype(object)
    n, keep = order.shape
    # every (unit, drug, category, share) with a share > 0: the unit's drugs (in the order of
    # its row) against the non-zeros of each drug's row of indications
    pair_unit = np.repeat(np.arange(n), np.diff(bag.indptr))
    pair_drug = bag.indices
    counts = np.diff(per_drug.indptr)[pair_drug]
    entry = (np.repeat(per_drug.indptr[pair_drug] - np.cumsum(counts) + counts, counts)
             + np.arange(counts.sum()))
    unit, drug = np.repeat(pair_unit, counts), np.repeat(pair_drug, counts)
    pair = np.repeat(np.arange(pair_drug.size), counts)  # the drug's place in its unit's row
    share = per_drug.data[entry]
    # the slot of each category in its unit's row of ``order`` (-1: not kept)
    slot = np.full((n, per_drug.shape[1]), -1, dtype=np.int64)
    slot[np.arange(n)[:, None], order] = np.arange(keep)
    position = slot[unit, per_drug.indices[entry]]
    chosen = (position >= 0) & (share >= EVIDENCE_MIN_SHARE)
    cell = (unit * keep + position)[chosen]
    drug, share, pair = drug[chosen], share[chosen], pair[chosen]
    # per (unit, slot): the drugs by share, largest first, ties in the unit's row order
    by = np.lexsort((pair, -share, cell))
    cell, drug = cell[by], drug[by]
    start = np.r_[True, cell[1:] != cell[:-1]]
    rank = np.arange(cell.size) - np.maximum.accumulate(np.where(start, np.arange(cell.size), 0))
    out = np.full(n * keep, "", dtype=object)
    for k in range(EVIDENCE_DRUGS):
        at = rank == k
        out[cell[at]] = out[cell[at]] + ("; " if k else "") + names[drug[at]]
    return out.tolist()


def prediction_table(graph: MedGraph, task: DiagnosisTask, units: np.ndarray,
                     probabilities: np.ndarray, top: int | None = None,
                     thresholds: np.ndarray | None = None) -> pd.DataFrame:
    """Long table of ``probabilities (len(units), task.num_categories)``: one row per (unit,
    category) with ``unit_id``, ``patient_id``, ``category``, ``category_name``,
    ``probability``, ``rank`` (1 = the unit's most probable category) and ``prevalence``
    (the category's share of training units); with ``thresholds`` ``(c,)`` also
    ``threshold`` and ``predicted`` (``probability >= threshold``). ``top`` keeps the
    ``top`` most probable categories of each unit (all when ``None``). Where the graph's
    drugs carry known indications (:func:`graphmed.ehr.add_indication_categories`),
    ``indicated_by`` names the unit's drugs whose indications fall in the category (most
    first, at most :data:`EVIDENCE_DRUGS`; empty when none do): the evidence a reader can
    check."""
    units = np.asarray(units, dtype=np.int64)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.shape != (units.size, task.num_categories):
        raise ValueError(f"probabilities must be ({units.size}, {task.num_categories}), got "
                         f"{probabilities.shape}")
    order = np.argsort(-probabilities, axis=1, kind="stable")
    if top is not None:
        check_settings(at_least={"top": (top, 1)})
    keep = order.shape[1] if top is None else min(int(top), order.shape[1])
    order = order[:, :keep]
    unit_ids = graph.nodes[task.unit]["id"].to_numpy()
    patient_ids = graph.nodes[PATIENT]["id"].to_numpy()
    categories = np.asarray(task.categories, dtype=object)
    names = graph.nodes[CATEGORY].set_index("id")["name"]
    rows = np.repeat(np.arange(units.size), keep)
    cols = order.reshape(-1)
    table = pd.DataFrame({
        "unit_id": unit_ids[units][rows],
        "patient_id": patient_ids[task.unit_patient[units]][rows],
        "category": categories[cols],
        "category_name": names.reindex(categories[cols]).to_numpy(),
        "probability": probabilities[rows, cols],
        "rank": np.tile(np.arange(1, keep + 1), units.size),
        "prevalence": task.train_labels.mean(axis=0)[cols],
    })
    evidence = _indicated_by(graph, task, units, order)
    if evidence is not None:
        table["indicated_by"] = evidence
    if thresholds is not None:
        thresholds = np.asarray(thresholds, dtype=np.float64).reshape(-1)
        if thresholds.size != task.num_categories:
            raise ValueError(f"thresholds must have {task.num_categories} values, got "
                             f"{thresholds.size}")
        table["threshold"] = thresholds[cols]
        table["predicted"] = table["probability"] >= table["threshold"]
    return table


def predict_diagnoses(graph: MedGraph, model="trans4dd", query_units=None, *,
                      seed: int | None = None, val_fraction: float = 0.2,
                      top: int | None = None) -> DiagnosisPredictions:
    """Fit ``model`` on :func:`prediction_task` and score the query units.

    Args:
        graph: an EHR graph; give it text features (:func:`graphmed.ehr.add_text_features`)
            and, where its categories are ICD chapters, the drugs' known indications
            (:func:`graphmed.ehr.add_indication_categories`) for the models that read them,
            as the diagnosis benchmark does.
        model: a diagnosis model name (:data:`graphmed.models.diagnosis.DIAGNOSIS_MODELS`)
            or an unfitted model.
        query_units, val_fraction: as in :func:`prediction_task`.
        seed: seed of the split and the model; drawn and logged when ``None``.
        top: categories kept per unit in the table (all when ``None``).
    """
    # graphmed.models.diagnosis imports graphmed.tasks: imported here, not at the top
    from graphmed.models.diagnosis import make_diagnosis_model

    model = make_diagnosis_model(model) if isinstance(model, str) else model  # a bad name first
    seed = resolve_seed(seed)
    task = prediction_task(graph, query_units, val_fraction=val_fraction, seed=seed)
    fitted = model.fit(task, seed=seed)
    scores = fitted.predict(task, task.test_units)
    val_scores = fitted.predict(task, task.val_units)
    validation = macro_auroc(task.val_labels, val_scores)
    thresholds = choose_thresholds(task.val_labels, val_scores, "class")
    table = prediction_table(graph, task, task.test_units, scores, top, thresholds)
    return DiagnosisPredictions(table, task, fitted, seed,
                                float(validation) if math.isfinite(validation) else math.nan)
