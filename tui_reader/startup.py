"""Start-up: the cyclic garbage collector waits until the first screen is painted.

Importing Textual and building the first screen allocate a few hundred thousand objects,
and the collector would walk them all several times over (about 50 ms on a 20,000-post
cache, a quarter of the start). Pausing it until the first paint, then freezing what
start-up built (``gc.freeze``: those objects are left out of later collections), makes the
start quicker and every later full collection cheaper. Reference counting frees objects
as usual throughout, frozen ones included; only reference cycles among them wait.
"""

from __future__ import annotations

import gc

_paused = False


def pause_collector() -> None:
    """Stop cyclic collection until :func:`resume_collector` (the reader's start only)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume_collector() -> None:
    """Freeze what start-up built and collect again (does nothing unless paused here)."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
