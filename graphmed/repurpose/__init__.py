"""Repositioning for people: ranked candidates, their explanations, a model fitted on all known pairs.

>>> from graphmed.datasets import load_dataset
>>> from graphmed.repurpose import explain_pair, fit_for_repurposing, rank_candidates
>>> data = load_dataset("fdataset")                                  # doctest: +SKIP
>>> model = fit_for_repurposing(data, "kronrls", seed=0)             # doctest: +SKIP
>>> rank_candidates(model, data, disease="alzheimer disease", top=10)  # doctest: +SKIP
>>> mark_known_in(rank_candidates(model, data, drug="levodopa"), load_dataset("cdataset"))  # doctest: +SKIP
>>> explain_pair(model, data, drug="galantamine", disease="alzheimer disease").plot()  # doctest: +SKIP
>>> rank_for_new_disease(data, "frontotemporal dementia", top=10)    # doctest: +SKIP
"""
from graphmed.repurpose.candidates import CANDIDATE_COLUMNS, mark_known_in, rank_candidates, resolve
from graphmed.repurpose.explain import (Explanation, PathExplainer, explain_candidates, explain_pair,
                                        explanations_frame)
from graphmed.repurpose.interactions import InteractionModel, fit_interactions, rank_interactions
from graphmed.repurpose.model import RepurposingModel, fit_for_repurposing, repurposing_part
from graphmed.repurpose.names import NameIndex, normalise_name
from graphmed.repurpose.new_disease import (disease_held_out_part, rank_for_new_disease,
                                            with_new_disease)
from graphmed.repurpose.new_drug import (rank_for_new_drug, smiles_lm_similarity, structure_similarity,
                                        swap_roles, with_new_drug)

__all__ = ["CANDIDATE_COLUMNS", "disease_held_out_part", "explain_candidates", "explain_pair",
           "Explanation", "explanations_frame", "fit_for_repurposing",
           "fit_interactions", "InteractionModel", "mark_known_in", "NameIndex",
           "normalise_name", "PathExplainer", "rank_candidates", "rank_for_new_disease",
           "rank_for_new_drug", "rank_interactions", "repurposing_part",
           "RepurposingModel", "resolve", "smiles_lm_similarity", "structure_similarity",
           "swap_roles", "with_new_disease",
           "with_new_drug"]
