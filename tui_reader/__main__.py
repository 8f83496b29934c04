"""``python -m tui_reader``."""

import sys

from .cli import main

sys.exit(main())
