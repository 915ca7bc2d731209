import pandas as pd

from graphmed.ehr import ICD9_CHAPTERS, ICD10_CHAPTERS, diagnosis_categories, icd_chapters
from graphmed.ehr.icd import normalise_icd_code


def test_icd9_chapters_and_shared_categories():
    codes = ["4139", "V707", "E8798", "0090", "27900", "2724", "3659", "3899", "99591"]
    out = icd_chapters(codes, 9)
    assert out["chapter"].tolist() == ["ICD9:7", "ICD9:V", "ICD9:E", "ICD9:1", "ICD9:3", "ICD9:3",
                                       "ICD9:6", "ICD9:6", "ICD9:17"]
    assert out["category"].tolist() == ["IX", "XXI", "XX", "I", "III", "IV", "VII", "VIII", "XIX"]
    assert out.loc[0, "category_title"] == "Diseases of the circulatory system"


def test_icd10_chapters_with_mixed_versions_and_dots():
    codes = ["I10", "O9A.11", "Z87.891", "U071", "D49", "D50", "T887", "C50.911", "4139"]
    out = icd_chapters(codes, [10, 10, 10, 10, 10, 10, 10, 10, 9])
    assert out["category"].tolist() == ["IX", "XV", "XXI", "XXII", "II", "III", "XIX", "II", "IX"]
    assert out.loc[0, "chapter"] == "ICD10:IX" and out.loc[8, "chapter"] == "ICD9:7"


def test_codes_in_no_chapter_are_missing():
    out = icd_chapters(["XYZ", None, "1A2", "W99"], [10, 10, 9, 11])
    assert out["category"].isna().all()


def test_tables_are_consistent():
    categories = diagnosis_categories()
    assert len(categories) == 22 and categories["id"].is_unique
    first = icd_chapters([row[1] for row in ICD10_CHAPTERS], 10)
    assert first["category"].tolist() == [row[0] for row in ICD10_CHAPTERS]
    assert {row[4] for row in ICD9_CHAPTERS} <= set(categories["id"])
    numeric = [row for row in ICD9_CHAPTERS if isinstance(row[0], int)]
    assert all(a[1] + 1 == b[0] for a, b in zip(numeric, numeric[1:]))  # 001-999 without gaps


def test_normalise_icd_code():
    assert normalise_icd_code([" 413.9", "v70.7", None]).tolist() == ["4139", "V707", pd.NA]
