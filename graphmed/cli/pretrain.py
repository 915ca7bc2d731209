"""``graphmed pretrain-smiles``."""
from __future__ import annotations

import argparse

from graphmed.cli.common import add_common_options, at_least


def _cmd_pretrain_smiles(args: argparse.Namespace) -> int:
    from graphmed.features.smiles_lm import pretrain_smiles_lm

    result = pretrain_smiles_lm(args.out, args.corpus, max_molecules=args.max_molecules,
                                epochs=args.epochs, hidden=args.hidden, layers=args.layers,
                                seed=args.seed, data_root=args.data_root,
                                datasets=tuple(args.datasets), num_threads=args.threads,
                                progress=not args.no_progress)
    print(f"pretrained on {result.n_molecules} molecules in {result.wall_time_s:.1f} s "
          f"(seed {result.seed}, final loss {result.losses[-1]:.4f}); saved to {result.path}")
    return 0


def register(sub) -> None:
    """Add the ``pretrain-smiles`` command to the sub-parsers ``sub``."""
    smiles = sub.add_parser("pretrain-smiles",
                            help="pretrain a SMILES Transformer (masked language model) for drug features")
    smiles.add_argument("out", help="folder to save the model and tokenizer in")
    smiles.add_argument("--corpus", help="SMILES file (default: the data root's smiles_corpus)")
    smiles.add_argument("--max-molecules", type=at_least(1), default=50_000)
    smiles.add_argument("--epochs", type=at_least(1), default=1)
    smiles.add_argument("--hidden", type=at_least(1), default=256)
    smiles.add_argument("--layers", type=at_least(1), default=4)
    smiles.add_argument("--datasets", nargs="*", default=["fdataset", "cdataset"],
                        help="data sets whose drug SMILES join the corpus (default: fdataset cdataset)")
    smiles.add_argument("--seed", type=at_least(0), help="seed (default: drawn and printed)")
    smiles.add_argument("--threads", type=at_least(1),
                        help="CPU threads for pretraining (default: torch's, usually every core; "
                             "on a CPU shared with other work one thread can be faster)")
    add_common_options(smiles, threads=False)
    smiles.set_defaults(func=_cmd_pretrain_smiles)
