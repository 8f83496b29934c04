"""``python -m tui_reader``."""

import sys

from .cli import main

if __name__ == "__main__":  # not when a helper process (render_pool) imports the main module
    sys.exit(main())
