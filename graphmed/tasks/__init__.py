"""What is learned: the graph a model may see, its negatives, loss and validation metric."""
from graphmed.tasks.link_prediction import EDGE_TYPES, FEATURES, LinkTask, build_link_task

__all__ = ["EDGE_TYPES", "FEATURES", "LinkTask", "build_link_task"]
