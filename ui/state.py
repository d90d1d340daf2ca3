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
    state_key = f"url_{key}"
    current = st.session_state.get(state_key)
    if current not in options:
        st.session_state[state_key] = url_value(key, options, default)
    value = container.selectbox(label, options, key=state_key, format_func=format_func)
    if st.query_params.get(key) != value:
        st.query_params[key] = value
    return value
