"""What the commands share: argument types and the data root / progress / threads options."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from graphmed.errors import GraphmedError
from graphmed.threads import DEFAULT_THREADS

THREADS_HELP = (f"CPU threads for fitting (default {DEFAULT_THREADS}: the fastest for graphs of a "
                "few thousand nodes)")


def at_least(minimum: int):
    """An argparse type: an integer of at least ``minimum``."""
    def parse(text: str) -> int:
        value = int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value
    parse.__name__ = "integer"
    return parse


def fraction(text: str) -> float:
    """An argparse type: a share strictly between 0 and 1 (e.g. ``--val-fraction``)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (exclusive), got {value:g}")
    return value


def hours(text: str) -> float:
    """An argparse type: a finite number of hours, at least 0 (e.g. ``--first-hours``)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number of hours >= 0, got {value:g}")
    return value


def device(text: str) -> str:
    """An argparse type: ``cpu``, ``cuda``, ``cuda:N`` or ``auto``, checked against this
    machine's devices (a missing GPU is an error before any work)."""
    from graphmed.device import resolve_device

    try:
        return str(resolve_device(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def setting(text: str) -> tuple[str, object]:
    """An argparse type: ``NAME=VALUE`` for ``--set``; the value is read as JSON where it is
    JSON (``16``, ``0.5``, ``true``, ``[16, 16]``, ``"text"``) and kept as text otherwise."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE (e.g. hidden=32)")
    try:
        return name, json.loads(value)
    except ValueError:
        return name, value


def model_settings(pairs) -> dict:
    """``{name: value}`` of the ``--set`` pairs; a name given twice is an error."""
    settings = {}
    for name, value in pairs or []:
        if name in settings:
            raise GraphmedError(f"--set {name} is given twice")
        settings[name] = value
    return settings


def build_model(make, name: str, settings: dict):
    """``make(name, **settings)``: a setting the model does not take, a value out of its
    range, or a ``device`` this machine does not have, is one error line naming the model
    (call it before reading any data)."""
    from graphmed.device import resolve_device

    try:
        model = make(name, **settings)
        model.config()  # an ensemble makes its members here: their settings are checked too
        if "device" in settings:  # the model takes it; does this machine have it?
            resolve_device(settings["device"])
        return model
    except GraphmedError:
        raise
    except (TypeError, ValueError) as exc:
        if not settings:
            raise
        raise GraphmedError(f"--set for model {name!r}: {exc}{_settings_hint(make, name, exc)}"
                            ) from None


def _settings_hint(make, name: str, exc: Exception) -> str:
    """For Python's "unexpected keyword argument 'x'": the closest setting the model takes
    and all of them (its constructor's keyword arguments); else nothing."""
    import re

    from graphmed.checks import constructor_settings, settings_hint

    found = re.search(r"unexpected keyword argument '([^']+)'", str(exc))
    known = constructor_settings(type(make(name))) if found else []
    return settings_hint(found.group(1), known) if known else ""


def table_file(text: str) -> str:
    """An argparse type: a path ending in a table suffix graphmed writes (.csv, .parquet)."""
    from graphmed.interop import TABLE_SUFFIXES

    if Path(text).suffix.lower() not in TABLE_SUFFIXES:
        raise argparse.ArgumentTypeError(f"{text!r} must end in {' or '.join(TABLE_SUFFIXES)}")
    return text


def add_set_option(parser: argparse.ArgumentParser) -> None:
    """``--set NAME=VALUE ...``: settings of the model (its constructor's arguments)."""
    parser.add_argument("--set", dest="settings", type=setting, nargs="+", default=[],
                        metavar="NAME=VALUE",
                        help="settings of the model, its constructor's arguments, e.g. "
                             "--set hidden=32 members=1 (values read as JSON where they are)")


def add_common_options(parser: argparse.ArgumentParser, *, progress: bool = True,
                       threads: bool = True) -> None:
    """``--data-root``, and (where the command has long work) ``--no-progress`` and ``--threads``."""
    parser.add_argument("--data-root", help="data folder (default: $GRAPHMED_DATA or the per-user folder)")
    if progress:
        parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    if threads:
        parser.add_argument("--threads", type=at_least(1), default=DEFAULT_THREADS,
                            help=THREADS_HELP)


def print_table(table, formats: dict[str, str]) -> None:
    """Print a DataFrame whole, without its index, columns in ``formats`` formatted
    (``{"score": "{:.4f}"}``), long names cut at 60 characters."""
    import pandas as pd

    with pd.option_context("display.max_rows", None, "display.width", 200,
                           "display.max_colwidth", 60):
        print(table.to_string(index=False, formatters={k: f.format for k, f in formats.items()}))


def load_drug_disease(name: str, data_root: str | None, option: str = "--dataset"):
    """The drug–disease data set ``name`` (a registered name or a table's path); a graph
    benchmark of another kind (ogbl-ddi) is refused before anything is read."""
    from graphmed.datasets import is_graph_benchmark, load_dataset

    if is_graph_benchmark(name):
        raise GraphmedError(f"{option} {name}: ogbl-ddi is a graph of drug-drug interactions, "
                            "not drug-disease data; `graphmed interactions --drug NAME` ranks a "
                            "drug's likely partners and `python benchmarks/ogbl_ddi.py` runs "
                            "its benchmark")
    return load_dataset(name, data_root)


def check_out(*paths: str | None) -> None:
    """Fail now, before any fitting, if a table or its record (:func:`record_path`) could
    not be written to one of ``paths`` (``None`` entries are skipped): see
    :func:`graphmed.interop.check_table_path`."""
    from graphmed.interop import check_table_path
    from graphmed.io import check_writable

    for path in paths:
        if path:
            check_table_path(path)
            check_writable(record_path(path))


def check_files(*paths: str | None) -> None:
    """Fail now, before any fitting, if a file (results JSON, checkpoint) could not be
    written to one of ``paths`` (``None`` entries are skipped): see
    :func:`graphmed.io.check_writable`."""
    from graphmed.io import check_writable

    for path in paths:
        if path:
            check_writable(path)


def check_image(path: str | None) -> None:
    """Fail now, before any fitting, if a figure could not be saved to ``path``: a suffix
    matplotlib cannot write, or a place no file can be written."""
    if not path:
        return
    from matplotlib.figure import Figure

    formats = Figure().canvas.get_supported_filetypes()
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in formats:
        given = f"'.{suffix}'" if suffix else "a file without a suffix"
        raise GraphmedError(f"cannot save a figure as {given} ({path}); use one of "
                            f"{', '.join('.' + f for f in sorted(formats))}")
    check_files(path)


def save_figure(figure, path: str, dpi: int = 120) -> None:
    """Save a matplotlib ``figure`` to ``path`` atomically (format from the suffix)."""
    import io

    from graphmed.io import atomic_write_bytes

    buffer = io.BytesIO()
    figure.savefig(buffer, format=Path(path).suffix.lower().lstrip("."), dpi=dpi)
    atomic_write_bytes(path, buffer.getvalue())


def run_record(command: str, args: argparse.Namespace, **fields) -> dict:
    """What a command's output table rests on, for the JSON written beside it: the command
    and its options, the given ``fields`` (seed, model settings, data checksum ...),
    graphmed's environment (:func:`graphmed.results.environment`) and the time."""
    import datetime

    from graphmed.results import environment

    options = {k: v for k, v in vars(args).items() if not callable(v)}
    return {"command": command, "options": _jsonable(options), **fields,
            "environment": environment(),
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}


def _jsonable(values: dict) -> dict:
    """``values`` with what JSON cannot hold written as text."""
    import json

    from graphmed.io import _json_default

    out = {}
    for key, value in values.items():
        try:
            json.dumps(value, default=_json_default)
            out[str(key)] = value
        except (TypeError, ValueError):
            out[str(key)] = str(value)
    return out


def record_path(path: str) -> str:
    """Where the record of the table at ``path`` goes: ``path`` + ``.json``."""
    return f"{path}.json"


def write_out(table, path: str, what: str = "table", record: dict | None = None) -> None:
    """Write a DataFrame to ``path`` (``.csv`` / ``.parquet``) and, given a ``record``
    (:func:`run_record`), that record with the table's attributes beside it as
    ``path.json``; say so."""
    from graphmed.interop import write_table
    from graphmed.io import atomic_write_json

    write_table(table, path)
    if record is None:
        print(f"{what} written to {path}")
        return
    atomic_write_json(record_path(path), {**record, "table": _jsonable(dict(table.attrs))})
    print(f"{what} written to {path} (seed, settings and data checksum in {record_path(path)})")
