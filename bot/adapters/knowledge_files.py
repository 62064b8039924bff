"""The knowledge base's files on disk, for edits: find an entry's file, read it, replace it
atomically (a temporary file in the same folder, then ``os.replace``), so that a reader — the
running bot, the file watch — sees the old file or the new one, never half of one.

A file or folder without any write permission bit counts as read-only even for root: whoever
installed the knowledge base that way meant the bot not to change it.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

import yaml

from bot.core.knowledge import ENTRY_SUFFIXES

_WRITE_BITS = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH


class KnowledgeFolder:
    """Reads and replaces files of a knowledge base folder."""

    def entry_file(self, directory: Path, entry_id: str) -> Path | None:
        """The file of entry *entry_id*: ``entries/<id>.yaml`` (or ``.yml``), else the entry
        file whose ``id:`` it is; None if there is none."""
        folder = directory / "entries"
        for suffix in ENTRY_SUFFIXES:
            path = folder / f"{entry_id}{suffix}"
            if path.is_file():
                return path
        if not folder.is_dir():
            return None
        for path in sorted(folder.iterdir()):
            if path.suffix not in ENTRY_SUFFIXES:
                continue
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                continue
            if isinstance(data, dict) and data.get("id") == entry_id:
                return path
        return None

    def read(self, path: Path) -> str:
        """The file's text, byte for byte (line endings as they are)."""
        with path.open(encoding="utf-8", newline="") as file:
            return file.read()

    def writable(self, path: Path) -> bool:
        """May the file be replaced: it and its folder have write permission (bits and
        access)?"""
        folder = path.parent
        try:
            modes = (path.stat().st_mode, folder.stat().st_mode)
        except OSError:
            return False
        if not all(mode & _WRITE_BITS for mode in modes):
            return False
        return os.access(path, os.W_OK) and os.access(folder, os.W_OK)

    def replace(self, path: Path, text: str) -> None:
        """Write *text* to a temporary file beside *path*, flush it to disk, give it the
        file's permissions, then put it in place in one step; raises ``OSError`` (and leaves
        the file as it was) when the system refuses."""
        mode = stat.S_IMODE(path.stat().st_mode)
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temporary, mode)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        with contextlib.suppress(OSError):  # the rename itself durable, where the system can
            directory = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
