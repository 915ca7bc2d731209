"""``python -m graphmed.cli``."""
import sys

from graphmed.cli import main

sys.exit(main())
