"""ICD-9-CM and ICD-10 diagnosis codes -> chapters -> one shared set of diagnosis categories.

The categories are the 22 chapters of ICD-10 (WHO, ICD-10 Version 2019,
https://icd.who.int/browse10/2019/en). ICD-10-CM codes (the US clinical modification
used by MIMIC-IV) fall in the same chapters; where ICD-10-CM extends a chapter's range
(neoplasms to D49, digestive to K95, pregnancy to O9A, injury to T88, external causes
V00-Y99) the ranges below cover both. ICD-9-CM diagnosis chapters (17 chapters plus the
supplementary E and V classifications; CDC/NCHS, ICD-9-CM Tabular List of Diseases) map
to the ICD-10 chapter of the same subject; chapter 6 (nervous system and sense organs) is
split by its sections into ICD-10 chapters VI, VII and VIII, and 279 (disorders of the
immune mechanism) goes to chapter III as in ICD-10 (D80-D89).

Codes are written without the dot, as in MIMIC (``"4139"``, ``"V707"``, ``"I10"``).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

# (chapter, first three-character code, last three-character code, title): WHO ICD-10 2019,
# with the ICD-10-CM range extensions noted in the module docstring.
ICD10_CHAPTERS: tuple[tuple[str, str, str, str], ...] = (
    ("I", "A00", "B99", "Certain infectious and parasitic diseases"),
    ("II", "C00", "D49", "Neoplasms"),
    ("III", "D50", "D89", "Diseases of the blood and blood-forming organs and certain disorders "
                          "involving the immune mechanism"),
    ("IV", "E00", "E90", "Endocrine, nutritional and metabolic diseases"),
    ("V", "F00", "F99", "Mental and behavioural disorders"),
    ("VI", "G00", "G99", "Diseases of the nervous system"),
    ("VII", "H00", "H59", "Diseases of the eye and adnexa"),
    ("VIII", "H60", "H95", "Diseases of the ear and mastoid process"),
    ("IX", "I00", "I99", "Diseases of the circulatory system"),
    ("X", "J00", "J99", "Diseases of the respiratory system"),
    ("XI", "K00", "K95", "Diseases of the digestive system"),
    ("XII", "L00", "L99", "Diseases of the skin and subcutaneous tissue"),
    ("XIII", "M00", "M99", "Diseases of the musculoskeletal system and connective tissue"),
    ("XIV", "N00", "N99", "Diseases of the genitourinary system"),
    ("XV", "O00", "O9A", "Pregnancy, childbirth and the puerperium"),
    ("XVI", "P00", "P96", "Certain conditions originating in the perinatal period"),
    ("XVII", "Q00", "Q99", "Congenital malformations, deformations and chromosomal abnormalities"),
    ("XVIII", "R00", "R99", "Symptoms, signs and abnormal clinical and laboratory findings, "
                            "not elsewhere classified"),
    ("XIX", "S00", "T98", "Injury, poisoning and certain other consequences of external causes"),
    ("XX", "V00", "Y99", "External causes of morbidity and mortality"),
    ("XXI", "Z00", "Z99", "Factors influencing health status and contact with health services"),
    ("XXII", "U00", "U85", "Codes for special purposes"),
)

# (first, last, ICD-9-CM chapter, title, ICD-10 chapter). Numeric rows use the three-digit
# category; "E" and "V" are the supplementary classifications (E000-E999, V01-V91).
ICD9_CHAPTERS: tuple[tuple[int | str, int | str, str, str, str], ...] = (
    (1, 139, "1", "Infectious and parasitic diseases", "I"),
    (140, 239, "2", "Neoplasms", "II"),
    (240, 278, "3", "Endocrine, nutritional and metabolic diseases, and immunity disorders", "IV"),
    (279, 279, "3", "Endocrine, nutritional and metabolic diseases, and immunity disorders", "III"),
    (280, 289, "4", "Diseases of the blood and blood-forming organs", "III"),
    (290, 319, "5", "Mental disorders", "V"),
    (320, 359, "6", "Diseases of the nervous system and sense organs", "VI"),
    (360, 379, "6", "Diseases of the nervous system and sense organs", "VII"),
    (380, 389, "6", "Diseases of the nervous system and sense organs", "VIII"),
    (390, 459, "7", "Diseases of the circulatory system", "IX"),
    (460, 519, "8", "Diseases of the respiratory system", "X"),
    (520, 579, "9", "Diseases of the digestive system", "XI"),
    (580, 629, "10", "Diseases of the genitourinary system", "XIV"),
    (630, 679, "11", "Complications of pregnancy, childbirth, and the puerperium", "XV"),
    (680, 709, "12", "Diseases of the skin and subcutaneous tissue", "XII"),
    (710, 739, "13", "Diseases of the musculoskeletal system and connective tissue", "XIII"),
    (740, 759, "14", "Congenital anomalies", "XVII"),
    (760, 779, "15", "Certain conditions originating in the perinatal period", "XVI"),
    (780, 799, "16", "Symptoms, signs, and ill-defined conditions", "XVIII"),
    (800, 999, "17", "Injury and poisoning", "XIX"),
    ("E", "E", "E", "Supplementary classification of external causes of injury and poisoning", "XX"),
    ("V", "V", "V", "Supplementary classification of factors influencing health status and "
                    "contact with health services", "XXI"),
)

CATEGORY_COLUMNS = ["chapter", "chapter_title", "category", "category_title"]


def diagnosis_categories() -> pd.DataFrame:
    """The 22 diagnosis categories (ICD-10 chapters): columns ``id`` (``"IX"``) and ``name``."""
    return pd.DataFrame({"id": [c[0] for c in ICD10_CHAPTERS],
                         "name": [c[3] for c in ICD10_CHAPTERS]})


def normalise_icd_code(codes: Sequence[str] | pd.Series) -> pd.Series:
    """Upper case, without dots or spaces: ``" 413.9"`` -> ``"4139"`` (missing stays missing).

    Read codes as strings: a code read as a number has lost its leading zeros.
    """
    codes = pd.Series(codes)
    unique, inverse = _factorize(codes)
    cleaned = (pd.Series(unique, dtype=object).astype("string").str.upper()
               .str.replace(r"[.\s]", "", regex=True).to_numpy(dtype=object))
    values = np.full(len(codes), None, dtype=object)
    found = inverse >= 0
    values[found] = cleaned[inverse[found]]
    return pd.Series(values, index=codes.index, dtype="string")


def icd_chapters(codes: Sequence[str] | pd.Series, versions: int | Sequence[int] | pd.Series
                 ) -> pd.DataFrame:
    """Chapter and shared category of each diagnosis code.

    Args:
        codes: ``n`` ICD-9-CM or ICD-10(-CM) diagnosis codes (dots optional).
        versions: 9 or 10, one for all codes or one per code.

    Returns:
        ``n`` rows aligned with ``codes``: ``chapter`` (``"ICD9:7"``, ``"ICD10:IX"``),
        ``chapter_title``, ``category`` (the ICD-10 chapter, ``"IX"``) and
        ``category_title``; missing where a code is in no chapter.
    """
    codes = normalise_icd_code(pd.Series(codes).reset_index(drop=True))
    versions = pd.Series(np.broadcast_to(np.asarray(versions), (len(codes),)))
    versions = pd.to_numeric(versions, errors="coerce")
    out = pd.DataFrame(index=codes.index, columns=CATEGORY_COLUMNS, dtype=object)
    for version, lookup in ((9, _icd9_unique), (10, _icd10_unique)):
        rows = (versions == version).to_numpy() & codes.notna().to_numpy()
        if rows.any():
            unique, inverse = _factorize(codes[rows])
            out.loc[rows, CATEGORY_COLUMNS] = lookup(unique).to_numpy()[inverse]
    return out


def _factorize(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    inverse, unique = pd.factorize(pd.Series(values), use_na_sentinel=True)
    return np.asarray(unique, dtype=object), inverse


def _category_titles() -> dict[str, str]:
    return {c[0]: c[3] for c in ICD10_CHAPTERS}


def _icd10_unique(codes: np.ndarray) -> pd.DataFrame:
    table = pd.DataFrame(ICD10_CHAPTERS, columns=["category", "first", "last", "category_title"])
    table = table.sort_values("first").reset_index(drop=True)
    head = pd.Series(codes, dtype="string").str[:3]
    valid = head.str.fullmatch(r"[A-Z][0-9][0-9A-Z]").fillna(False).to_numpy(dtype=bool)
    starts = table["first"].to_numpy(dtype=str)
    heads = head.fillna("").to_numpy(dtype=str)
    pos = np.searchsorted(starts, heads, side="right") - 1
    ok = valid & (pos >= 0)
    ok[ok] = heads[ok] <= table["last"].to_numpy(dtype=str)[pos[ok]]
    out = pd.DataFrame(index=range(len(codes)), columns=CATEGORY_COLUMNS, dtype=object)
    chapter = table["category"].to_numpy(dtype=object)[pos[ok]]
    out.loc[ok, "chapter"] = ["ICD10:" + c for c in chapter]
    out.loc[ok, "chapter_title"] = table["category_title"].to_numpy(dtype=object)[pos[ok]]
    out.loc[ok, "category"] = chapter
    out.loc[ok, "category_title"] = out.loc[ok, "chapter_title"]
    return out


def _icd9_unique(codes: np.ndarray) -> pd.DataFrame:
    numeric = [row for row in ICD9_CHAPTERS if isinstance(row[0], int)]
    letters = {row[0]: row for row in ICD9_CHAPTERS if isinstance(row[0], str)}
    codes_s = pd.Series(codes, dtype="string")
    first = codes_s.str[:1].fillna("").to_numpy(dtype=str)
    digits = codes_s.str[:3].str.fullmatch(r"[0-9]{3}").fillna(False).to_numpy(dtype=bool)
    number = pd.to_numeric(codes_s.str[:3].where(digits), errors="coerce").to_numpy(dtype=float)
    starts = np.array([row[0] for row in numeric], dtype=float)
    ends = np.array([row[1] for row in numeric], dtype=float)
    pos = np.searchsorted(starts, np.nan_to_num(number, nan=-1.0), side="right") - 1
    ok = digits & (pos >= 0)
    ok[ok] = number[ok] <= ends[pos[ok]]
    rows = np.full(len(codes), -1)
    rows[ok] = pos[ok]
    table = list(numeric)
    for letter, row in letters.items():
        table.append(row)
        rows[(first == letter) & (codes_s.str.len().fillna(0).to_numpy() >= 2)] = len(table) - 1
    titles = _category_titles()
    out = pd.DataFrame(index=range(len(codes)), columns=CATEGORY_COLUMNS, dtype=object)
    found = rows >= 0
    picked = [table[r] for r in rows[found]]
    out.loc[found, "chapter"] = ["ICD9:" + r[2] for r in picked]
    out.loc[found, "chapter_title"] = [r[3] for r in picked]
    out.loc[found, "category"] = [r[4] for r in picked]
    out.loc[found, "category_title"] = [titles[r[4]] for r in picked]
    return out
