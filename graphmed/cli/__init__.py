"""Command line: graphmed datasets, benchmark, repurpose, interactions, diagnose, pretrain-smiles.

Thin: parses arguments, calls the library, prints. Errors graphmed raises on purpose
are printed as one line (exit status 2); anything else is a bug and shows a traceback.
Each command lives in its own module, which adds its sub-parser (``register``).
"""
from __future__ import annotations

import argparse
import logging
import sys

from graphmed._version import __version__
from graphmed.cli import data, diagnose, interactions, pretrain, repurpose
from graphmed.errors import GraphmedError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="graphmed", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"graphmed {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in (data, repurpose, interactions, diagnose, pretrain):
        command.register(sub)
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
