"""Command line: ``graphmed datasets``, ``graphmed benchmark``, ``graphmed pretrain-smiles``.

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
                            n_folds=args.folds, progress=not args.no_progress)
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="graphmed", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"graphmed {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", required=True)

    datasets = sub.add_parser("datasets", help="list the data sets and where each was found")
    datasets.add_argument("--data-root", help="data folder (default: $GRAPHMED_DATA or the per-user folder)")
    datasets.set_defaults(func=_cmd_datasets)

    bench = sub.add_parser("benchmark", help="cross-validate a model and write a results JSON")
    bench.add_argument("dataset", help="data set name, e.g. fdataset, cdataset")
    bench.add_argument("--protocol", default="A", choices=["A", "B", "new-disease"],
                       help="evaluation protocol (default A: all unknown pairs are negatives)")
    bench.add_argument("--model", help="model name (default: the best model graphmed has)")
    bench.add_argument("--seeds", type=_at_least(1), default=3, help="number of seeds (default 3)")
    bench.add_argument("--seed", type=_at_least(0), default=0, help="first seed (default 0)")
    bench.add_argument("--folds", type=_at_least(2), default=10, help="number of folds (default 10)")
    bench.add_argument("--out", help="results JSON file to write")
    bench.add_argument("--data-root", help="data folder (default: $GRAPHMED_DATA or the per-user folder)")
    bench.add_argument("--no-progress", action="store_true", help="hide progress bars")
    bench.set_defaults(func=_cmd_benchmark)

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
