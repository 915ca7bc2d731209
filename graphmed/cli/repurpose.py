"""``graphmed repurpose``: ranked candidates, their explanations, and candidates for a disease
or a compound outside the data set."""
from __future__ import annotations

import argparse

from graphmed.cli.common import (add_common_options, add_set_option, at_least, build_model,
                                 check_files, check_image, check_out, fraction, load_drug_disease,
                                 model_settings, print_table, record_path, run_record,
                                 save_figure, table_file, write_out)
from graphmed.errors import GraphmedError


def _cmd_repurpose(args: argparse.Namespace) -> int:
    import numpy as np
    from tqdm.auto import tqdm

    from graphmed.datasets import list_datasets
    from graphmed.models import DEFAULT_MODEL, make_model
    from graphmed.repurpose import (PathExplainer, RepurposingModel, explain_candidates,
                                    fit_for_repurposing, mark_known_in, rank_candidates, resolve)

    if args.new_disease is not None or args.new_drug is not None:
        return _repurpose_outside(args)
    if (args.disease is None) == (args.drug is None):
        raise GraphmedError("give exactly one of --disease NAME, --drug NAME, --new-disease TEXT "
                            "or --new-drug SMILES")
    if args.drug_name is not None:
        raise GraphmedError("--drug-name names the compound of --new-drug")
    if args.load and (args.model or args.seed is not None or args.save or args.settings):
        raise GraphmedError("--load takes a fitted model: --model, --seed, --set and --save do "
                            "not apply")
    if args.load is None and args.dataset is None:
        raise GraphmedError("--dataset is needed (unless --load names a saved model)")
    if args.plot and not args.explain:
        raise GraphmedError("--plot draws an explanation: add --explain")
    check_out(args.out, args.predictions)
    check_files(args.save)
    check_image(args.plot)
    name, scorer = args.model or DEFAULT_MODEL, None
    if args.load is None:  # an unknown model name or setting fails before loading
        scorer = build_model(make_model, name, model_settings(args.settings))
    progress = not args.no_progress
    steps = tqdm(total=4 if args.explain else 3, desc="repurpose", disable=not progress, leave=False)
    other = (load_drug_disease(args.confirm_with, args.data_root, "--confirm-with")
             if args.confirm_with else None)
    saved = None
    if args.load:
        steps.set_description(f"loading {args.load}")
        saved = RepurposingModel.load(args.load)
    steps.set_description("loading data")
    if args.dataset is None and saved.dataset_name not in list_datasets():
        raise GraphmedError(f"the saved model was fitted on {saved.dataset_name!r}, a table of "
                            "your own: give it with --dataset PATH")
    dataset = load_drug_disease(args.dataset or saved.dataset_name, args.data_root)
    steps.update()
    if saved is not None:
        saved.check_dataset(dataset, source=args.load)
    if other is not None:
        from graphmed.evaluation import shared_entities

        shared_entities(dataset, other)  # no shared ids fails here, before the fit
    # an unknown disease or drug fails here, before a fit of half a minute
    resolve(dataset, "disease" if args.disease is not None else "drug",
            args.disease if args.disease is not None else args.drug)
    if saved is not None:
        model = saved
    else:
        steps.set_description(f"fitting {name} on all known pairs")
        model = fit_for_repurposing(dataset, scorer, seed=args.seed,
                                    val_fraction=args.val_fraction, threads=args.threads)
    steps.update()
    steps.set_description("ranking")
    query = {"disease": args.disease} if args.disease is not None else {"drug": args.drug}
    table = rank_candidates(model, dataset, **query, top=args.top,
                            exclude_known=not args.include_known)
    if other is not None:
        table = mark_known_in(table, other)
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
    if other is not None:
        print(f"in_{other.name}: the pair is a known association of {other.name} (<NA>: "
              f"{other.name} does not hold the drug or the {dataset.disease_kind})")
    print_table(table, {"score": "{:.4f}"})
    for explanation in explanations:
        print()
        print(explanation)
    if args.plot and explanations:
        import matplotlib

        matplotlib.use("Agg")
        save_figure(explanations[0].plot(top=args.paths), args.plot)
        print(f"\npath plot of {explanations[0].title} written to {args.plot}")
    record = None
    if args.out or args.predictions:
        record = run_record("repurpose", args, dataset=dataset.name,
                            data_checksum=dataset.checksum, model=model.name,
                            config=model.config(), seed=model.seed, loaded_from=args.load)
    if args.out:
        if explanations:
            top_path = {(e.drug["id"] if kind == "drug" else e.disease["id"]): e for e in explanations}
            table = table.assign(
                top_path=[top_path[i].paths["path"].iloc[0] if i in top_path and len(top_path[i].paths)
                          else None for i in table["id"]],
                top_path_share=[float(top_path[i].paths["contribution"].iloc[0])
                                if i in top_path and len(top_path[i].paths) else np.nan
                                for i in table["id"]])
        write_out(table, args.out, record=record)
    if args.predictions:
        from graphmed.interop import write_predictions
        from graphmed.io import atomic_write_json

        write_predictions(model, dataset, args.predictions, exclude_known=not args.include_known)
        atomic_write_json(record_path(args.predictions), record)
        print(f"scores of every {'' if args.include_known else 'unknown '}pair written to "
              f"{args.predictions} (seed, settings and data checksum in "
              f"{record_path(args.predictions)})")
    if args.save:
        print(f"model saved to {args.save} (load it with --load {args.save})")
    return 0


def _repurpose_outside(args: argparse.Namespace) -> int:
    """``graphmed repurpose --new-disease TEXT`` / ``--new-drug SMILES``: candidates for an
    entity the data set does not hold."""
    from graphmed.repurpose import rank_for_new_disease, rank_for_new_drug
    from graphmed.threads import cpu_threads

    flag = "--new-disease" if args.new_disease is not None else "--new-drug"
    not_here = [name for name, value in (("--load", args.load), ("--save", args.save),
                                         ("--explain", args.explain),
                                         ("--predictions", args.predictions),
                                         ("--include-known", args.include_known),
                                         ("--plot", args.plot),
                                         ("--confirm-with", args.confirm_with),
                                         ("--set", args.settings)) if value]
    if args.drug_name is not None and flag != "--new-drug":
        not_here.append("--drug-name")
    if args.model is not None and flag == "--new-drug":
        not_here.append("--model")
    if not_here:
        raise GraphmedError(f"{flag} fits a model for an entity outside the data set; "
                            f"{', '.join(not_here)} {'does' if len(not_here) == 1 else 'do'} not apply")
    if args.dataset is None:
        raise GraphmedError("--dataset is needed")
    check_out(args.out)
    dataset = load_drug_disease(args.dataset, args.data_root)
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
    print_table(table, {"score": "{:.4f}"})
    if args.out:
        record = run_record("repurpose", args, dataset=dataset.name,
                            data_checksum=dataset.checksum, model=attrs.get("model", "kronrls"),
                            seed=attrs["seed"])
        write_out(table, args.out, record=record)
    return 0


def register(sub) -> None:
    """Add the ``repurpose`` command to the sub-parsers ``sub``."""
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
    rep.add_argument("--top", type=at_least(1), default=20, help="candidates to list (default 20)")
    rep.add_argument("--include-known", action="store_true",
                     help="list known associations too (marked known=True)")
    rep.add_argument("--explain", type=at_least(1), nargs="?", const=3, metavar="N",
                     help="explain the first N candidates by graph paths (default N: 3)")
    rep.add_argument("--paths", type=at_least(1), default=5,
                     help="paths shown per explained candidate (default 5)")
    rep.add_argument("--top-k", type=at_least(1), default=15,
                     help="similarity neighbours per node in the explanation graph (default 15)")
    rep.add_argument("--plot", help="image file for the path plot of the first explained candidate")
    rep.add_argument("--model", help="model to fit (default: the best graphmed has, about half a "
                                     "minute on a CPU; kronrls or knn take a second; with "
                                     "--new-disease: multimodal or kronrls)")
    rep.add_argument("--seed", type=at_least(0),
                     help="seed of the validation part and the model (default: drawn and printed)")
    rep.add_argument("--val-fraction", type=fraction, default=0.1,
                     help="share of pairs carved for the model's choices (default 0.1)")
    rep.add_argument("--save", help="write the fitted model to this checkpoint file")
    rep.add_argument("--load", help="use a model saved with --save instead of fitting one")
    rep.add_argument("--out", type=table_file, help="write the table to a .csv or .parquet file")
    rep.add_argument("--confirm-with", metavar="DATASET",
                     help="another data set with the same drug and disease ids (e.g. cdataset "
                          "for fdataset): mark each candidate pair it lists")
    rep.add_argument("--predictions", type=table_file,
                     help="write the score of every unknown pair (every pair with --include-known) "
                          "to a .csv or .parquet file")
    add_set_option(rep)
    add_common_options(rep)
    rep.set_defaults(func=_cmd_repurpose)
