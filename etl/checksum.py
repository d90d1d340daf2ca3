"""A file's SHA-256, read in 1 MiB blocks: the loader's fingerprint (load_log.file_sha256), the watcher's
"already loaded" test and the backup manifest all use this one."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
