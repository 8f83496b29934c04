"""``python -m tui_reader`` and the ``tui-reader`` command.

The cyclic garbage collector is paused before the command line's own modules are imported
(see :mod:`tui_reader.startup`): the reader resumes it once its first screen is painted, any
other command as soon as its arguments are read.
"""

import sys


def main() -> int:
    """Run the command line; returns the exit status."""
    from .startup import pause_collector

    pause_collector()
    from .cli import main as run

    return run()


if __name__ == "__main__":  # not when a helper process (render_pool) imports the main module
    sys.exit(main())
