"""Command line: ``graphmed datasets | benchmark | repurpose | diagnose | pretrain-smiles``.

Thin: parses arguments, calls the library, prints. Errors graphmed raises on purpose
are printed as one line (exit status 2); anything else is a bug and shows a traceback.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from graphmed._version import __version__
from graphmed.errors import GraphmedError
from graphmed.threads import DEFAULT_THREADS

THREADS_HELP = (f"CPU threads for fitting (default {DEFAULT_THREADS}: the fastest for graphs of a "
                "few thousand nodes)")


def _cmd_datasets(args: argparse.Namespace) -> int:
    from graphmed.datasets import dataset_info, list_datasets, resolve_data_root

    root = resolve_data_root(args.data_root)
    print(f"data root: {root}")
    rows = []
    for name in list_datasets():
        info = dataset_info(name)
        required = [f for f in info.files if f.required]
        missing = [f.path for f in required if not (root / f.path).is_file()]
        folder = root / Path(required[0].path).parts[0] if required else root
        where = f"found in {folder}" if not missing else f"missing {', '.join(missing)}"
        rows.append((name, where, info.description))
    width = max(len(r[0]) for r in rows)
    for name, where, description in rows:
        print(f"  {name:<{width}}  {description}\n  {'':<{width}}  {where}")
    print("your own associations: give the path of a .csv / .tsv / .parquet (drug_id, disease_id, "
          "optional drug_name, disease_name) wherever a data set name is taken")
    return 0


def _cmd_benchmark(args: argparse.Namespace) -> int:
    from graphmed.datasets import load_dataset
    from graphmed.models import DEFAULT_MODEL, make_model
    from graphmed.results import make_record, save_records
    from graphmed.training import cross_validate

    model_name = args.model or DEFAULT_MODEL
    model_config = make_model(model_name).config()
    dataset = load_dataset(args.dataset, args.data_root)
    seeds = list(range(args.seed, args.seed + args.seeds))
    result = cross_validate(dataset, model_name, protocol=args.protocol, seeds=seeds,
                            n_folds=args.folds, progress=not args.no_progress,
                            threads=args.threads)
    record = make_record(dataset, model_name, model_config, result)
    print(f"{dataset.name}, protocol {result.protocol}, model {model_name}, seeds {seeds}, "
          f"{result.wall_time_s:.1f} s, peak {result.peak_rss_mb:.0f} MB")
    print(result.summary.to_markdown())
    if args.out:
        save_records(record, args.out)
        print(f"results written to {args.out}")
    return 0


def _at_least(minimum: int):
    def parse(text: str) -> int:
        value = int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value
    parse.__name__ = "integer"
    return parse


def _cmd_pretrain_smiles(args: argparse.Namespace) -> int:
    from graphmed.features.smiles_lm import pretrain_smiles_lm

    result = pretrain_smiles_lm(args.out, args.corpus, max_molecules=args.max_molecules,
                                epochs=args.epochs, hidden=args.hidden, layers=args.layers,
                                seed=args.seed, data_root=args.data_root,
                                datasets=tuple(args.datasets), progress=not args.no_progress)
    print(f"pretrained on {result.n_molecules} molecules in {result.wall_time_s:.1f} s "
          f"(seed {result.seed}, final loss {result.losses[-1]:.4f}); saved to {result.path}")
    return 0


def _cmd_repurpose(args: argparse.Namespace) -> int:
    import numpy as np
    import pandas as pd
    from tqdm.auto import tqdm

    from graphmed.datasets import list_datasets, load_dataset
    from graphmed.models import DEFAULT_MODEL
    from graphmed.repurpose import (PathExplainer, RepurposingModel, explain_candidates,
                                    fit_for_repurposing, rank_candidates, resolve)

    if args.new_disease is not None or args.new_drug is not None:
        return _repurpose_outside(args)
    if (args.disease is None) == (args.drug is None):
        raise GraphmedError("give exactly one of --disease NAME, --drug NAME, --new-disease TEXT "
                            "or --new-drug SMILES")
    if args.drug_name is not None:
        raise GraphmedError("--drug-name names the compound of --new-drug")
    if args.load and (args.model or args.seed is not None or args.save):
        raise GraphmedError("--load takes a fitted model: --model, --seed and --save do not apply")
    if args.load is None and args.dataset is None:
        raise GraphmedError("--dataset is needed (unless --load names a saved model)")
    if args.plot and not args.explain:
        raise GraphmedError("--plot draws an explanation: add --explain")
    for path in (args.out, args.predictions):
        if path:
            from graphmed.interop import check_table_path

            check_table_path(path)  # fail before fitting, not after
    progress = not args.no_progress
    steps = tqdm(total=4 if args.explain else 3, desc="repurpose", disable=not progress, leave=False)
    saved = None
    if args.load:
        steps.set_description(f"loading {args.load}")
        saved = RepurposingModel.load(args.load)
    steps.set_description("loading data")
    if args.dataset is None and saved.dataset_name not in list_datasets():
        raise GraphmedError(f"the saved model was fitted on {saved.dataset_name!r}, a table of "
                            "your own: give it with --dataset PATH")
    dataset = load_dataset(args.dataset or saved.dataset_name, args.data_root)
    steps.update()
    if saved is not None:
        saved.check_dataset(dataset, source=args.load)
    # an unknown disease or drug fails here, before a fit of half a minute
    resolve(dataset, "disease" if args.disease is not None else "drug",
            args.disease if args.disease is not None else args.drug)
    if saved is not None:
        model = saved
    else:
        name = args.model or DEFAULT_MODEL
        steps.set_description(f"fitting {name} on all known pairs")
        model = fit_for_repurposing(dataset, name, seed=args.seed, val_fraction=args.val_fraction,
                                    threads=args.threads)
    steps.update()
    steps.set_description("ranking")
    query = {"disease": args.disease} if args.disease is not None else {"drug": args.drug}
    table = rank_candidates(model, dataset, **query, top=args.top,
                            exclude_known=not args.include_known)
    steps.update()
    explanations = []
    if args.explain:
        steps.set_description("explaining")
        explainer = PathExplainer.from_model(model, dataset, top_k=args.top_k)
        explanations = explain_candidates(explainer, table, top=args.paths, rows=args.explain,
                                          progress=progress)
        steps.update()
    steps.close()
    if args.save:
        model.save(args.save)
    attrs = table.attrs
    kind = attrs["candidates"]
    origin = f"loaded from {args.load}" if args.load else f"fitted on all {dataset.n_associations} known pairs"
    query = attrs["id"] if attrs["name"] == attrs["id"] else f"{attrs['name']} ({attrs['id']})"
    print(f"{dataset.name}: {kind} candidates for {attrs['kind']} {query}; "
          f"model {model.name}, seed {model.seed}, {origin}; "
          f"{'known pairs included' if args.include_known else 'known pairs excluded'}")
    with pd.option_context("display.max_rows", None, "display.width", 200,
                           "display.max_colwidth", 60):
        print(table.to_string(index=False, formatters={"score": "{:.4f}".format}))
    for explanation in explanations:
        print()
        print(explanation)
    if args.plot and explanations:
        import matplotlib

        matplotlib.use("Agg")
        figure = explanations[0].plot(top=args.paths)
        figure.savefig(args.plot, dpi=120)
        print(f"\npath plot of {explanations[0].title} written to {args.plot}")
    if args.out:
        from graphmed.interop import write_table

        if explanations:
            top_path = {(e.drug["id"] if kind == "drug" else e.disease["id"]): e for e in explanations}
            table = table.assign(
                top_path=[top_path[i].paths["path"].iloc[0] if i in top_path and len(top_path[i].paths)
                          else None for i in table["id"]],
                top_path_share=[float(top_path[i].paths["contribution"].iloc[0])
                                if i in top_path and len(top_path[i].paths) else np.nan
                                for i in table["id"]])
        write_table(table, args.out)
        print(f"table written to {args.out}")
    if args.predictions:
        from graphmed.interop import write_predictions

        write_predictions(model, dataset, args.predictions, exclude_known=not args.include_known)
        print(f"scores of every {'' if args.include_known else 'unknown '}pair written to "
              f"{args.predictions}")
    if args.save:
        print(f"model saved to {args.save} (load it with --load {args.save})")
    return 0


def _repurpose_outside(args: argparse.Namespace) -> int:
    """``graphmed repurpose --new-disease TEXT`` / ``--new-drug SMILES``: candidates for an
    entity the data set does not hold."""
    import pandas as pd

    from graphmed.datasets import load_dataset
    from graphmed.repurpose import rank_for_new_disease, rank_for_new_drug
    from graphmed.threads import cpu_threads

    flag = "--new-disease" if args.new_disease is not None else "--new-drug"
    not_here = [name for name, value in (("--load", args.load), ("--save", args.save),
                                         ("--explain", args.explain),
                                         ("--predictions", args.predictions),
                                         ("--include-known", args.include_known),
                                         ("--plot", args.plot)) if value]
    if args.drug_name is not None and flag != "--new-drug":
        not_here.append("--drug-name")
    if args.model is not None and flag == "--new-drug":
        not_here.append("--model")
    if not_here:
        raise GraphmedError(f"{flag} fits a model for an entity outside the data set; "
                            f"{', '.join(not_here)} {'does' if len(not_here) == 1 else 'do'} not apply")
    if args.dataset is None:
        raise GraphmedError("--dataset is needed")
    if args.out:
        from graphmed.interop import check_table_path

        check_table_path(args.out)
    dataset = load_dataset(args.dataset, args.data_root)
    with cpu_threads(args.threads):
        if flag == "--new-disease":
            table = rank_for_new_disease(dataset, args.new_disease, model=args.model or "multimodal",
                                         top=args.top, seed=args.seed,
                                         val_fraction=args.val_fraction)
        else:
            table = rank_for_new_drug(dataset, args.new_drug, name=args.drug_name, top=args.top,
                                      seed=args.seed, val_fraction=args.val_fraction)
    attrs = table.attrs
    if flag == "--new-disease":
        print(f"{dataset.name}: drug candidates for a disease outside the data set, "
              f"{attrs['query']!r}, placed by its name alone (model {attrs['model']}, seed "
              f"{attrs['seed']}); the diseases with the closest names:")
    else:
        print(f"{dataset.name}: disease candidates for a compound outside the data set, "
              f"{attrs['query']!r}, placed by its structure alone (Morgan fingerprints, Kronecker "
              f"RLS, lambda {attrs['config']['best_lambda']:g}, seed {attrs['seed']}); the most "
              "similar drugs:")
    for entity_id, name, similarity in attrs["nearest"]:
        print(f"  {similarity:.3f}  {name} ({entity_id})")
    with pd.option_context("display.max_rows", None, "display.width", 200,
                           "display.max_colwidth", 60):
        print(table.to_string(index=False, formatters={"score": "{:.4f}".format}))
    if args.out:
        from graphmed.interop import write_table

        write_table(table, args.out)
        print(f"table written to {args.out}")
    return 0


#: EHR layouts of ``graphmed diagnose`` -> (loader in graphmed.ehr, default unit)
EHR_SOURCES = {"mimic4": ("load_mimic4", "admission"), "mimic3": ("load_mimic3", "admission"),
               "synthea": ("load_synthea", "patient")}


def _cmd_diagnose(args: argparse.Namespace) -> int:
    import pandas as pd

    import graphmed.ehr as ehr
    from graphmed.models.diagnosis import make_diagnosis_model
    from graphmed.tasks.diagnosis_prediction import predict_diagnoses

    if args.out:
        from graphmed.interop import check_table_path

        check_table_path(args.out)  # fail before fitting, not after
    make_diagnosis_model(args.model)  # an unknown model name fails before loading
    loader, default_unit = EHR_SOURCES[args.source]
    allowed = ("encounter", "patient") if args.source == "synthea" else ("admission", "patient")
    if args.unit is not None and args.unit not in allowed:
        raise GraphmedError(f"--unit for {args.source} must be {' or '.join(allowed)}, got {args.unit!r}")
    from tqdm.auto import tqdm

    from graphmed.threads import cpu_threads

    with tqdm(total=3, desc=f"reading the {args.source} tables", disable=args.no_progress,
              leave=False) as steps:  # closed on errors too, before the error line
        graph = getattr(ehr, loader)(args.root, unit=args.unit or default_unit,
                                     data_root=args.data_root).build()
        steps.update()
        if not args.no_text:
            steps.set_description("embedding code titles and drug names")
            graph = ehr.add_text_features(graph)
        steps.update()
        steps.set_description(f"fitting {args.model}")
        with cpu_threads(args.threads):
            result = predict_diagnoses(graph, args.model, args.units, seed=args.seed,
                                       val_fraction=args.val_fraction)
        steps.update()
    task, table = result.task, result.table
    print(f"{graph.name}: {task.test_units.size} {task.unit}(s) to diagnose; model {args.model}, "
          f"seed {result.seed}; fitted on {task.train_units.size} {task.unit}s of "
          f"{task.fold.train.size} patients, validated on {task.val_units.size} {task.unit}s of "
          f"{task.fold.val.size} patients (validation macro AUROC {result.validation_macro_auroc:.3f}, "
          f"which also chose the model's settings and the per-category thresholds of "
          f"'predicted'); {task.num_categories} categories")
    shown = table[table["rank"] <= args.top]
    units = shown["unit_id"].unique()
    with pd.option_context("display.max_rows", None, "display.width", 200,
                           "display.max_colwidth", 60):
        print(shown[shown["unit_id"].isin(units[:args.show])].to_string(
            index=False, formatters={k: "{:.3f}".format
                                     for k in ("probability", "prevalence", "threshold")}))
    if units.size > args.show:
        print(f"... {units.size - args.show} more {task.unit}(s); --out writes them all")
    if args.out:
        from graphmed.interop import write_table

        write_table(table, args.out)
        print(f"every category of every {task.unit} written to {args.out}")
    return 0


def _table_file(text: str) -> str:
    from graphmed.interop import TABLE_SUFFIXES

    if Path(text).suffix.lower() not in TABLE_SUFFIXES:
        raise argparse.ArgumentTypeError(f"{text!r} must end in {' or '.join(TABLE_SUFFIXES)}")
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="graphmed", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"graphmed {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", required=True)

    datasets = sub.add_parser("datasets", help="list the data sets and where each was found")
    datasets.add_argument("--data-root", help="data folder (default: $GRAPHMED_DATA or the per-user folder)")
    datasets.set_defaults(func=_cmd_datasets)

    bench = sub.add_parser("benchmark", help="cross-validate a model and write a results JSON")
    bench.add_argument("dataset", help="data set name, e.g. fdataset, cdataset, or your own "
                       "association table (.csv / .tsv / .parquet with drug_id, disease_id "
                       "columns and optional drug_name, disease_name)")
    bench.add_argument("--protocol", default="A", choices=["A", "B", "new-disease"],
                       help="evaluation protocol (default A: all unknown pairs are negatives)")
    bench.add_argument("--model", help="model name (default: the best model graphmed has)")
    bench.add_argument("--seeds", type=_at_least(1), default=3, help="number of seeds (default 3)")
    bench.add_argument("--seed", type=_at_least(0), default=0, help="first seed (default 0)")
    bench.add_argument("--folds", type=_at_least(2), default=10, help="number of folds (default 10)")
    bench.add_argument("--out", help="results JSON file to write")
    bench.add_argument("--data-root", help="data folder (default: $GRAPHMED_DATA or the per-user folder)")
    bench.add_argument("--no-progress", action="store_true", help="hide progress bars")
    bench.add_argument("--threads", type=_at_least(1), default=DEFAULT_THREADS,
                       help=THREADS_HELP)
    bench.set_defaults(func=_cmd_benchmark)

    rep = sub.add_parser("repurpose", help="rank drug candidates for a disease (or diseases for a "
                                           "drug), with the graph paths that explain them",
                         description="Fit a model on every known pair (or load a saved one), rank "
                                     "the candidates for a disease or a drug and explain them by "
                                     "named paths through the drug-disease graph; or rank them "
                                     "for a disease or a compound the data set does not hold, by "
                                     "its name (--new-disease) or its SMILES (--new-drug).")
    rep.add_argument("--dataset", help="data set name, e.g. fdataset, or your own association "
                                       "table (.csv / .tsv / .parquet: drug_id, disease_id, "
                                       "optional drug_name, disease_name); default with --load: "
                                       "the saved model's")
    which = rep.add_mutually_exclusive_group()
    which.add_argument("--disease", help="disease id or name (case, punctuation and partial names "
                                         "are forgiven)")
    which.add_argument("--drug", help="drug id or name: rank diseases for this drug")
    which.add_argument("--new-disease", metavar="TEXT",
                       help="name or short description of a disease the data set does not hold: "
                            "rank drugs for it by comparing its name with the data set's diseases")
    which.add_argument("--new-drug", metavar="SMILES",
                       help="structure of a compound the data set does not hold: rank diseases "
                            "for it by comparing its Morgan fingerprint with the data set's drugs")
    rep.add_argument("--drug-name", help="a name for the compound of --new-drug (default: its SMILES)")
    rep.add_argument("--top", type=_at_least(1), default=20, help="candidates to list (default 20)")
    rep.add_argument("--include-known", action="store_true",
                     help="list known associations too (marked known=True)")
    rep.add_argument("--explain", type=_at_least(1), nargs="?", const=3, metavar="N",
                     help="explain the first N candidates by graph paths (default N: 3)")
    rep.add_argument("--paths", type=_at_least(1), default=5,
                     help="paths shown per explained candidate (default 5)")
    rep.add_argument("--top-k", type=_at_least(1), default=15,
                     help="similarity neighbours per node in the explanation graph (default 15)")
    rep.add_argument("--plot", help="image file for the path plot of the first explained candidate")
    rep.add_argument("--model", help="model to fit (default: the best graphmed has, about half a "
                                     "minute on a CPU; kronrls or knn take a second; with "
                                     "--new-disease: multimodal or kronrls)")
    rep.add_argument("--seed", type=_at_least(0),
                     help="seed of the validation part and the model (default: drawn and printed)")
    rep.add_argument("--val-fraction", type=float, default=0.1,
                     help="share of pairs carved for the model's choices (default 0.1)")
    rep.add_argument("--save", help="write the fitted model to this checkpoint file")
    rep.add_argument("--load", help="use a model saved with --save instead of fitting one")
    rep.add_argument("--out", type=_table_file, help="write the table to a .csv or .parquet file")
    rep.add_argument("--predictions", type=_table_file,
                     help="write the score of every unknown pair (every pair with --include-known) "
                          "to a .csv or .parquet file")
    rep.add_argument("--data-root", help="data folder (default: $GRAPHMED_DATA or the per-user folder)")
    rep.add_argument("--no-progress", action="store_true", help="hide progress bars")
    rep.add_argument("--threads", type=_at_least(1), default=DEFAULT_THREADS, help=THREADS_HELP)
    rep.set_defaults(func=_cmd_repurpose)

    diag = sub.add_parser("diagnose", help="predict the diagnosis categories of admissions (or "
                                           "patients) that are not coded yet",
                          description="Build the EHR graph, fit a diagnosis model on the patients "
                                      "with diagnoses (a validation share chooses its settings) "
                                      "and list the most probable diagnosis categories (ICD-10 "
                                      "chapters; SNOMED tags for Synthea) of the units without "
                                      "diagnoses, or of the units named with --units.")
    diag.add_argument("source", choices=sorted(EHR_SOURCES), help="layout of the EHR tables")
    diag.add_argument("--root", help="folder of the export (default: the demo under the data root)")
    diag.add_argument("--unit", help="node diagnoses are attached to: admission or patient "
                                     "(MIMIC; default admission), encounter or patient (Synthea; "
                                     "default patient)")
    diag.add_argument("--units", nargs="+", metavar="ID",
                      help="ids of the units to diagnose (default: every unit without a diagnosis); "
                           "their own diagnoses, if any, are hidden from the model")
    diag.add_argument("--model", default="trans4dd",
                      help="diagnosis model (default trans4dd; logistic-bag-of-codes takes a second)")
    diag.add_argument("--top", type=_at_least(1), default=3, help="categories printed per unit (default 3)")
    diag.add_argument("--show", type=_at_least(1), default=10, help="units printed (default 10)")
    diag.add_argument("--seed", type=_at_least(0),
                      help="seed of the validation split and the model (default: drawn and printed)")
    diag.add_argument("--val-fraction", type=float, default=0.2,
                      help="share of the diagnosed patients kept for validation (default 0.2)")
    diag.add_argument("--no-text", action="store_true",
                      help="no text embeddings of code titles and drug names on the graph")
    diag.add_argument("--out", type=_table_file,
                      help="write every category of every unit to a .csv or .parquet file")
    diag.add_argument("--data-root", help="data folder (default: $GRAPHMED_DATA or the per-user folder)")
    diag.add_argument("--no-progress", action="store_true", help="hide progress bars")
    diag.add_argument("--threads", type=_at_least(1), default=DEFAULT_THREADS, help=THREADS_HELP)
    diag.set_defaults(func=_cmd_diagnose)

    smiles = sub.add_parser("pretrain-smiles",
                            help="pretrain a SMILES Transformer (masked language model) for drug features")
    smiles.add_argument("out", help="folder to save the model and tokenizer in")
    smiles.add_argument("--corpus", help="SMILES file (default: the data root's smiles_corpus)")
    smiles.add_argument("--max-molecules", type=int, default=50_000)
    smiles.add_argument("--epochs", type=int, default=1)
    smiles.add_argument("--hidden", type=int, default=256)
    smiles.add_argument("--layers", type=int, default=4)
    smiles.add_argument("--datasets", nargs="*", default=["fdataset", "cdataset"],
                        help="data sets whose drug SMILES join the corpus (default: fdataset cdataset)")
    smiles.add_argument("--seed", type=int, help="seed (default: drawn and printed)")
    smiles.add_argument("--data-root", help="data folder (default: $GRAPHMED_DATA or the per-user folder)")
    smiles.add_argument("--no-progress", action="store_true", help="hide progress bars")
    smiles.set_defaults(func=_cmd_pretrain_smiles)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except GraphmedError as exc:
        print(f"graphmed: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
