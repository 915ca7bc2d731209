"""Drug names from prescriptions: normalisation, and the join to drug–disease data sets.

Prescription tables spell one drug many ways (``"0.9% Sodium Chloride"``, ``"Sodium
Chloride 0.9%  Flush"``; ``"Amoxicillin 500 MG Oral Tablet"``). :func:`normalise_drug_name`
keeps the active ingredient(s): lower case, without strengths, dose forms, routes, package
sizes, brand names in brackets and application numbers. :func:`drug_match_key` also drops
salt and ester words (``"metoprolol tartrate"`` -> ``"metoprolol"``) unless nothing else
is left (``"potassium chloride"`` stays), to match names across sources.

Every function works on the distinct names only, so millions of rows cost little.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Sequence

import numpy as np
import pandas as pd

from graphmed.ehr.schema import EdgeTable, GraphSchema, NodeTable
from graphmed.errors import DataFormatError

_UNITS = (r"%|mg|mcg|µg|ug|g|gm|gram|grams|kg|ml|l|unt|unit|units|iu|meq|mmol|mol|hr|hrs|h|"
          r"day|days|actuat|cm2|cm|mm|dose|doses|tab|tabs|cap|caps|drop|drops|spray|sprays")
_STRENGTH = re.compile(
    rf"(?<![a-z0-9.])\d*[.,]?\d+\s*(?:(?:{_UNITS})(?![a-z]))?(?:\s*/\s*\d*[.,]?\d*\s*(?:{_UNITS})(?![a-z]))*")
_BRACKETS = re.compile(r"\[[^\]]*\]|\([^)]*\)|\{[^}]*\}")
_APPLICATION = re.compile(r"\b(?:nda|anda|bla)\d+\b")
_FORM_WORDS = frozenset("""
    tablet tablets tab tabs capsule capsules cap caps oral chewable disintegrating extended
    delayed release sustained controlled er xr sr dr cr xl ud injection injectable inj
    solution soln suspension susp syrup elixir emulsion cream ointment gel lotion patch
    transdermal system topical ophthalmic otic nasal rectal vaginal suppository inhaler
    inhalation metered dry powder nebulizer neb prefilled syringe auto-injector autoinjector
    pen cartridge vial bag flush premix premixed mini plus kit pack iv po im sc sq subq
    intravenous intramuscular subcutaneous sublingual buccal drip infusion bolus liquid
    concentrate replacement abuse-deterrent actuat dose doses
""".split())
_SALT_WORDS = frozenset("""
    hydrochloride hcl hydrobromide bromide chloride sodium potassium calcium magnesium
    sulfate sulphate bisulfate citrate tartrate bitartrate succinate maleate mesylate
    besylate fumarate acetate phosphate gluconate lactate malate nitrate oxalate tosylate
    hyclate dihydrate monohydrate trihydrate anhydrous disodium dipropionate propionate
    valerate decanoate butyrate carbonate bicarbonate stearate pamoate embonate salicylate
""".split())


def _unique_map(names: Sequence[str] | pd.Series, function) -> pd.Series:
    """Apply ``function`` (str -> str or None) to the distinct non-missing names only."""
    names = pd.Series(names)
    codes, unique = pd.factorize(names, use_na_sentinel=True)
    mapped = np.array([function(str(u)) for u in unique] + [None], dtype=object)
    return pd.Series(mapped[codes], index=names.index, dtype="string")


def _normalise_one(name: str) -> str | None:
    text = unicodedata.normalize("NFKC", name).casefold()
    plain = " ".join(_BRACKETS.sub(" ", text).split())
    text = _APPLICATION.sub(" ", plain)
    text = _STRENGTH.sub(" ", text)
    text = re.sub(r"[,;:+*&]", " ", text)
    words = [w.strip("-.'") for w in text.replace("/", " / ").split()]
    words = [w for w in words if w and w not in _FORM_WORDS]
    parts = [" ".join(p.split()) for p in " ".join(words).split("/")]
    result = " / ".join(p for p in parts if p)
    if result:
        return result
    return plain or " ".join(text.split()) or None


def normalise_drug_name(names: Sequence[str] | pd.Series) -> pd.Series:
    """Normalised drug names, aligned with ``names`` (missing stays missing).

    >>> normalise_drug_name(["Amoxicillin 500 MG Oral Tablet", "0.9% Sodium Chloride"]).tolist()
    ['amoxicillin', 'sodium chloride']
    """
    return _unique_map(names, _normalise_one)


def _key_one(name: str) -> str | None:
    normalised = _normalise_one(name)
    if normalised is None:
        return None
    parts = []
    for part in normalised.split(" / "):
        words = part.split()
        kept = [w for w in words if w not in _SALT_WORDS]
        parts.append(" ".join(kept) if kept else part)
    return " / ".join(sorted(set(parts)))


def drug_match_key(names: Sequence[str] | pd.Series) -> pd.Series:
    """Keys for matching drug names across sources: normalised, salts dropped, combination
    parts sorted (``"Acetaminophen 325 MG / Oxycodone Hydrochloride 5 MG"`` ->
    ``"acetaminophen / oxycodone"``)."""
    return _unique_map(names, _key_one)


def match_drugs(names: Sequence[str] | pd.Series, drugs: pd.DataFrame, *,
                id_column: str = "id", name_column: str = "name") -> pd.DataFrame:
    """Match drug names (e.g. of prescriptions) to a drug table by :func:`drug_match_key`.

    Args:
        names: ``n`` drug names.
        drugs: a table with an id and a name column, e.g. ``load_dataset("fdataset").drugs``.

    Returns:
        The matched names only: columns ``name`` (as given), ``key``, ``drug_id`` and
        ``drug_name``; a key shared by several drugs of ``drugs`` matches the first.
    """
    for column in (id_column, name_column):
        if column not in drugs.columns:
            raise DataFormatError(f"column {column!r} is missing; columns are {list(drugs.columns)}",
                                  source="drugs", column=column)
    names = pd.Series(names, dtype="string").dropna().drop_duplicates().reset_index(drop=True)
    left = pd.DataFrame({"name": names, "key": drug_match_key(names)}).dropna()
    right = pd.DataFrame({"key": drug_match_key(drugs[name_column].reset_index(drop=True)),
                          "drug_id": drugs[id_column].astype(str).to_numpy(),
                          "drug_name": drugs[name_column].astype(str).to_numpy()})
    right = right.dropna(subset=["key"]).drop_duplicates("key", keep="first")
    return left.merge(right, on="key", how="inner").reset_index(drop=True)


def join_drug_disease(schema: GraphSchema, dataset, *, drug_type: str = "drug",
                      disease_type: str | None = None, relation: str = "treats",
                      include_unmatched: bool = True) -> tuple[GraphSchema, pd.DataFrame]:
    """Join an EHR graph schema and a drug–disease data set through drug names.

    The data set's diseases become nodes of ``disease_type`` (the data set's
    ``disease_kind`` by default) and its known associations edges
    ``(drug_type, relation, disease_type)``. A data set drug whose name matches an EHR drug
    (:func:`match_drugs`) is that EHR drug node; the others are added as new drug nodes
    (id = the data set's id) when ``include_unmatched``, else their associations are left out.

    Args:
        schema: the EHR schema (e.g. ``load_mimic4().schema``); its ``drug_type`` node table
            gives the drug names (its name column, else its ids).
        dataset: a :class:`~graphmed.datasets.drug_disease.DrugDiseaseDataset`.

    Returns:
        The joined schema, and the matches (columns of :func:`match_drugs`, with ``name``
        and ``key`` from the EHR side and ``ehr_id``).
    """
    disease_type = disease_type or getattr(dataset, "disease_kind", "disease")
    ehr = schema.node(drug_type)
    if ehr.features or ehr.time:
        raise DataFormatError("join_drug_disease needs a drug node table without features or "
                              "times (new drugs would have none)", source=ehr.source)
    ehr_ids = ehr.table[ehr.id].reset_index(drop=True)
    ehr_names = (ehr.table[ehr.name] if ehr.name else ehr.table[ehr.id]).astype("string")
    ehr_names = ehr_names.reset_index(drop=True).fillna(ehr_ids.astype("string"))
    matches = match_drugs(ehr_names, dataset.drugs)
    first_id = pd.Series(ehr_ids.to_numpy(), index=ehr_names.to_numpy())
    first_id = first_id[~first_id.index.duplicated()]
    matches.insert(0, "ehr_id", first_id.reindex(matches["name"].to_numpy()).to_numpy())
    matches = matches.drop_duplicates("drug_id", keep="first").reset_index(drop=True)

    dataset_ids = dataset.drugs["id"].astype(str).to_numpy()
    node_of = pd.Series(matches["ehr_id"].to_numpy(), index=matches["drug_id"].to_numpy())
    unmatched = ~pd.Index(dataset_ids).isin(node_of.index)
    drug_table = pd.DataFrame({"id": ehr_ids.to_numpy(), "name": ehr_names.to_numpy()})
    if include_unmatched and unmatched.any():
        if not pd.api.types.is_string_dtype(ehr_ids.dtype):
            raise DataFormatError("drug ids must be strings to add the data set's unmatched drugs "
                                  "beside them; pass include_unmatched=False", source=ehr.source,
                                  column=ehr.id)
        extra = pd.DataFrame({"id": dataset_ids[unmatched],
                              "name": dataset.drugs["name"].astype(str).to_numpy()[unmatched]})
        drug_table = pd.concat([drug_table, extra], ignore_index=True)
        node_of = pd.concat([node_of, pd.Series(dataset_ids[unmatched], index=dataset_ids[unmatched])])
    drug_nodes = NodeTable(drug_type, drug_table, id="id", name="name", label=ehr.source)

    diseases = dataset.diseases
    disease_nodes = NodeTable(disease_type, diseases.assign(id=diseases["id"].astype(str)),
                              id="id", name="name" if "name" in diseases.columns else None,
                              label=f"{getattr(dataset, 'name', 'dataset')} {disease_type}s")
    drug_idx, disease_idx = np.nonzero(np.asarray(dataset.associations))
    pairs = pd.DataFrame({"drug": node_of.reindex(dataset_ids[drug_idx]).to_numpy(),
                          "disease": diseases["id"].astype(str).to_numpy()[disease_idx]}).dropna()
    edges = []
    if len(pairs):
        edges.append(EdgeTable((drug_type, relation, disease_type), pairs, source="drug",
                               target="disease", duplicates="count",
                               label=f"{getattr(dataset, 'name', 'dataset')} associations"))
    return schema.with_tables(nodes=[drug_nodes, disease_nodes], edges=edges), matches
