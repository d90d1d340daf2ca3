"""The same period's province figures read the same on every page that shows them, and equal a count
over fct_dossier written from docs/domain.md's rules (not through the summary tables the pages read)."""

import pytest

from tests.apptest_support import fresh_caches, no_errors, run_page  # noqa: F401
from warehouse import fmt, store

PERIODS = [("quarter", "2025-Q3"), ("month", "2026-02"), ("year", "2024")]


def metric(at, label: str) -> str:
    values = [m.value for m in at.metric if m.label == label]
    assert values, (label, [m.label for m in at.metric])
    return values[0]


def by_hand(directory, kind: str, key: str) -> dict:
    """docs/domain.md: carried over = received before the period and not finished before it; finished in the
    period = end date inside it; on time = finished no later than the due date, without one, or
    withdrawn (status 7). fct_dossier already leaves out refused and never-received dossiers."""
    r = store.Reader(directory)
    try:
        start, end = r.query("select start_date, end_date from dim_period where period_kind = $k and "
                             "period_key = $p", {"k": kind, "p": key}).row(0)
        row = r.query(
            """select
                 count(*) filter (received_date < $s and (end_date is null or end_date >= $s))
                     as carried_over,
                 count(*) filter (received_date between $s and $e) as received_new,
                 count(*) filter (end_date between $s and $e) as finished,
                 count(*) filter (end_date between $s and $e
                                  and (status = 7 or due_date is null or end_date <= due_date)) as on_time
               from fct_dossier""", {"s": start, "e": end}).row(0, named=True)
    finally:
        r.close()
    return row


@pytest.mark.parametrize(("kind", "key"), PERIODS)
def test_province_figures_agree_across_pages(demo_dir, monkeypatch, kind, key):
    monkeypatch.setenv("WAREHOUSE_DIR", str(demo_dir))
    overview = run_page("pages/tong_quan.py", ky=kind, ma_ky=key)
    report = run_page("pages/bao_cao.py", ky=kind, ma_ky=key)
    drill = run_page("pages/dia_ban.py", ky=kind, ma_ky=key)
    for at in (overview, report, drill):
        no_errors(at)

    rate = metric(overview, "Tỷ lệ giải quyết đúng hạn")
    assert metric(report, "Tỷ lệ đúng và trước hạn") == rate
    assert metric(drill, "Tỷ lệ giải quyết đúng hạn") == rate
    finished = metric(overview, "Đã giải quyết")
    assert metric(report, "Đã giải quyết") == finished == metric(drill, "Đã giải quyết")
    received = int(metric(overview, "Kỳ trước chuyển qua").replace(".", "")) + \
        int(metric(overview, "Mới tiếp nhận").replace(".", ""))
    assert metric(report, "Hồ sơ tiếp nhận") == fmt.number(received) == metric(drill, "Nhận giải quyết")

    hand = by_hand(demo_dir, kind, key)
    assert finished == fmt.number(hand["finished"])
    assert received == hand["carried_over"] + hand["received_new"]
    assert rate == fmt.percent(hand["on_time"] / hand["finished"])
