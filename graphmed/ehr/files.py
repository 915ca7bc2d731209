"""Where EHR tables live: the folder of a MIMIC or Synthea export, its files and checksums.

A loader reads one folder: its ``root`` argument (e.g. a full MIMIC-IV download), else
``<data root>/<name>`` (``$GRAPHMED_DATA/mimic4_demo``; see
:func:`graphmed.datasets.files.resolve_data_root`). A table is found as ``name.csv.gz`` or
``name.csv``, in the case given or its upper/lower case (full MIMIC-III files are upper
case). With ``verify``, each file read is checked against the folder's ``SHA256SUMS.txt``
(shipped with every PhysioNet release) and, for the demo folders under the data root,
against the checksums registered here.
"""
from __future__ import annotations

import logging
import os
import zlib
from functools import partial
from pathlib import Path
from typing import Callable, Mapping

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from graphmed.datasets.files import DataFile, locate, resolve_data_root
from graphmed.datasets.readers import check_unique_header, file_line
from graphmed.errors import DataFormatError, DataIntegrityError, DataNotFoundError
from graphmed.io import sha256_file

logger = logging.getLogger(__name__)

_MIMIC3_URL = "https://physionet.org/files/mimiciii-demo/1.4"


def _demo(folder: str, url: str | None, sums: Mapping[str, str]) -> dict[str, DataFile]:
    """DataFiles keyed by table path (without ``.csv.gz``); sha256 of the decompressed CSV."""
    return {table: DataFile(f"{folder}/{table}.csv.gz",
                            None if url is None else f"{url}/{table}.csv", sha)
            for table, sha in sums.items()}


# MIMIC-III Clinical Database Demo v1.4 (ODbL), PhysioNet doi:10.13026/C2HM2Q: the official
# SHA256SUMS of the CSVs, stored gzipped under the data root.
MIMIC3_DEMO_FILES = _demo("mimic3_demo", _MIMIC3_URL, {
    "PATIENTS": "f65803a46bcb88127574bfd0b70d78d4123783d05bb411e70d4c9629edd7b703",
    "ADMISSIONS": "487e0b87cc81472cc2eb9ee911b3493c39e15d32e8230cec559907060c009b1c",
    "DIAGNOSES_ICD": "74dc979906bc2172f0cf025271dcd44c7cd52506b297e4b36e63dd40dce923da",
    "PROCEDURES_ICD": "0a1474dcb7e1bc083cc7b329257e5e85305f3e54ee5b0bedd325b3772806d655",
    "PRESCRIPTIONS": "053a015f55044550e4536def11df04432490c4a5ca3e1f380c30ac7e17f33fd3",
    "D_ICD_DIAGNOSES": "12c0b0b4b814557c018a630fff42521ed65c8b7491268e70f85cc246f0f27c9e",
    "D_ICD_PROCEDURES": "7e05e07aeeb05105fce8732105baf9d767e66ec6b1f70bda29728ad456562021",
})

# MIMIC-IV Clinical Database Demo v2.2 (ODbL), PhysioNet doi:10.13026/dp1f-ex47. PhysioNet
# serves these files gzipped already, so they are placed by hand (no download URL here).
MIMIC4_DEMO_PAGE = "https://physionet.org/content/mimic-iv-demo/2.2/"
MIMIC4_DEMO_FILES = _demo("mimic4_demo", None, {
    "hosp/patients": "d6f7f45cad83a977cfe40cf80572ad13df3970071c5f91bf2fd319c3903516f0",
    "hosp/admissions": "b08247c945ce0c69c505cf3427c6442135b89d9ea6315a89d4adb7b1733ce1d4",
    "hosp/diagnoses_icd": "ffb493244933ae7e1cbb17183f78a2e65625bd253489c01d376bfdc49df774af",
    "hosp/procedures_icd": "03161547a84ac86657f27c4fedd5d5f1e1b391b29e3faa53a6e6171e141b9fb6",
    "hosp/prescriptions": "3865f9f13bec8bdfa6eca6205d26d1a55c40051a5c7d396609a68e532775db9d",
    "hosp/d_icd_diagnoses": "e1eaafe3916f25cb2162dc95c31c280d834434531afa3a91b40bdf9943e58d2b",
    "hosp/d_icd_procedures": "ce5e256bc06ff8e2071e190799fe3bb99bd58be4d66d6b81276d61bfe9f65688",
    "hosp/labevents": "f3feb488a9b7c6039e47a30d4f0ff9cd869fedf0e02df6c250d7405c0db1a8d9",
    "hosp/d_labitems": "6a758494be345531d17ff3f2efcb0fefad78e7bfce83a4168f4ab5132e148856",
})

# Synthea CSV export of 111 synthetic patients (generator Apache-2.0), from
# UNMC-CRANE/database-stats-lecture (MIT), folder csv/ at commit 7e0949ce83db.
SYNTHEA_111_FILES = _demo("synthea_111", None, {
    "patients": "21bcec6fa27962b79499f0cd7c0118e3971348f1f87e2dd46df0c21ac123a70c",
    "encounters": "7cb9bf880cc951d67ce77de69a69f430d473e0c3ffd0ab7e9d41938b7329a04a",
    "conditions": "7b238d267581669e929f53ec1aabf8d5a181e4e9ee4101f89caabde46183f1ce",
    "medications": "623c38135999f40c5cb0bf5d0688223c0385bada4fe6e62bc929e7bebdd9b89f",
    "procedures": "479d1d01ec1be2027ae375f96fc3518d5b4c74293002ba681a89a45b6a5779dd",
})


def source_checksums(sources: Mapping[str, str | os.PathLike]) -> dict[str, str]:
    """``table -> sha256`` of every file in ``sources`` (e.g. ``EHRData.sources``), of the
    decompressed content for ``.gz`` files (as the registered checksums are), so that one
    table has one checksum whether stored gzipped or not."""
    return {table: sha256_file(path, decompress=str(path).endswith(".gz"))
            for table, path in sorted(sources.items())}


def table_paths(tables: list[str], name: str, registered: Mapping[str, DataFile],
                root: str | os.PathLike | None = None, *, verify: bool = True,
                download: bool = True, page: str | None = None,
                data_root: str | os.PathLike | None = None) -> dict[str, Path]:
    """Local paths of ``tables`` (e.g. ``"hosp/admissions"``) of the export ``name``.

    ``root`` is the export's folder; without it, the registered demo files under the data
    root (``data_root``, else ``$GRAPHMED_DATA``, ...; downloaded where they have a URL,
    checked against their sha256).

    Raises:
        DataNotFoundError: the folder or a table is missing.
        DataIntegrityError: a file does not match its checksum.
    """
    if root is None:
        data_root = resolve_data_root(data_root)
        paths = {}
        for table in tables:
            try:
                paths[table] = locate(registered[table], data_root, download=download, verify=verify)
            except DataNotFoundError as exc:
                where = f" The {name} files are published at {page}." if page else ""
                raise DataNotFoundError(f"{exc}{where}") from None
        return paths
    folder = Path(root).expanduser()
    if not folder.is_dir():
        demo = next(iter(registered.values())).path.split("/")[0]
        raise DataNotFoundError(f"{folder} is not a folder; pass root= the folder of the {name} "
                                f"export (or leave it out to use the demo in "
                                f"$GRAPHMED_DATA/{demo})")
    paths = {table: find_table(folder, table) for table in tables}
    if verify:
        check_sums(folder, paths.values())
    return paths


def find_table(folder: Path, table: str) -> Path:
    """``folder/table.csv.gz`` or ``.csv``, also with the file name in upper or lower case."""
    parent, _, stem = table.rpartition("/")
    tried = []
    for variant in dict.fromkeys((stem, stem.lower(), stem.upper())):
        for suffix in (".csv.gz", ".csv"):
            path = folder / parent / f"{variant}{suffix}"
            tried.append(str(path.relative_to(folder)))
            if path.is_file():
                return path
    raise DataNotFoundError(f"table {table!r} not found in {folder} (looked for "
                            f"{', '.join(tried)})")


def read_sums(folder: Path) -> dict[str, str]:
    """``relative path -> sha256`` from ``folder/SHA256SUMS.txt`` (empty when absent)."""
    path = folder / "SHA256SUMS.txt"
    if not path.is_file():
        return {}
    sums = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split(maxsplit=1)
        if len(parts) == 2:
            sums[parts[1].strip().lstrip("*").removeprefix("./")] = parts[0].lower()
    return sums


def check_sums(folder: Path, paths) -> None:
    """Check files against ``folder/SHA256SUMS.txt``: a ``.gz`` file listed without ``.gz``
    is checked by its decompressed content. Files the list does not name are not checked."""
    sums = read_sums(folder)
    for path in paths:
        relative = path.relative_to(folder).as_posix()
        if relative in sums:
            _check(path, sums[relative], decompress=False, folder=folder)
        elif relative.endswith(".gz") and relative[:-3] in sums:
            _check(path, sums[relative[:-3]], decompress=True, folder=folder)
        else:
            logger.debug("%s: no checksum in %s/SHA256SUMS.txt; not verified", relative, folder)


def _check(path: Path, expected: str, *, decompress: bool, folder: Path) -> None:
    try:
        got = sha256_file(path, decompress=decompress)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataIntegrityError(f"{path}: cannot be read ({exc}); the file is damaged or "
                                 "truncated") from None
    if got != expected:
        what = "decompressed content" if decompress else "content"
        raise DataIntegrityError(f"{path}: {what} has sha256 {got}, but {folder}/SHA256SUMS.txt "
                                 f"lists {expected}; the file is truncated, edited or of another "
                                 "release (pass verify=False to read it anyway)")


def read_csv(path: Path, columns: Mapping[str, object], *,
             keep: Callable[[pd.DataFrame], object] | None = None,
             chunksize: int = 1_000_000) -> pd.DataFrame:
    """Read the named columns (matched case-insensitively) of a CSV, with lower-case names.

    Args:
        columns: lower-case column name -> dtype (``None``: let pandas choose).
        keep: for a table too large to hold whole (MIMIC-IV's ``labevents``), a function of
            a block of rows (lower-case columns) giving the boolean mask of the rows to keep;
            the file is then read ``chunksize`` rows at a time and only the kept rows are
            held (index reset).

    Raises:
        DataFormatError: the file cannot be parsed or a column is missing (names the file
            and the column).
    """
    try:
        header = pd.read_csv(path, nrows=0).columns
    except Exception as exc:
        raise DataFormatError(f"cannot be parsed as a CSV table ({type(exc).__name__}: {exc})",
                              source=path) from None
    check_unique_header(path, fold_case=True, columns=columns)
    actual = {str(c).lower(): c for c in header}
    missing = [c for c in columns if c not in actual]
    if missing:
        raise DataFormatError(f"missing columns {missing}; columns are {list(header)}",
                              source=path, column=missing[0])
    dtypes = {actual[c]: t for c, t in columns.items() if t is not None}
    names = {actual[c]: c for c in columns}
    read = partial(pd.read_csv, path, usecols=list(names), dtype=dtypes)
    if keep is None:
        return _parsed(read, path, dtypes).rename(columns=names)[list(columns)]
    reader, blocks = _parsed(partial(read, chunksize=chunksize), path, dtypes), []
    # shown once reading takes more than two seconds (MIMIC-IV's labevents: minutes)
    bar = tqdm(desc=f"reading {Path(path).name}", unit=" rows", unit_scale=True, leave=False,
               delay=2.0)
    kept = 0
    while (block := _parsed(partial(next, reader, None), path, dtypes)) is not None:
        bar.update(len(block))
        block = block.rename(columns=names)[list(columns)]
        blocks.append(block[np.asarray(keep(block), dtype=bool)])
        kept += len(blocks[-1])
        bar.set_postfix(kept=f"{kept:,}", refresh=False)
    bar.close()
    if not blocks:  # no rows at all
        return _parsed(read, path, dtypes).rename(columns=names)[list(columns)]
    return pd.concat(blocks, ignore_index=True)


def _parsed(read: Callable[[], object], path: Path, dtypes: Mapping[str, object]):
    """``read()``, a parse error raised as a :class:`DataFormatError` naming the first bad
    cell where there is one."""
    try:
        return read()
    except Exception as exc:
        _raise_first_bad_number(path, dtypes)
        raise DataFormatError(f"cannot be parsed as a CSV table ({type(exc).__name__}: {exc})",
                              source=path) from None


def _raise_first_bad_number(path: Path, dtypes: Mapping[str, object]) -> None:
    """Raise a :class:`DataFormatError` naming the first cell of a numeric column that is
    missing (where the type allows none) or not a number; return if there is none."""
    numeric = {c: pd.Series(dtype=t) for c, t in dtypes.items()}   # empty probes of each type
    numeric = {c: probe for c, probe in numeric.items() if pd.api.types.is_numeric_dtype(probe)}
    if not numeric:
        return
    try:
        raw = pd.read_csv(path, usecols=list(numeric), dtype=str, keep_default_na=False)
    except Exception:  # not a cell problem: the caller reports the parse error
        return
    for column, probe in numeric.items():
        text = raw[column].str.strip()
        values = pd.to_numeric(text.where(text != ""), errors="coerce")
        nullable = pd.api.types.is_extension_array_dtype(probe)
        integer = pd.api.types.is_integer_dtype(probe)
        bad = (text != "") & values.isna()
        if not nullable and not pd.api.types.is_float_dtype(probe):
            bad |= text == ""
        if integer:
            bad |= values.notna() & (values % 1 != 0)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            what = "a missing value" if text.iloc[row] == "" else repr(text.iloc[row])
            kind = "an integer" if integer else "a number"
            raise DataFormatError(f"{what} where {kind} is expected", source=path, row=row,
                                  column=column, line=file_line(path, row))


def parse_dates(table: pd.DataFrame, column: str, source: str | Path) -> pd.Series:
    """``table[column]`` (text, as read from ``source``) as UTC timestamps; empty cells
    become ``NaT``.

    Raises:
        DataFormatError: a value that is not an ISO 8601 date or time (``2019-02-17``,
            ``2019-02-17T10:15:00Z``), naming the file, its line and the column.
    """
    text = table[column]
    times = pd.to_datetime(text, errors="coerce", utc=True, format="ISO8601")
    given = (text.astype("string").str.strip() != "").fillna(False).to_numpy(dtype=bool)
    bad = times.isna().to_numpy() & given
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataFormatError(f"{int(bad.sum())} value(s) are not ISO 8601 dates (e.g. "
                              f"2019-02-17 or 2019-02-17T10:15:00Z); first {text.iloc[row]!r}",
                              source=source, row=row, column=column,
                              line=file_line(source, row) if Path(source).is_file() else None)
    return times


def require_rows(tables: Mapping[str, pd.DataFrame], sources: Mapping[str, str | Path],
                 what: str) -> None:
    """Raise a :class:`DataFormatError` naming the first of ``tables`` without rows
    (``sources``: where each came from); ``what`` says what the graph needs of them."""
    for name, table in tables.items():
        if len(table) == 0:
            raise DataFormatError(f"no rows (a header only?); {what}",
                                  source=sources.get(name, f"table {name!r}"))


__all__ = ["MIMIC3_DEMO_FILES", "MIMIC4_DEMO_FILES", "SYNTHEA_111_FILES",
           "check_sums", "find_table", "parse_dates", "read_csv", "read_sums", "require_rows",
           "table_paths"]
