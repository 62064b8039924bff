"""Process memory: fewer malloc arenas for the worker threads (infrastructure, Linux glibc).

glibc gives each thread that allocates its own arena (up to eight per core), and the threads
that run the model and the database each keep theirs half empty. Two arenas are enough for a
bot whose work happens in one event loop and a few workers: ``bench/e2e.py`` measured 245 MB
resident with the default and 233 MB with two. Elsewhere (musl, macOS) nothing is changed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)
M_ARENA_MAX = -8  # from glibc's malloc.h
ARENAS = 2


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas (call before threads start); False where there is no glibc."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    done = bool(mallopt(M_ARENA_MAX, arenas))
    if not done:
        log.debug("mallopt(M_ARENA_MAX) refused")
    return done
