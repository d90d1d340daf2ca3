"""The one-page A4 brief for the chairman (docs/report.md): headline figures, targets met and
missed, the weakest agencies and fields, and the drafted paragraph, from `warehouse.narrative.Figures`.

`document()` is a self-contained HTML file (inline CSS and one inline script; no font, image or script
fetched) that prints on one A4 page; `fragment()` is the same sheet for showing on the page (its CSS
scoped to the sheet, no script). Every text from the data is HTML-escaped.
"""

from __future__ import annotations

from html import escape

from warehouse import fmt, narrative
from warehouse.narrative import RATE, Figures

TITLE = "BẢN TÓM TẮT TÌNH HÌNH GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"

# scoped to .a4-brief so that it can sit inside the app's page without restyling it. Text sizes are
# in em of the sheet's font size (11pt), so that FIT_SCRIPT can shrink the whole sheet at once.
BASE_PT = 11
_CSS = """
.a4-brief { font-family: "Times New Roman", "Liberation Serif", "DejaVu Serif", serif; line-height: 1.3;
  color: #111; background: #fff; box-sizing: border-box; width: 180mm; }
.a4-brief * { box-sizing: border-box; }
.a4-brief .top { display: flex; justify-content: space-between; font-size: 0.91em; }
.a4-brief .top b { text-transform: uppercase; }
.a4-brief h1 { font-size: 1.23em; text-align: center; margin: 0.9em 0 0.2em; letter-spacing: 0.02em; }
.a4-brief .sub { text-align: center; font-style: italic; margin: 0 0 0.6em; }
.a4-brief h2 { font-size: 1.05em; margin: 0.7em 0 0.3em; }
.a4-brief .cards { display: flex; gap: 2mm; }
.a4-brief .card { flex: 1; border: 0.3mm solid #94a3b8; border-radius: 1.5mm; padding: 0.3em 0.5em; }
.a4-brief .card .v { font-size: 1.36em; font-weight: bold; font-variant-numeric: tabular-nums; }
.a4-brief .card .l { font-size: 0.86em; }
.a4-brief .card .d { font-size: 0.82em; color: #334155; }
.a4-brief table { border-collapse: collapse; width: 100%; font-size: 0.91em; table-layout: fixed; }
.a4-brief th, .a4-brief td { border: 0.25mm solid #94a3b8; padding: 0.15em 0.4em; vertical-align: top; }
.a4-brief th { background: #eef2f7; text-align: center; font-weight: bold; }
.a4-brief td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.a4-brief td.ok { color: #0a7d32; font-weight: bold; text-align: center; }
.a4-brief td.bad { color: #b3261e; font-weight: bold; text-align: center; }
.a4-brief td.na { color: #475569; text-align: center; }
.a4-brief .two { display: flex; gap: 4mm; }
.a4-brief .two > section { flex: 1; min-width: 0; }
.a4-brief p.text { text-align: justify; margin: 0; }
.a4-brief p.none { margin: 0; font-style: italic; }
.a4-brief .foot { margin-top: 0.8em; font-size: 0.77em; color: #475569; border-top: 0.25mm solid #cbd5e1;
  padding-top: 0.2em; }
.a4-brief section { break-inside: avoid; }
"""

# the printable area: A4 (297 mm) less the two 15 mm margins, less 3 mm for rounding
PRINTABLE_MM = 264
_PAGE_CSS = """
@page { size: A4; margin: 15mm; }
html, body { margin: 0; padding: 0; background: #fff; }
@media screen { body { background: #e5e7eb; padding: 10mm 0; }
  .a4-brief { margin: 0 auto; padding: 15mm; width: 210mm; min-height: 297mm; box-shadow: 0 0 3mm #9ca3af; }
  .a4-brief > .fit { width: 180mm; } }
"""

# Unusually long content (every KPI with a target, long names) would run onto a second sheet: shrink
# the sheet's font size in half-points until its content fits the printable area. Inline, no network.
FIT_SCRIPT = f"""
(function () {{
  var sheet = document.querySelector('.a4-brief'), box = sheet.querySelector('.fit');
  var limit = {PRINTABLE_MM} * 96 / 25.4;
  function fit() {{
    var size = {BASE_PT};
    sheet.style.fontSize = size + 'pt';
    while (box.getBoundingClientRect().height > limit && size > 7) {{
      size -= 0.5;
      sheet.style.fontSize = size + 'pt';
    }}
  }}
  fit();
  window.addEventListener('beforeprint', fit);
}})();
"""

_SCREEN_FRAME = """
.a4-brief.on-screen { padding: 12mm 15mm; width: 210mm; max-width: 100%; border: 1px solid #cbd5e1;
  box-shadow: 0 2px 8px rgba(0,0,0,.12); }
"""


def _card(value: str, label: str, detail: str = "") -> str:
    extra = f"<div class='d'>{escape(detail)}</div>" if detail else ""
    return (f"<div class='card'><div class='v'>{escape(value)}</div><div class='l'>{escape(label)}</div>"
            f"{extra}</div>")


def _cards(fig: Figures) -> str:
    t = fig.totals
    return "<div class='cards'>" + "".join([
        _card(fmt.number(fig.received), "hồ sơ tiếp nhận",
              f"chuyển qua {fmt.number(t['carried_over'])}, mới {fmt.number(t['received_new'])}"),
        _card(fmt.number(t["finished"]), "hồ sơ đã giải quyết",
              f"đúng và trước hạn {fmt.number(fig.on_time)}"),
        _card(fmt.percent(fig.rate), "tỷ lệ đúng và trước hạn",
              f"{fmt.points(fig.rate_change)} so với kỳ trước" if fig.rate_change is not None else ""),
        _card(fmt.number(t["finished_late"]), "hồ sơ giải quyết trễ hạn"),
        _card(fmt.number(t["in_progress_overdue"]), "hồ sơ đang giải quyết quá hạn",
              f"trên {fmt.number(t['in_progress'])} đang giải quyết"),
    ]) + "</div>"


def _table(head: list[tuple[str, str]], rows: list[list[tuple[str, str]]]) -> str:
    """head: (label, width); rows: (text, css class) cells."""
    cols = "".join(f"<col style='width:{w}'>" for _, w in head)
    th = "".join(f"<th>{escape(label)}</th>" for label, _ in head)
    body = "".join("<tr>" + "".join(f"<td class='{c}'>{escape(v)}</td>" for v, c in row) + "</tr>"
                   for row in rows)
    return f"<table><colgroup>{cols}</colgroup><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _targets(fig: Figures) -> str:
    if not fig.targets:
        return f"<p class='none'>Năm {fig.year} chưa có chỉ tiêu kế hoạch.</p>"
    verdict = {True: ("Đạt", "ok"), False: ("Chưa đạt", "bad"), None: ("Chưa có số liệu", "na")}
    rows = [[(c.label, ""), (c.value_text, "n"), (c.target_text, "n"), verdict[c.met]] for c in fig.targets]
    return _table([("Chỉ tiêu", "52%"), ("Kết quả trong kỳ", "17%"), (f"Chỉ tiêu năm {fig.year}", "16%"),
                   ("Đánh giá", "15%")], rows)


def _agencies(fig: Figures) -> str:
    if fig.agencies.height == 0:
        return (f"<p class='none'>Không có cơ quan, đơn vị nào được xếp hạng (từ "
                f"{fmt.number(fig.min_finished)} hồ sơ đã giải quyết) giải quyết trễ hạn.</p>")
    rows = [[(r["display_name"], ""), (fmt.number(r["finished"]), "n"), (fmt.number(r["finished_late"]), "n"),
             (fmt.percent(r[RATE]), "n")] for r in fig.agencies.iter_rows(named=True)]
    return _table([("Cơ quan, đơn vị", "49%"), ("Đã giải quyết", "18%"), ("Trễ hạn", "15%"),
                   ("Đúng hạn", "18%")], rows)


def _fields(fig: Figures) -> str:
    if fig.fields.height == 0:
        return "<p class='none'>Không có lĩnh vực nào có hồ sơ giải quyết trễ hạn.</p>"
    rows = [[(r["field_name"], ""), (fmt.number(r["finished"]), "n"), (fmt.number(r["finished_late"]), "n"),
             (fmt.percent(r[RATE]), "n")] for r in fig.fields.iter_rows(named=True)]
    return _table([("Lĩnh vực", "49%"), ("Đã giải quyết", "18%"), ("Trễ hạn", "15%"), ("Đúng hạn", "18%")],
                  rows)


def _sheet(fig: Figures, province: str | None, as_of: str | None, extra_class: str = "") -> str:
    dates = "" if "(" in fig.period_label else (
        f" (từ ngày {fmt.date(fig.start_date)} đến ngày {fmt.date(fig.end_date)})")
    open_note = f"; kỳ chưa kết thúc, số liệu đến ngày {fmt.date(fig.eval_date)}" if fig.is_open else ""
    return f"""<div class="a4-brief {extra_class}" style="font-size: {BASE_PT}pt"><div class="fit">
<div class="top"><b>{escape(province or "Toàn tỉnh")}</b>
<span>Số liệu đến ngày {escape(fmt.date(as_of))}</span></div>
<h1>{TITLE}</h1>
<p class="sub">{escape(fig.period_label)}{escape(dates)}{escape(open_note)}</p>
<section><h2>1. Số liệu chính của toàn tỉnh</h2>{_cards(fig)}</section>
<section><h2>2. Kết quả so với chỉ tiêu kế hoạch năm {fig.year}</h2>{_targets(fig)}</section>
<div class="two"><section><h2>3. Cơ quan, đơn vị cuối bảng xếp hạng đúng hạn</h2>{_agencies(fig)}</section>
<section><h2>4. Lĩnh vực có nhiều hồ sơ trễ hạn nhất</h2>{_fields(fig)}</section></div>
<section><h2>5. Tóm tắt</h2><p class="text">{escape(narrative.paragraph(fig))}</p></section>
<div class="foot">Tỷ lệ đúng hạn = (trước hạn + đúng hạn) / đã giải quyết. Mục 3 theo quy tắc của trang Xếp
hạng: cơ quan, đơn vị có từ {fmt.number(fig.min_finished)} hồ sơ đã giải quyết, xếp theo cận dưới khoảng tin
cậy 95% của tỷ lệ đúng hạn; không nêu đơn vị đã thôi hoạt động trước kỳ. Số liệu cùng bảng báo cáo định kỳ
(Thông tư 01/2020/TT-VPCP) trên trang Báo cáo.</div>
</div></div>"""


def document(fig: Figures, province: str | None, as_of: str | None) -> str:
    """The brief as a self-contained HTML file to open in a browser and print on one A4 page."""
    title = escape(f"Bản tóm tắt · {fig.period_label}")
    return (f"<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\"><title>{title}</title>"
            f"<style>{_CSS}{_PAGE_CSS}</style></head><body>{_sheet(fig, province, as_of)}"
            f"<script>{FIT_SCRIPT}</script></body></html>")


def fragment(fig: Figures, province: str | None, as_of: str | None) -> str:
    """The same sheet to show inside the app's page (st.html)."""
    return f"<style>{_CSS}{_SCREEN_FRAME}</style>{_sheet(fig, province, as_of, 'on-screen')}"
