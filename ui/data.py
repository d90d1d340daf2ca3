"""Cached access to the warehouse for the pages, keyed by the build and plain parameters.

A new build has a new file name, so switching builds invalidates every cached result at once.
"""

from __future__ import annotations

import importlib

import streamlit as st

from warehouse import store


@st.cache_resource(show_spinner=False)
def _reader(directory: str) -> store.Reader:
    return store.Reader(store.warehouse_dir(directory))


def reader() -> store.Reader:
    return _reader(str(store.warehouse_dir()))


def build_id() -> str | None:
    path = reader().path
    return path.name if path else None


@st.cache_data(show_spinner=False, max_entries=2048, ttl=3600)
def _cached(build: str, module: str, name: str, args: tuple):
    return getattr(importlib.import_module(f"warehouse.{module}"), name)(reader(), *args)


def get(name: str, *args):
    """Run `warehouse.queries.<name>(reader, *args)`, cached for the current build."""
    return _cached(build_id(), "queries", name, args)


def getter(module: str):
    """`get` for another query module of warehouse/ (a name fixed in the page's code)."""
    def get_from(name: str, *args):
        return _cached(build_id(), module, name, args)
    return get_from
