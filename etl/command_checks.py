"""What every exporting command checks before it reads the warehouse (etl late, etl score766)."""

from __future__ import annotations

import sys
from pathlib import Path

from warehouse import store


def refuse(directory: Path, fmt: str, output: Path | None) -> bool:
    """True, with the reason on standard error, when the command cannot run: an xlsx with nowhere to
    go, or no warehouse in the directory."""
    if fmt == "xlsx" and output is None:
        print("--format xlsx writes a file: give --output FILE", file=sys.stderr)
        return True
    if store.current_path(directory) is None:
        print(f"no warehouse in {directory} (run: python -m etl demo --warehouse {directory})",
              file=sys.stderr)
        return True
    return False
