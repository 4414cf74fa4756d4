"""``python -m tutorial.cli``: the same as ``uv run tutorial``."""

import sys

from tutorial.cli import main

sys.exit(main())
