"""The figure and table of docs/scale.md, from bench_scale.py's CSV files: how the build, its memory, the
slowest page query and the yearly report grow with the number of dossiers.

    .venv/bin/python bench/plot_scale.py            # writes docs/scale_growth.svg
    .venv/bin/python bench/plot_scale.py --table    # also prints the Markdown table of docs/scale.md

Reads bench/results/scale.csv (1, 10, 30 million) and, when it exists, bench/results/scale_100.csv
(10 and 100 million, a later run): a size in both is taken from the later file, and the caption says
which file each size comes from. The SVG is written by hand (no plotting library in the
requirements), with the same bytes for the same CSV files: no date, no random ids.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from warehouse import fmt  # noqa: E402  (the repository root is put on the path just above)

DEFAULT_INPUTS = (ROOT / "bench" / "results" / "scale.csv", ROOT / "bench" / "results" / "scale_100.csv")
DEFAULT_OUT = ROOT / "docs" / "scale_growth.svg"
MEMORY_LIMIT_MB = 8 * 1024
PAGE_TARGET_MS = 100.0
X_MIN, X_MAX = 1e6, 1e8
X_TICKS = (1, 3, 10, 30, 100)   # millions of dossiers

# (key, panel title, [(series key, legend, colour)], reference line (value, label) or None)
PANELS = (
    ("build_s", "Thời gian xây kho (giây)", [("build_s", "xây kho demo", "#1f5fa8")], None),
    ("memory", "Bộ nhớ đỉnh (MB)",
     [("build_mb", "khi xây kho", "#1f5fa8"), ("serve_mb", "khi phục vụ các trang", "#2e8b57")],
     (MEMORY_LIMIT_MB, "8 GB")),
    ("page", "p95 của truy vấn trang chậm nhất (ms)", [("worst_p95", "truy vấn chậm nhất", "#b03a2e")],
     (PAGE_TARGET_MS, "100 ms")),
    ("report", "Báo cáo năm, trung vị (ms)",
     [("report_ms", "báo cáo của chúng ta", "#1f5fa8"), ("bare_ms", "quét trần count(*)", "#7f7f7f")],
     None),
)


def _float(text: str | None) -> float | None:
    return float(text) if text not in (None, "", "None") else None


def figures(path: Path) -> dict[float, dict]:
    """One dict per size of a bench_scale.py CSV: dossiers, build seconds and peak MB, serving peak MB,
    the worst p95 of any page query (and which), the yearly report's and the bare scan's medians."""
    sizes: dict[float, dict] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            size = _float(row["size_millions"])
            if size is None:        # the CSV load rows have no size
                continue
            s = sizes.setdefault(size, {"size": size, "dossiers": None, "worst_p95": None})
            if row["dossiers"]:
                s["dossiers"] = int(row["dossiers"])
            section, item = row["section"], row["item"]
            if section == "build":
                s["build_s"], s["build_mb"] = _float(row["seconds"]), _float(row["peak_mb"])
            elif section == "serve":
                s["serve_mb"] = _float(row["peak_mb"])
            elif section == "page_query":
                p95 = _float(row["p95_ms"])
                if p95 is not None and (s["worst_p95"] is None or p95 > s["worst_p95"]):
                    s["worst_p95"], s["worst_item"], s["worst_page"] = p95, item, row["page"]
            elif section == "report":
                key = {"ours": "report_ms", "floor": "bare_ms", "PostgreSQL": "pg_ms"}[item.split(":")[0]]
                s[key] = _float(row["median_ms"])
    for s in sizes.values():
        s.setdefault("dossiers", None)
        s["dossiers"] = s["dossiers"] or round(s["size"] * 1e6)
    return sizes


def merged(paths) -> dict[float, dict]:
    """Every size of the files that exist; a later file (a later run) replaces an earlier one's size."""
    out: dict[float, dict] = {}
    for path in paths:
        if Path(path).exists():
            for size, s in figures(Path(path)).items():
                out[size] = s | {"source": Path(path).name}
    return dict(sorted(out.items()))


def _millions(size: float) -> str:
    return fmt.number(size, 0 if size == int(size) else 1)


def caption(data: dict[float, dict]) -> str:
    by_file: dict[str, list[str]] = {}
    for size, s in data.items():
        by_file.setdefault(s["source"], []).append(_millions(size))
    parts = [f"bench/results/{name}: {', '.join(sizes)} triệu" for name, sizes in by_file.items()]
    both = " (cỡ có ở cả hai tệp lấy từ lần chạy sau)" if len(parts) > 1 else ""
    return "Nguồn: " + "; ".join(parts) + both


def _nice_max(value: float) -> tuple[float, float]:
    """An axis top at or above value and its tick step: 1, 2 or 5 times a power of ten, 4 to 6 ticks."""
    if value <= 0:
        return 1.0, 0.25
    power = 10 ** math.floor(math.log10(value / 5))
    for mult in (1, 2, 5, 10):
        step = mult * power
        if value / step <= 5:
            return step * math.ceil(value / step - 1e-9), step
    return value, value / 5


def _label(value: float) -> str:
    return fmt.number(value, 1 if value < 100 else 0)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _panel(x0: float, y0: float, w: float, h: float, panel, data: dict[float, dict]) -> list[str]:
    key, title, series, ref = panel
    left, right, top, bottom = x0 + 62, x0 + w - 12, y0 + 30, y0 + h - 46
    values = [s.get(k) for s in data.values() for k, _, _ in series if s.get(k) is not None]
    top_value, step = _nice_max(max(values + ([ref[0] * 1.1] if ref else []) + [1e-9]))

    def px(dossiers: float) -> float:
        frac = (math.log10(dossiers) - math.log10(X_MIN)) / (math.log10(X_MAX) - math.log10(X_MIN))
        return round(left + frac * (right - left), 1)

    def py(value: float) -> float:
        return round(bottom - value / top_value * (bottom - top), 1)

    out = [f'<g data-panel="{key}">',
           f'<text x="{x0 + w / 2:.1f}" y="{y0 + 18}" class="title">{_esc(title)}</text>']
    ticks = [i * step for i in range(int(round(top_value / step)) + 1)]
    for t in ticks:
        out.append(f'<line x1="{left}" y1="{py(t)}" x2="{right}" y2="{py(t)}" class="grid"/>')
        tick = fmt.number(t, 0 if step >= 1 else 1)
        out.append(f'<text x="{left - 5}" y="{py(t) + 4}" class="ytick">{tick}</text>')
    for m in X_TICKS:
        out.append(f'<line x1="{px(m * 1e6)}" y1="{top}" x2="{px(m * 1e6)}" y2="{bottom}" class="grid"/>')
        out.append(f'<text x="{px(m * 1e6)}" y="{bottom + 15}" class="xtick">{fmt.number(m)}</text>')
    out.append(f'<rect x="{left}" y="{top}" width="{right - left:.1f}" height="{bottom - top:.1f}" '
               'class="frame"/>')
    out.append(f'<text x="{(left + right) / 2:.1f}" y="{bottom + 32}" class="xlabel">Số hồ sơ (triệu, '
               'thang log)</text>')
    if ref:
        out.append(f'<line x1="{left}" y1="{py(ref[0])}" x2="{right}" y2="{py(ref[0])}" class="ref" '
                   f'data-ref="{ref[1]}"/>')
        out.append(f'<text x="{right - 4}" y="{py(ref[0]) - 4}" class="reflabel">{ref[1]}</text>')
    for n, (skey, legend, colour) in enumerate(series):
        points = sorted((s["dossiers"], s[skey]) for s in data.values() if s.get(skey) is not None)
        coords = " ".join(f"{px(x)},{py(v)}" for x, v in points)
        out.append(f'<polyline data-series="{skey}" points="{coords}" stroke="{colour}" class="line"/>')
        for x, v in points:
            out.append(f'<circle cx="{px(x)}" cy="{py(v)}" r="3" fill="{colour}"/>')
            out.append(f'<text x="{px(x) + 5}" y="{py(v) - 6 + 12 * n}" class="value" fill="{colour}">'
                       f'{_label(v)}</text>')
        ly = top + 12 + 14 * n
        out.append(f'<line x1="{left + 8}" y1="{ly - 4}" x2="{left + 24}" y2="{ly - 4}" stroke="{colour}" '
                   'class="line"/>')
        out.append(f'<text x="{left + 28}" y="{ly}" class="legend">{_esc(legend)}</text>')
    out.append("</g>")
    return out


def svg(data: dict[float, dict]) -> str:
    width, height, pw, ph = 860, 600, 430, 280
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="11">',
           "<style>.title{font-weight:bold;font-size:13px;text-anchor:middle}"
           ".ytick{text-anchor:end}.xtick{text-anchor:middle}.xlabel{text-anchor:middle}"
           ".grid{stroke:#e3e3e3}.frame{fill:none;stroke:#888}.line{fill:none;stroke-width:2}"
           ".ref{stroke:#c00;stroke-dasharray:6 4}.reflabel{fill:#c00;text-anchor:end}"
           ".value{font-size:10px}.caption{fill:#444}</style>",
           f'<rect width="{width}" height="{height}" fill="white"/>']
    for i, panel in enumerate(PANELS):
        out += _panel((i % 2) * pw, (i // 2) * ph, pw, ph, panel, data)
    out.append(f'<text x="10" y="{height - 14}" class="caption">{_esc(caption(data))}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _cell(value, digits: int = 1, missing: str = "(100 M: run in progress)") -> str:
    return missing if value is None else fmt.number(value, digits)


def table(data: dict[float, dict]) -> str:
    """The Markdown table of docs/scale.md: one row per size, 100 M marked when it has not run."""
    head = ("| size | dossiers | build s | build peak MB | serve peak MB | slowest page query p95 ms "
            "(query, page) | yearly report ms | bare scan ms | report / bare scan | source |")
    lines = [head, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    rows = dict(data)
    if 100.0 not in rows:
        rows[100.0] = {"size": 100.0, "source": "—"}
    for size, s in rows.items():
        if s.get("dossiers") is None:
            lines.append(f"| {_millions(size)} M |" + " (100 M: run in progress) |" + " … |" * 7 + " — |")
            continue
        worst = (f"{_cell(s.get('worst_p95'))} ({s['worst_item'].split(' ')[0]}, {s['worst_page']})"
                 if s.get("worst_p95") is not None else _cell(None))
        ratio = (fmt.number(s["report_ms"] / s["bare_ms"], 1) + "×"
                 if s.get("report_ms") and s.get("bare_ms") else "—")
        lines.append(f"| {_millions(size)} M | {fmt.number(s['dossiers'])} | {_cell(s.get('build_s'))} | "
                     f"{_cell(s.get('build_mb'), 0)} | {_cell(s.get('serve_mb'), 0)} | {worst} | "
                     f"{_cell(s.get('report_ms'))} | {_cell(s.get('bare_ms'))} | {ratio} | {s['source']} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inputs", nargs="+", type=Path, default=list(DEFAULT_INPUTS),
                    help="bench_scale.py CSV files, oldest run first (a later file wins for a size)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--table", action="store_true", help="print the Markdown table of docs/scale.md")
    args = ap.parse_args(argv)
    data = merged(args.inputs)
    if not data:
        ap.error("none of the input files exists")
    args.out.write_text(svg(data), encoding="utf-8", newline="\n")
    if args.table:
        print(table(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
