"""Forgiving names: normalisation, precedence of the match tiers, ambiguity and suggestions."""
from __future__ import annotations

import pandas as pd
import pytest

from graphmed.errors import AmbiguousNameError, UnknownNameError
from graphmed.repurpose import NameIndex, normalise_name


@pytest.fixture()
def diseases() -> NameIndex:
    table = pd.DataFrame({
        "id": ["D104300", "D605055", "D125853", "D125851", "D114480", "D266600", "D999"],
        "name": ["Alzheimer Disease; Ad", "Alzheimer Disease, Familial Early-Onset",
                 "Diabetes Mellitus, Noninsulin-Dependent; Niddm",
                 "Maturity-Onset Diabetes Of The Young, Type 2; Mody2", "Breast Cancer",
                 "Crohn's Disease", None]})
    return NameIndex.from_table(table, "disease")


def test_normalise_name():
    assert normalise_name("  Crohn's  Disease, (IBD)") == "crohn s disease ibd"
    assert normalise_name("Sjögren–Syndrome") == "sjogren syndrome"
    assert normalise_name("ALZHEIMER-disease") == "alzheimer disease"


@pytest.mark.parametrize("query, expected", [
    ("D104300", "D104300"), ("d104300", "D104300"),              # ids, any case
    ("alzheimer disease", "D104300"), ("ALZHEIMER-DISEASE!", "D104300"),  # whole name
    ("AD", "D104300"), ("niddm", "D125853"),                      # aliases after ';'
    ("breast", "D114480"), ("crohn", "D266600"),                  # prefix
    ("early-onset", "D605055"), ("young", "D125851"),             # from the start of a word
    ("cancer breast", "D114480"), ("type 2 diabetes", "D125851"),  # every word, any order
    ("crohns disease", None),                                     # not forgiven: no guessing
])
def test_find(diseases, query, expected):
    if expected is None:
        with pytest.raises(UnknownNameError):
            diseases.find(query)
    else:
        assert diseases.ids[diseases.find(query)] == expected


def test_exact_name_beats_longer_prefix_matches(diseases):
    # "Alzheimer Disease" is a whole alias of one disease and a prefix of another
    assert diseases.ids[diseases.find("Alzheimer Disease")] == "D104300"


def test_ambiguous_partial_name_lists_candidates(diseases):
    with pytest.raises(AmbiguousNameError) as info:
        diseases.find("alzheimer")
    message = str(info.value)
    assert "ambiguous" in message and "2 diseases" in message
    assert "Alzheimer Disease; Ad (D104300)" in message and "(D605055)" in message
    assert isinstance(info.value, UnknownNameError)  # the CLI's one-line error handles both


def test_ambiguous_list_is_capped():
    table = pd.DataFrame({"id": [f"X{i}" for i in range(20)],
                          "name": [f"Leukemia type {i}" for i in range(20)]})
    with pytest.raises(AmbiguousNameError, match="matches 20 diseases.*and 12 more"):
        NameIndex.from_table(table, "disease").find("leukemia")


def test_unknown_name_suggests_closest(diseases):
    with pytest.raises(UnknownNameError) as info:
        diseases.find("alzhiemer disease")
    message = str(info.value)
    assert message.startswith("unknown disease 'alzhiemer disease'; did you mean ")
    assert message.index("D104300") < message.index("D605055")  # closest first
    with pytest.raises(UnknownNameError, match="no disease has a similar name"):
        diseases.find("xyzzy")
    with pytest.raises(UnknownNameError, match="empty disease name"):
        diseases.find("   ")


def test_missing_name_falls_back_to_id(diseases):
    assert diseases.names[-1] == "D999" and diseases.label(6) == "D999"
    assert diseases.find("d999") == 6


def test_fdataset_names(fdataset):
    from graphmed.repurpose.candidates import name_index

    drugs = name_index(fdataset, "drug")
    assert drugs.names[drugs.find("METFORMIN")] == "Metformin"
    with pytest.raises(UnknownNameError, match="did you mean 'Metformin \\(DB00331\\)'"):
        drugs.find("metfromin")
    with pytest.raises(AmbiguousNameError, match="Valproic Acid \\(DB00313\\); Valproic acid \\(DB00510\\)"):
        drugs.find("valproic acid")  # two ids share the name: the ids tell them apart
