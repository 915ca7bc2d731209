"""Test-session setup shared by tests/ and notebooks/.

Tests and CI read benchmark data from ``../shared/data`` beside the repository unless
``GRAPHMED_DATA`` says otherwise; notebooks inherit the variable. Downloads are off.
"""
import os
from pathlib import Path

_SHARED = Path(__file__).resolve().parent.parent / "shared" / "data"
os.environ.setdefault("GRAPHMED_DATA", str(_SHARED))
os.environ.setdefault("GRAPHMED_OFFLINE", "1")
