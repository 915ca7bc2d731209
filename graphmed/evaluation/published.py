"""Published drug–disease numbers (AUROC, AUPR) with their protocol and source, printed
beside graphmed's own by the benchmark script and ``graphmed benchmark``.

Protocol A figures as reported in each paper's table (10 x 10-fold CV, all unknown
pairs negative); protocol B and new-disease figures as reported by AMDGT and others.
They are copied from the papers, not rerun.
"""
from __future__ import annotations


PUBLISHED = {
    "A": {
        "fdataset": [
            ("LAGCN", 0.884, 0.130, "DRHGCN paper (Cai et al., Brief Bioinform 2021), Table 2"),
            ("DRWBNCF", 0.923, 0.484, "AdaDR paper (Bioinformatics 2024), Table 2"),
            ("SMGCL", 0.935, 0.549, "SMGCL paper, Table 2"),
            ("DRHGCN", 0.944, 0.543, "DRHGCN paper, Table 2"),
            ("GLGMPNN", 0.945, 0.513, "GLGMPNN paper, Table 2"),
            ("AdaDR (best published)", 0.952, 0.588, "AdaDR (Bioinformatics 2024), Table 2"),
        ],
        "cdataset": [
            ("LAGCN", 0.920, 0.191, "DRHGCN paper (Cai et al., Brief Bioinform 2021), Table 2"),
            ("DRWBNCF", 0.941, 0.559, "AdaDR paper (Bioinformatics 2024), Table 2"),
            ("SMGCL", 0.947, 0.626, "SMGCL paper, Table 2"),
            ("DRHGCN", 0.960, 0.640, "DRHGCN paper, Table 2"),
            ("GLGMPNN", 0.957, 0.599, "GLGMPNN paper, Table 2"),
            ("AdaDR (best published)", 0.966, 0.671, "AdaDR (Bioinformatics 2024), Table 2"),
        ],
    },
    "B": {
        "fdataset": [("AMDGT (test-set epoch selection, GIP from all labels)", 0.9598, 0.9617,
                      "AMDGT (Knowledge-Based Systems 2024)")],
        "cdataset": [("AMDGT (test-set epoch selection, GIP from all labels)", 0.9681, 0.9698,
                      "AMDGT (Knowledge-Based Systems 2024)")],
        "bdataset": [("AMDGT (test-set epoch selection, GIP from all labels)", 0.9337, 0.9309,
                      "AMDGT (Knowledge-Based Systems 2024)")],
    },
    "new-disease": {
        "fdataset": [
            ("DRHGCN", 0.811, 0.118, "as reported by AMDGT (Knowledge-Based Systems 2024)"),
            ("DRWBNCF", 0.775, 0.174, "as reported by AMDGT (Knowledge-Based Systems 2024)"),
            ("AMDGT", 0.910, 0.159, "AMDGT (Knowledge-Based Systems 2024)"),
        ],
    },
}


def published_rows(protocol: str, dataset: str) -> list[tuple[str, float, float, str]]:
    """``(method, AUROC, AUPR, source)`` published for ``dataset`` under ``protocol``
    (empty when there are none, e.g. for a table of one's own)."""
    return list(PUBLISHED.get(protocol, {}).get(dataset, []))
