"""Widgets whose value lives in the URL, so every view is a link a person can share."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st


def url_value(key: str, options: Sequence[str], default: str | None = None) -> str | None:
    """The value of `key` from the URL when it is one of `options`, else the default."""
    wanted = st.query_params.get(key)
    if wanted in options:
        return wanted
    if default in options:
        return default
    return options[0] if options else None


def select(label: str, options: Sequence[str], key: str, format_func: Callable[[str], str] = str,
           default: str | None = None, container=st) -> str | None:
    """A selectbox seeded from and written back to the URL query parameter `key`."""
    options = list(options)
    if not options:
        st.query_params.pop(key, None)
        return None
    state_key, written_key = f"url_{key}", f"url_written_{key}"
    wanted = st.query_params.get(key)
    if wanted in options and wanted != st.session_state.get(written_key):
        # the URL holds a value this session did not write: a link was followed (st.switch_page,
        # st.page_link, a pasted address), and the link wins over the remembered choice
        st.session_state[state_key] = wanted
    elif st.session_state.get(state_key) not in options:
        st.session_state[state_key] = url_value(key, options, default)
    else:
        # set again so the choice survives pages whose widgets Streamlit forgets when they are not drawn
        st.session_state[state_key] = st.session_state[state_key]
    value = container.selectbox(label, options, key=state_key, format_func=format_func)
    if wanted != value:
        st.query_params[key] = value
    st.session_state[written_key] = value
    return value


def from_link(key: str) -> bool:
    """Whether the URL's `key` came from a link (a value this session's widgets did not write);
    ask before the widget of `key` is drawn."""
    wanted = st.query_params.get(key)
    return wanted is not None and wanted != st.session_state.get(f"url_written_{key}")
