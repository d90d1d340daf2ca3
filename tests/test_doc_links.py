"""The documentation travels with the code: every relative link of README.md, docs/**/*.md and
tests/data/README.md opens a file of the repository, every #anchor a heading of its target (GitHub's
rules), and no page sends the reader outside the repository: every Markdown file a page names is a file
of the repository, and no page names an absolute path of one machine or a folder above the repository."""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md")), ROOT / "tests" / "data" / "README.md"]

# [text](target) and ![alt](target), the target up to a space (an optional "title") or ")"
LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.MULTILINE)
FENCE = re.compile(r"^\s{0,3}(```|~~~).*?^\s{0,3}\1", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$", re.MULTILINE)
HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"", re.IGNORECASE)
# a Markdown file named in the text (linked or not); an absolute path of one machine; a relative path
MD_NAME = re.compile(r"(?<![\w/.-])((?:\.\./|\./)?[\w.-]+(?:/[\w.-]+)*\.md)\b")
MACHINE_PATH = re.compile(r"(?<![\w.])/(?:work|home|root|tmp|Users|mnt)/[\w.-]+")
CLIMB = re.compile(r"(?<![\w.])((?:\.\./)+)[\w.-]+")


def outside_mentions(page: Path, text: str) -> list[str]:
    """What a page names outside the repository: a Markdown file no folder of the repository holds (by
    its path from the page or from the root, or, for a bare name, anywhere), a machine's absolute
    path, a relative path climbing above the root."""
    known = {p.name for p in ROOT.rglob("*.md") if ".venv" not in p.parts}
    found = []
    for m in MD_NAME.finditer(text):
        name = m.group(1)
        if "/" in name:
            if not ((page.parent / name).resolve().exists() or (ROOT / name).exists()):
                found.append(name)
        elif name not in known:
            found.append(name)
    found += [m.group(0) for m in MACHINE_PATH.finditer(text)]
    for m in CLIMB.finditer(text):
        target = (page.parent / m.group(0)).resolve()
        if not target.is_relative_to(ROOT):
            found.append(m.group(0))
    return found


def without_code_blocks(text: str) -> str:
    """Fenced blocks hold commands and sample files, not links; keep the line count for messages."""
    return FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: the text as rendered (links to their text, code spans to their
    content, emphasis marks dropped), lower-cased; letters (Vietnamese ones kept, with their marks),
    digits, '-', '_' and spaces stay, every other character is dropped; each space becomes '-'."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = CODE_SPAN.sub(lambda m: m.group(2).replace("*", "\0"), text)
    text = re.sub(r"\*+|(?<!\w)_+|_+(?!\w)", "", text).replace("\0", "*")
    kept = "".join(c for c in text.lower()
                   if unicodedata.category(c)[0] in "LMN" or c in "-_ ")
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The anchors GitHub gives a page's headings: a repeated slug gets -1, -2, ..."""
    text = without_code_blocks(path.read_text(encoding="utf-8"))
    seen: dict[str, int] = {}
    found = set(HTML_ANCHOR.findall(text))
    for _, heading in HEADING.findall(text):
        base = slug(heading)
        n = seen.get(base, 0)
        found.add(base if n == 0 else f"{base}-{n}")
        seen[base] = n + 1
    return found


def links(path: Path) -> list[tuple[int, str]]:
    text = without_code_blocks(path.read_text(encoding="utf-8"))
    # a code span shows a link's syntax without making one
    text = CODE_SPAN.sub(lambda m: "\0" * len(m.group(0)) if "](" in m.group(0) else m.group(0), text)
    found = [(m.start(), m.group(1)) for m in LINK.finditer(text)]
    found += [(m.start(), m.group(1)) for m in REFERENCE.finditer(text)]
    return [(text.count("\n", 0, start) + 1, target) for start, target in sorted(found)]


def broken_links(path: Path) -> list[str]:
    """What is wrong with a page's relative links, one message each ('' = nothing)."""
    problems = []
    for line, target in links(path):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):   # http:, https:, mailto:
            continue
        where = f"{path.relative_to(ROOT)}:{line}: {target}"
        file_part, _, anchor = target.partition("#")
        resolved = (path.parent / unquote(file_part)).resolve() if file_part else path
        if file_part.startswith("/") or not resolved.is_relative_to(ROOT):
            problems.append(f"{where}: outside the repository")
        elif not resolved.exists():
            problems.append(f"{where}: no such file")
        elif anchor and resolved.suffix == ".md" and unquote(anchor) not in anchors(resolved):
            problems.append(f"{where}: no heading with anchor #{anchor}")
    return problems


def test_the_pages_are_found():
    names = {p.relative_to(ROOT).as_posix() for p in PAGES}
    assert {"README.md", "docs/domain.md", "docs/law.md", "docs/score_766.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves(page):
    assert broken_links(page) == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_page_sends_the_reader_outside_the_repository(page):
    assert outside_mentions(page, page.read_text(encoding="utf-8")) == []


def test_outside_mentions_are_found():
    page = ROOT / "docs" / "report.md"
    text = ("See [the notes](notes/gone.md), RULES_ELSEWHERE.md, /home/someone/file.csv and "
            "../../sibling/a.csv; [law](law.md) and docs/calendar.md are ours.")
    assert outside_mentions(page, text) == ["notes/gone.md", "RULES_ELSEWHERE.md", "/home/someone",
                                            "../../sibling"]


# ---- the checker itself, on pages written here ---------------------------------------------

def test_slugs_follow_githubs_rules():
    assert slug("What Decree 118/2025/NĐ-CP changed for measuring dossiers") == \
        "what-decree-1182025nđ-cp-changed-for-measuring-dossiers"
    assert slug("Lịch ngày làm việc chính thức (the official calendar of working days)") == \
        "lịch-ngày-làm-việc-chính-thức-the-official-calendar-of-working-days"
    assert slug("Registry KPIs ([`warehouse/metrics.py`](../warehouse/metrics.py))") == \
        "registry-kpis-warehousemetricspy"
    assert slug("Supplement requests: `supplement_count`, `original_due_at`") == \
        "supplement-requests-supplement_count-original_due_at"
    assert slug("Hồ sơ trễ hạn (late dossiers)") == "hồ-sơ-trễ-hạn-late-dossiers"
    assert slug("**Bold** and *em* – a dash") == "bold-and-em--a-dash"


def test_a_vietnamese_heading_is_a_target():
    """docs/calendar.md's heading is Vietnamese: its anchor keeps the letters and their marks."""
    assert "lịch-ngày-làm-việc-chính-thức-the-official-calendar-of-working-days" in \
        anchors(ROOT / "docs" / "calendar.md")


def test_the_checker_finds_what_is_broken(tmp_path, monkeypatch):
    """A page with a missing file, a missing anchor, a link out of the repository and good links:
    only the broken ones are reported (the checker can fail)."""
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "b.md").write_text("# Hồ sơ trễ hạn\n\n## Twice\n\n## Twice\n", encoding="utf-8")
    page = tmp_path / "docs" / "a.md"
    page.write_text(
        "# Title\n"
        "[ok](b.md) [ok](b.md#hồ-sơ-trễ-hạn) [ok](b.md#twice-1) [ok](#title) [web](https://example.org/x)\n"
        "[gone](missing.md) [bad](b.md#late-dossiers) [out](../../elsewhere.md)\n"
        "`[not a link](nowhere.md)`\n"
        "```\n[in a fence](nowhere.md)\n```\n",
        encoding="utf-8")
    assert broken_links(page) == [
        "docs/a.md:3: missing.md: no such file",
        "docs/a.md:3: b.md#late-dossiers: no heading with anchor #late-dossiers",
        "docs/a.md:3: ../../elsewhere.md: outside the repository",
    ]
