"""Render a workbook the way an office sees it: Debian's LibreOffice converts it to PDF (its own
layout, fonts and number formats), pdftotext reads the printed text back, pdfinfo the page sizes.

./test.sh installs LibreOffice when it is missing; without it the tests that need it are skipped
with that reason (never passed silently)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")
PDFINFO = shutil.which("pdfinfo")

requires_office = pytest.mark.skipif(
    not (SOFFICE and PDFTOTEXT and PDFINFO),
    reason="LibreOffice (soffice) or poppler-utils (pdftotext, pdfinfo) is not installed; "
           "./test.sh installs Debian's libreoffice-calc and poppler-utils")

# A4 in PDF points (1/72 inch): 210 x 297 mm
A4_SHORT, A4_LONG = 595.28, 841.89


def render(xlsx: Path, out_dir: Path) -> tuple[str, list[tuple[float, float]]]:
    """(the PDF's text laid out as printed, every page's (width, height) in points)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    # a profile of its own: parallel or earlier LibreOffice runs never lock or alter this one
    profile = (out_dir / "lo_profile").resolve().as_uri()
    subprocess.run([SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out_dir), str(xlsx)], check=True, capture_output=True, timeout=300)
    pdf = out_dir / (xlsx.stem + ".pdf")
    assert pdf.exists(), f"LibreOffice wrote no PDF for {xlsx}"
    text = subprocess.run([PDFTOTEXT, "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    info = subprocess.run([PDFINFO, "-f", "1", "-l", "100000", str(pdf)], check=True, capture_output=True,
                          text=True).stdout
    sizes = [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]
    return text, sizes


def is_a4_landscape(size: tuple[float, float]) -> bool:
    width, height = size
    return abs(width - A4_LONG) < 1.5 and abs(height - A4_SHORT) < 1.5


def words(text: str) -> set[str]:
    """Every whitespace-separated token of the printed text."""
    return set(text.split())
