"""Evaluation protocols as code: seeded, saved and reloadable folds."""
from graphmed.splits.fold import Fold, TrainPart
from graphmed.splits.protocols import PROTOCOLS, make_folds, new_disease, protocol_a, protocol_b
from graphmed.splits.storage import load_folds, save_folds

__all__ = ["PROTOCOLS", "Fold", "TrainPart", "load_folds", "make_folds", "new_disease", "protocol_a",
           "protocol_b", "save_folds"]
