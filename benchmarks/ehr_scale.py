"""EHR graph construction at scale: the MIMIC-IV demo replicated to 10 million edge rows.

    python benchmarks/ehr_scale.py --data-root ../shared/data --threads 1

The seven MIMIC-IV demo tables the loader reads (patients, admissions, diagnoses_icd,
procedures_icd, prescriptions and the two ICD dictionaries) are copied under fresh
``subject_id`` / ``hadm_id`` (:func:`graphmed.ehr.replicate.replicate_tables`; the ICD
dictionaries, and so the code and drug vocabularies, stay shared) until the edge tables of
the schema hold at least ``--rows`` rows. Reading and copying happen before the clock
starts; their own peak memory is reported apart. Timed, end to end: the loader's schema
from those tables (:func:`~graphmed.ehr.mimic.mimic4_from_tables`: ICD ids, drug name
normalisation) and :func:`~graphmed.ehr.build_hetero_graph` (every check of
``validate_schema``, then the tensors), with the process's peak resident memory over
those two steps (the kernel's high-water mark, reset just before them; it includes the
input tables, Python and torch).

In the same run, the same schema on fewer copies (``--nx-rows``) is built as a networkx
``MultiDiGraph`` (typed ``(type, id)`` nodes with their name, features and time; edges
keyed by relation with their time and features; ``add_nodes_from`` / ``add_edges_from``),
beside graphmed on those same tables, each in a fresh process. A size of ``--nx-rows`` at
or above the full size runs networkx on the full tables; otherwise its time and memory at
the full size are extrapolated linearly from the largest run and labelled so. Prints the numbers beside
the targets (60 s, 8 GB) and writes ``benchmarks/results/ehr_scale.json`` and ``.md``.
A benchmark, not a test: the targets are not enforced.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import gc
import math
import multiprocessing
import os
import resource
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
TARGETS = {"time_s": 60.0, "peak_rss_gb": 8.0}
GB = 1e9


# --------------------------------------------------------------------------------------------
# memory


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def rss_bytes() -> int:
    import psutil

    return psutil.Process().memory_info().rss


class PeakRSS:
    """Peak resident memory of this process inside a ``with`` block.

    Linux: the kernel's high-water mark (``VmHWM``), reset on entry through
    ``/proc/self/clear_refs``; elsewhere, psutil samples every 5 ms (may miss short peaks).
    """

    def __init__(self) -> None:
        self.method = ""
        self.before = self.peak = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> "PeakRSS":
        gc.collect()
        self.before = rss_bytes()
        try:
            with open("/proc/self/clear_refs", "w") as handle:
                handle.write("5")
            self.method = "VmHWM (kernel high-water mark, reset by /proc/self/clear_refs)"
        except OSError:
            self.method = "psutil RSS sampled every 5 ms"
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, rss_bytes())

    def __exit__(self, *exc) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self.peak = max(self.peak, rss_bytes())
        else:
            self.peak = _status_kb("VmHWM") or rss_bytes()

    def record(self) -> dict:
        return {"peak_rss_gb": round(self.peak / GB, 3), "rss_before_gb": round(self.before / GB, 3),
                "peak_increase_gb": round((self.peak - self.before) / GB, 3), "method": self.method}


# --------------------------------------------------------------------------------------------
# the two constructions


def edge_rows(schema) -> int:
    return sum(len(e.table) for e in schema.edges)


def node_rows(schema) -> int:
    return sum(len(n.table) for n in schema.nodes)


def replicas_for(tables: dict, rows: int) -> tuple[int, int, int]:
    """Copies needed for ``rows`` edge rows: (copies, edge rows per copy, shared edge rows)."""
    from graphmed.ehr.mimic import mimic4_from_tables
    from graphmed.ehr.replicate import replicate_tables

    one, two = (edge_rows(mimic4_from_tables(replicate_tables(tables, k)).schema) for k in (1, 2))
    per_copy = two - one
    shared = one - per_copy
    return max(1, math.ceil((rows - shared) / per_copy)), per_copy, shared


def networkx_graph(schema):
    """The schema as a networkx MultiDiGraph: per-row Python, as networkx requires."""
    import networkx as nx

    graph = nx.MultiDiGraph()
    for table in schema.nodes:
        frame = table.table
        ids = frame[table.id].tolist()
        attrs = {"name": frame[table.name].tolist() if table.name else ids}
        attrs.update({c: frame[c].tolist() for c in table.features})
        if table.time:
            attrs["time"] = frame[table.time].tolist()
        keys = list(attrs)
        graph.add_nodes_from(((table.node_type, i), dict(zip(keys, values)))
                             for i, *values in zip(ids, *attrs.values()))
    for table in schema.edges:
        src_type, relation, dst_type = table.edge_type
        frame = table.table
        columns = [c for c in (table.time, table.weight, *table.features) if c]
        attrs = {c: frame[c].tolist() for c in columns}
        graph.add_edges_from(((src_type, s), (dst_type, d), relation, dict(zip(columns, values)))
                             for s, d, *values in zip(frame[table.source].tolist(),
                                                      frame[table.target].tolist(), *attrs.values()))
    return graph


def graphmed_run(tables: dict, name: str) -> tuple[dict, object]:
    """Schema from the tables, then the graph; timed, with the peak memory of both steps."""
    from graphmed.ehr import build_hetero_graph
    from graphmed.ehr.mimic import mimic4_from_tables

    with PeakRSS() as memory:
        start = time.perf_counter()
        ehr = mimic4_from_tables(tables, name=name)
        schema_s = time.perf_counter() - start
        graph = build_hetero_graph(ehr.schema, name=name)
        total_s = time.perf_counter() - start
    rows = edge_rows(ehr.schema)
    return {"edge_rows": rows, "node_rows": node_rows(ehr.schema),
            "schema_s": round(schema_s, 3), "build_s": round(total_s - schema_s, 3),
            "total_s": round(total_s, 3), "edge_rows_per_s": round(rows / total_s),
            "build_edge_rows_per_s": round(rows / (total_s - schema_s)),
            **memory.record(), "graph": graph.summary()}, ehr.schema


def subset_run(tables: dict, replicas: int) -> dict:
    """On ``replicas`` copies: graphmed's schema step, then graphmed and networkx on that schema
    (the peak memory of networkx above what the process held before it)."""
    from graphmed.ehr import build_hetero_graph
    from graphmed.ehr.mimic import mimic4_from_tables
    from graphmed.ehr.replicate import replicate_tables

    schema = mimic4_from_tables(replicate_tables(tables, replicas)).schema
    start = time.perf_counter()
    build_hetero_graph(schema)
    graphmed_s = time.perf_counter() - start
    gc.collect()
    with PeakRSS() as memory:
        start = time.perf_counter()
        graph = networkx_graph(schema)
        networkx_s = time.perf_counter() - start
    rows = edge_rows(schema)
    out = {"replicas": replicas, "edge_rows": rows, "node_rows": node_rows(schema),
           "graphmed_build_s": round(graphmed_s, 3),
           "graphmed_build_edge_rows_per_s": round(rows / graphmed_s),
           "networkx_s": round(networkx_s, 3), "networkx_edge_rows_per_s": round(rows / networkx_s),
           "networkx_nodes": graph.number_of_nodes(), "networkx_edges": graph.number_of_edges(),
           "networkx_peak_increase_gb": memory.record()["peak_increase_gb"]}
    del graph
    gc.collect()
    return out


# --------------------------------------------------------------------------------------------


def environment(threads: int) -> dict:
    import networkx
    import pandas
    import torch

    from graphmed.results import environment as base

    env = base()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {**env, "pandas": pandas.__version__, "networkx": networkx.__version__,
            "cpu_count": os.cpu_count(), "usable_cpus": usable, "cpu_model": env["cpu"],
            "memory_total_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GB, 1),
            "torch_threads": torch.get_num_threads(), "threads_arg": threads,
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS")}


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def measure(rows: int, replicas: int | None, nx_rows: list[int], threads: int) -> dict:
    from graphmed.ehr.files import source_checksums
    from graphmed.ehr.mimic import read_mimic4_tables
    from graphmed.ehr.replicate import id_offsets, replicate_tables

    loads = {"start": load_average()}
    with PeakRSS() as prep_memory:
        start = time.perf_counter()
        tables, sources = read_mimic4_tables()
        read_s = time.perf_counter() - start
        needed, per_copy, shared = replicas_for(tables, rows)
        replicas = replicas or needed
        start = time.perf_counter()
        big = replicate_tables(tables, replicas)
        replicate_s = time.perf_counter() - start
    checksums = source_checksums(sources)
    preparation = {"read_demo_s": round(read_s, 3), "replicate_s": round(replicate_s, 3),
                   **prep_memory.record(), "rss_after_gb": round(rss_bytes() / GB, 3),
                   "table_rows": {k: len(v) for k, v in big.items()}}
    loads["before_graphmed"] = load_average()
    full, _ = graphmed_run(big, f"mimic4_demo x{replicas}")
    loads["after_graphmed"] = load_average()
    demo = {k: len(v) for k, v in tables.items()}
    expected = {"patient": demo["patients"] * replicas, "admission": demo["admissions"] * replicas}
    got = {k: full["graph"]["nodes"][k] for k in expected}
    assert got == expected, f"node counts do not scale: {got} != {expected}"
    del big
    gc.collect()

    subsets, done = [], set()
    for target in sorted(nx_rows):
        copies = min(replicas, max(1, math.ceil((target - shared) / per_copy)))
        if copies in done:
            continue
        done.add(copies)
        # a fresh process per run, so that memory freed by earlier runs does not hide its cost
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
            subsets.append(pool.submit(subset_run, tables, copies).result())
    loads["end"] = load_average()
    networkx = None
    if subsets:
        largest = subsets[-1]
        measured_full = largest["replicas"] == replicas
        scale = full["edge_rows"] / largest["edge_rows"]
        networkx = {"runs": subsets, "full_size": {
            "edge_rows": full["edge_rows"],
            "how": "measured" if measured_full else
                   f"extrapolated linearly from {largest['edge_rows']} edge rows (not measured)",
            "time_s": round(largest["networkx_s"] * scale, 1),
            "peak_increase_gb": round(largest["networkx_peak_increase_gb"] * scale, 2),
            "networkx_over_graphmed_build": round(largest["networkx_s"] / largest["graphmed_build_s"], 1)}}
    measured = {"time_s": full["total_s"], "peak_rss_gb": full["peak_rss_gb"]}
    return {
        "benchmark": "ehr_scale",
        "config": {"target_edge_rows": rows, "replicas": replicas, "nx_rows": sorted(nx_rows),
                   "threads": threads, "edge_rows_per_copy": per_copy, "shared_edge_rows": shared,
                   "id_steps": id_offsets(tables)},
        "seed": None,  # nothing is random: the copies are deterministic
        "data": {"name": "mimic4_demo", "sha256": checksums,
                 "sha256_of": "decompressed content of .gz files"},
        "preparation": preparation,
        "graphmed": full,
        "networkx": networkx,
        "targets": TARGETS,
        "measured": measured,
        "meets_targets": {k: measured[k] <= TARGETS[k] for k in TARGETS},
        "load_average": loads,
        "ru_maxrss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / GB, 3),
        "environment": environment(threads),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }


def markdown(record: dict) -> str:
    g, prep, env, cfg = record["graphmed"], record["preparation"], record["environment"], record["config"]
    loads, targets = record["load_average"], record["targets"]
    nodes = ", ".join(f"{k} {v:,}" for k, v in g["graph"]["nodes"].items())
    lines = [
        "# EHR graph construction at scale", "",
        f"Generated by `python benchmarks/ehr_scale.py` (graphmed {env['graphmed']}, pandas "
        f"{env['pandas']}, numpy {env['numpy']}, torch {env['torch']}, networkx {env['networkx']}) "
        f"on {env['usable_cpus']} CPU cores ({env['cpu_model'] or 'unknown CPU'}, "
        f"{env['memory_total_gb']} GB RAM) shared with other work: 1/5/15-min load average "
        f"{'/'.join(map(str, loads['before_graphmed']))} before the graphmed build, "
        f"{'/'.join(map(str, loads['after_graphmed']))} after it; {cfg['threads']} thread(s).", "",
        f"Input: the MIMIC-IV demo tables copied {cfg['replicas']} times under fresh "
        f"`subject_id`/`hadm_id` (ICD dictionaries, so code and drug vocabularies, shared): "
        f"{g['edge_rows']:,} edge-table rows ({cfg['edge_rows_per_copy']:,} per copy + "
        f"{cfg['shared_edge_rows']:,} shared) and {g['node_rows']:,} node rows; graph nodes: {nodes}. "
        f"Reading and copying are not timed ({prep['read_demo_s'] + prep['replicate_s']:.1f} s; "
        f"process peak {prep['peak_rss_gb']:.2f} GB, {prep['rss_after_gb']:.2f} GB held after). "
        f"Peak memory below: the kernel's high-water mark of the process over the two timed steps.", "",
        "| graphmed, tables -> graph | measured | target |", "|---|---|---|",
        f"| schema from tables (`mimic4_from_tables`) | {g['schema_s']:.1f} s | |",
        f"| checks + build (`build_hetero_graph`) | {g['build_s']:.1f} s | |",
        f"| **total** | **{g['total_s']:.1f} s** ({g['edge_rows_per_s']:,} edge rows/s) "
        f"| <= {targets['time_s']:.0f} s |",
        f"| peak resident memory of the process | **{g['peak_rss_gb']:.2f} GB** (tables, Python "
        f"and torch included; {g['rss_before_gb']:.2f} GB before, +{g['peak_increase_gb']:.2f} GB) "
        f"| <= {targets['peak_rss_gb']:.0f} GB |", ""]
    nx = record["networkx"]
    if nx:
        lines += ["networkx `MultiDiGraph` (add_nodes_from / add_edges_from of the same schema) "
                  "beside graphmed's `build_hetero_graph` on the same tables:", "",
                  "| copies | edge rows | graphmed build | networkx | networkx edge rows/s | "
                  "networkx memory | networkx / graphmed |", "|---|---|---|---|---|---|---|"]
        for run in nx["runs"]:
            lines.append(
                f"| {run['replicas']} | {run['edge_rows']:,} | {run['graphmed_build_s']:.2f} s | "
                f"{run['networkx_s']:.1f} s | {run['networkx_edge_rows_per_s']:,} | "
                f"+{run['networkx_peak_increase_gb']:.2f} GB | "
                f"{run['networkx_s'] / run['graphmed_build_s']:.0f}x |")
        at_full = nx["full_size"]
        label = ("measured" if at_full["how"] == "measured" else
                 f"**extrapolated** linearly from {nx['runs'][-1]['edge_rows']:,} edge rows, "
                 "not measured")
        lines += ["", f"networkx at {g['edge_rows']:,} edge rows ({label}): "
                  f"{at_full['time_s']:.0f} s and +{at_full['peak_increase_gb']:.1f} GB, "
                  f"against graphmed's {g['build_s']:.1f} s build ({g['total_s']:.1f} s with the schema "
                  "step). networkx does less: no checks, no id parsing, no time parsing, no counting "
                  "of repeated pairs (a repeated pair overwrites its attributes), no reverse edges.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", help="folder holding mimic4_demo/ (else $GRAPHMED_DATA)")
    parser.add_argument("--rows", type=int, default=10_000_000,
                        help="edge-table rows to reach (copies are added until there are this many)")
    parser.add_argument("--replicas", type=int, help="number of copies (overrides --rows)")
    parser.add_argument("--nx-rows", type=int, nargs="*", default=[1_000_000, 10_000_000],
                        help="edge rows of the networkx comparisons, capped at the full size "
                             "(none: skip networkx; the largest is extrapolated to the full size)")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads of torch and of the numerical libraries")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for the JSON and markdown")
    parser.add_argument("--name", default="ehr_scale", help="file name stem of the outputs")
    args = parser.parse_args(argv)
    if args.rows < 1 or (args.replicas is not None and args.replicas < 1) or args.threads < 1:
        parser.error("--rows, --replicas and --threads must be >= 1")
    if any(n < 1 for n in args.nx_rows):
        parser.error("--nx-rows must be >= 1")
    if args.data_root:
        os.environ["GRAPHMED_DATA"] = str(Path(args.data_root).resolve())
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(variable, str(args.threads))
    import torch

    torch.set_num_threads(args.threads)
    from graphmed.results import save_report

    record = measure(args.rows, args.replicas, args.nx_rows, args.threads)
    table = markdown(record)
    print(table)
    m, t = record["measured"], record["targets"]
    print(f"graphmed: {m['time_s']:.1f} s (target <= {t['time_s']:.0f} s), peak "
          f"{m['peak_rss_gb']:.2f} GB (target <= {t['peak_rss_gb']:.0f} GB) for "
          f"{record['graphmed']['edge_rows']:,} edge rows; load average "
          f"{record['load_average']['before_graphmed']}")
    save_report(args.out / args.name, record, markdown)
    print(f"wrote {args.out / (args.name + '.json')} and {args.out / (args.name + '.md')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
