"""``graphmed datasets`` and ``graphmed benchmark``."""
from __future__ import annotations

import argparse
from pathlib import Path

from graphmed.cli.common import (add_common_options, add_set_option, at_least, build_model,
                                 check_files, load_drug_disease, model_settings)


def _cmd_datasets(args: argparse.Namespace) -> int:
    from graphmed.datasets import dataset_info, list_datasets, resolve_data_root
    from graphmed.datasets.ogbl_ddi import OGBL_DDI_FILES

    root = resolve_data_root(args.data_root)
    print(f"data root: {root}")
    infos = [dataset_info(name) for name in list_datasets()]
    rows = [(info.name, _where(root, [f for f in info.files if f.required]), info.description)
            for info in infos]
    ddi_files = [f for key, f in OGBL_DDI_FILES.items() if f.required or key == "drug_ids"]
    rows.append(("ogbl-ddi", _where(root, ddi_files),
                 "OGB drug-drug interactions: 4,267 DrugBank drugs, official split "
                 "(graphmed interactions; benchmarks/ogbl_ddi.py)"))
    rows += _ehr_rows(root)
    width = max(len(r[0]) for r in rows)
    for name, where, description in rows:
        print(f"  {name:<{width}}  {description}\n  {'':<{width}}  {where}")
    print("your own associations: give the path of a .csv / .tsv / .parquet (drug_id, disease_id, "
          "optional drug_name, disease_name) wherever a data set name is taken")
    return 0


def _ehr_rows(root: Path) -> list[tuple[str, str, str]]:
    """The EHR exports ``graphmed diagnose`` reads from the data root, and the catalogue of
    indications it joins to MIMIC drugs."""
    from graphmed.datasets.indications import PHARMACOTHERAPYDB
    from graphmed.ehr.files import MIMIC3_DEMO_FILES, MIMIC4_DEMO_FILES, SYNTHEA_111_FILES

    labs = ("hosp/labevents", "hosp/d_labitems")  # read only with --labs
    return [
        ("mimic4_demo", _where(root, [f for k, f in MIMIC4_DEMO_FILES.items() if k not in labs]),
         "MIMIC-IV demo, 100 patients (graphmed diagnose mimic4; --labs reads "
         "hosp/labevents too)"),
        ("mimic3_demo", _where(root, list(MIMIC3_DEMO_FILES.values())),
         "MIMIC-III demo, 100 patients (graphmed diagnose mimic3)"),
        ("synthea_111", _where(root, list(SYNTHEA_111_FILES.values())),
         "Synthea export, 111 synthetic patients (graphmed diagnose synthea)"),
        ("indications", _where(root, [PHARMACOTHERAPYDB]),
         "PharmacotherapyDB drug indications, joined to MIMIC drugs by diagnose"),
    ]


def _where(root: Path, needed) -> str:
    """``found in <folder>``, or which of the ``needed`` files are missing under ``root``."""
    missing = [f.path for f in needed if not (root / f.path).is_file()]
    folder = root / Path(needed[0].path).parts[0] if needed else root
    return f"found in {folder}" if not missing else f"missing {', '.join(missing)}"


PROTOCOLS = ("A", "B", "new-disease")


def _protocol(text: str) -> str:
    """``--protocol`` in any case (``a``, ``New-Disease``)."""
    return {p.lower(): p for p in PROTOCOLS}.get(text.strip().lower(), text)


def _cmd_benchmark(args: argparse.Namespace) -> int:
    from graphmed.evaluation.published import published_rows
    from graphmed.models import DEFAULT_MODEL, make_model
    from graphmed.results import make_record, save_records
    from graphmed.training import cross_validate

    check_files(args.out)
    model_name = args.model or DEFAULT_MODEL
    settings = model_settings(args.settings)
    model_config = build_model(make_model, model_name, settings).config()  # checked before reading
    dataset = load_drug_disease(args.dataset, args.data_root, "benchmark")
    seeds = list(range(args.seed, args.seed + args.seeds))
    result = cross_validate(dataset, lambda: make_model(model_name, **settings),
                            protocol=args.protocol, seeds=seeds,
                            n_folds=args.folds, progress=not args.no_progress,
                            threads=args.threads)
    record = make_record(dataset, model_name, model_config, result)
    print(f"{dataset.name}, protocol {result.protocol}, model {model_name}, seeds {seeds}, "
          f"{result.wall_time_s:.1f} s, peak {result.peak_rss_mb:.0f} MB"
          + ("" if result.peak_cuda_mb is None else f", GPU peak {result.peak_cuda_mb:.0f} MB"))
    print(result.summary.to_markdown())
    published = published_rows(result.protocol, dataset.name)
    if published:
        print("published (as reported, not rerun here; 10-fold cross-validation): AUROC / AUPR")
        for method, auroc, aupr, source in published:
            print(f"  {auroc:.3f} / {aupr:.3f}  {method}  [{source}]")
        if result.n_folds != 10:
            print(f"  (this run: {result.n_folds}-fold cross-validation, each fold holding out "
                  f"1/{result.n_folds} of the pairs; not comparable with the published 10-fold "
                  "numbers)")
    if args.out:
        save_records(record, args.out)
        print(f"results written to {args.out}")
    return 0


def register(sub) -> None:
    """Add the ``datasets`` and ``benchmark`` commands to the sub-parsers ``sub``."""
    datasets = sub.add_parser("datasets", help="list the data sets and where each was found")
    add_common_options(datasets, progress=False, threads=False)
    datasets.set_defaults(func=_cmd_datasets)

    bench = sub.add_parser("benchmark", help="cross-validate a model and write a results JSON")
    bench.add_argument("dataset", help="data set name, e.g. fdataset, cdataset, or your own "
                       "association table (.csv / .tsv / .parquet with drug_id, disease_id "
                       "columns and optional drug_name, disease_name)")
    bench.add_argument("--protocol", default="A", choices=PROTOCOLS, type=_protocol,
                       help="evaluation protocol, any case (default A: all unknown pairs are "
                            "negatives)")
    bench.add_argument("--model", help="model name, e.g. popularity, knn, kronrls, gnn, "
                                       "gnn-kronrls, multimodal (the default, the best graphmed "
                                       "has); an unknown name lists them all")
    bench.add_argument("--seeds", type=at_least(1), default=3, help="number of seeds (default 3)")
    bench.add_argument("--seed", type=at_least(0), default=0, help="first seed (default 0)")
    bench.add_argument("--folds", type=at_least(2), default=10, help="number of folds (default 10)")
    bench.add_argument("--out", help="results JSON file to write")
    add_set_option(bench)
    add_common_options(bench)
    bench.set_defaults(func=_cmd_benchmark)
