"""graphmed: graph learning for drug repositioning and diagnosis.

Importing graphmed has no side effects: no seeding, no logging setup, no downloads.
Subpackages are imported on first use.
"""
from graphmed._version import __version__

__all__ = ["__version__"]
