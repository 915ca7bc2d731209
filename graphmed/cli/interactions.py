"""``graphmed interactions``: the drugs a drug is most likely to interact with."""
from __future__ import annotations

import argparse

from graphmed.cli.common import (add_common_options, at_least, check_files, check_out, fraction,
                                  print_table, run_record, table_file, write_out)


def _cmd_interactions(args: argparse.Namespace) -> int:
    from tqdm.auto import tqdm

    from graphmed.datasets.interactions import load_interactions
    from graphmed.errors import GraphmedError
    from graphmed.repurpose.interactions import (InteractionModel, fit_interactions,
                                                 rank_interactions)
    from graphmed.repurpose.names import NameIndex
    from graphmed.threads import cpu_threads

    if args.load and (args.seed is not None or args.save):
        raise GraphmedError("--load takes a fitted model: --seed and --save do not apply")
    check_out(args.out)
    check_files(args.save)
    steps = tqdm(total=3, desc="loading interactions", disable=args.no_progress, leave=False)
    graph = load_interactions(args.graph, args.data_root)
    if graph.split is not None and args.seed is not None:
        raise GraphmedError(f"--seed draws a validation part; {graph.name} has an official "
                            "split, which chooses the setting (leave --seed out)")
    # an unknown drug fails here, before the fit
    NameIndex.from_table(graph.drugs, "drug").find(args.drug)
    steps.update()
    if args.load:
        steps.set_description(f"loading {args.load}")
        model = InteractionModel.load(args.load, graph)
    else:
        steps.set_description("choosing the setting on validation pairs, then fitting")
        with cpu_threads(args.threads):
            model = fit_interactions(graph, seed=args.seed, val_fraction=args.val_fraction,
                                     progress=not args.no_progress)
        if args.save:
            model.save(args.save)
    steps.update()
    table = rank_interactions(model, graph, args.drug, top=args.top,
                              exclude_known=not args.include_known)
    steps.update()
    steps.close()
    attrs = table.attrs
    query = attrs["id"] if attrs["name"] == attrs["id"] else f"{attrs['name']} ({attrs['id']})"
    a, b, tau = model.setting
    origin = "official validation split" if model.seed is None else f"validation seed {model.seed}"
    print(f"{graph.name}: interaction candidates for {query}; spectral model (a {a:g}, b {b:g}, "
          f"tau {tau:g}, chosen on the {origin}: Hits@20 {model.validation_hits:.3f}), fitted on "
          f"all {graph.n_interactions:,} known interactions; "
          f"known interactions {'included' if args.include_known else 'excluded'}")
    print_table(table, {"score": "{:.4f}"})
    if args.save:
        print(f"model saved to {args.save} (load it with --load {args.save})")
    if args.out:
        record = run_record("interactions", args, graph=graph.name,
                            graph_checksum=graph.checksum,
                            setting=dict(zip(("a", "b", "tau"), model.setting)), seed=model.seed,
                            validation_hits_at_20=model.validation_hits, loaded_from=args.load)
        write_out(table, args.out, record=record)
    return 0


def register(sub) -> None:
    """Add the ``interactions`` command to the sub-parsers ``sub``."""
    cmd = sub.add_parser("interactions", help="rank the drugs a drug is most likely to interact "
                                              "with",
                         description="Fit the spectral link model on a graph of known drug-drug "
                                     "interactions (ogbl-ddi, or a table of pairs of your own), "
                                     "its setting chosen on validation pairs, and rank the "
                                     "likely partners of a drug.")
    cmd.add_argument("--drug", required=True, help="drug id or name (ogbl-ddi: DrugBank id, or a "
                                                   "name where a data set under the root has it)")
    cmd.add_argument("--graph", default="ogbl-ddi",
                     help="ogbl-ddi (default), or a .csv / .tsv / .parquet table of known "
                          "interactions with columns drug_a, drug_b (optional drug_a_name, "
                          "drug_b_name)")
    cmd.add_argument("--top", type=at_least(1), default=20, help="candidates to list (default 20)")
    cmd.add_argument("--include-known", action="store_true",
                     help="list known interactions too (marked known=True)")
    cmd.add_argument("--seed", type=at_least(0),
                     help="seed of the validation part of a table (ogbl-ddi has an official one)")
    cmd.add_argument("--val-fraction", type=fraction, default=0.1,
                     help="share of a table's interactions held out to choose the setting "
                          "(default 0.1)")
    cmd.add_argument("--save", help="write the fitted model to this checkpoint file")
    cmd.add_argument("--load", help="use a model saved with --save (on the same graph) instead of "
                                    "fitting one")
    cmd.add_argument("--out", type=table_file, help="write the table to a .csv or .parquet file")
    add_common_options(cmd)
    cmd.set_defaults(func=_cmd_interactions)
