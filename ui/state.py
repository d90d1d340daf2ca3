"""Choices whose value lives in the URL, so every view is a link a person can share, and in the session,
so a choice made on one page is still there after a visit to another.

Which value a widget opens on, first that applies:
1. the URL's, when it is news: the page was just entered (a followed link, the menu, Back, a pasted
   address) or the URL holds a value this session did not write (a link to the same page);
2. the widget's own state, while the person stays on the page (Streamlit forgets it on leaving);
3. the session's kept choice: the period (`ky`, `ma_ky`) is one for the whole session, every other
   choice is kept per page (a peer group on /xep_hang is not the one of /co_quan);
4. the page's default.
A URL value that is news but not among the choices (a period outside the data, an unknown code) is
said in a warning naming what is shown instead, once, where the choice is made.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

PAGE_KEY = "state_page"          # the page of this run (its title), set by ui/bootstrap.py
ENTERED_KEY = "state_entered"    # whether this run entered the page (the previous run was another page)
KEPT_KEY = "state_kept"          # {scope: value}: the choices kept for the session
SHARED = ("ky", "ma_ky")         # choices that are one for the whole session; the rest are per page


def enter(page: str) -> None:
    """Called first by every page (ui/bootstrap.py): notes whether this run entered the page."""
    st.session_state[ENTERED_KEY] = st.session_state.get(PAGE_KEY) != page
    st.session_state[PAGE_KEY] = page


def _scope(key: str) -> str:
    return key if key in SHARED else f"{st.session_state.get(PAGE_KEY, '')}:{key}"


def _kept() -> dict[str, str]:
    return st.session_state.setdefault(KEPT_KEY, {})


def from_link(key: str) -> bool:
    """Whether the URL's `key` is news (see the module's doc): ask before the widget of `key` is drawn."""
    wanted = st.query_params.get(key)
    return wanted is not None and (st.session_state.get(ENTERED_KEY, True)
                                   or wanted != st.session_state.get(f"url_written_{key}"))


def candidate(key: str) -> str | None:
    """The value `select` would open `key` on if it were among the choices (rules 1 to 3)."""
    if from_link(key):
        return st.query_params.get(key)
    current = None if st.session_state.get(ENTERED_KEY, True) else st.session_state.get(f"url_{key}")
    return current if current is not None else _kept().get(_scope(key))


def choose(key: str, options: Sequence[str], default: str | None = None,
           widget_value: str | None = None) -> tuple[str, str | None]:
    """(the value to open on, the URL's value when it was news but not a choice) by the module's rules;
    `options` is not empty."""
    wanted = st.query_params.get(key)
    news = from_link(key)
    if news and wanted in options:
        return wanted, None
    unknown = wanted if news else None
    entered = st.session_state.get(ENTERED_KEY, True)
    for value in (None if entered else widget_value, _kept().get(_scope(key)), None if news else wanted):
        if value is not None and value in options:
            return value, unknown
    return (default if default in options else options[0]), unknown


def keep(key: str, value: str) -> None:
    """Note `value` as the URL's, this session's written value and its kept choice for `key`."""
    if st.query_params.get(key) != value:
        st.query_params[key] = value
    st.session_state[f"url_written_{key}"] = value
    _kept()[_scope(key)] = value


def unknown_warning(label: str, wanted: str, shown: str) -> None:
    st.warning(f"{label} “{wanted}” trong đường dẫn không có trong dữ liệu: trang đang hiện {shown}.",
               icon=":material/warning:")


def select(label: str, options: Sequence[str], key: str, format_func: Callable[[str], str] = str,
           default: str | None = None, container=st, warn: bool = True) -> str | None:
    """A selectbox seeded from and written back to the URL query parameter `key` and kept for the
    session; with `warn`, a URL value that is not a choice is said in a warning."""
    options = list(options)
    if not options:
        st.query_params.pop(key, None)
        return None
    state_key = f"url_{key}"
    value, unknown = choose(key, options, default, st.session_state.get(state_key))
    # set every run: Streamlit forgets a widget's state on pages that do not draw it
    st.session_state[state_key] = value
    value = container.selectbox(label, options, key=state_key, format_func=format_func)
    if unknown is not None and warn:
        unknown_warning(label, unknown, format_func(value))
    keep(key, value)
    return value


def tabs(labels: dict[str, str], key: str, default: str | None = None, container=st) -> tuple[str, list]:
    """st.tabs whose open tab is the URL query parameter `key` (a short code, not the label: a link
    survives a renamed tab) and kept for the session. `labels` maps code to label; returns the open
    tab's code and the tab containers in the order of `labels`."""
    codes = list(labels)
    state_key = f"tab_{key}"
    by_label = {v: k for k, v in labels.items()}
    value, unknown = choose(key, codes, default, by_label.get(st.session_state.get(state_key)))
    st.session_state[state_key] = labels[value]
    containers = container.tabs(list(labels.values()), key=state_key, on_change="rerun")
    value = by_label.get(st.session_state.get(state_key), value)
    if unknown is not None:
        unknown_warning("Mục", unknown, labels[value])
    keep(key, value)
    return value, list(containers)
