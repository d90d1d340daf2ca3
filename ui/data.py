"""Cached access to the warehouse for the pages, keyed by the build and plain parameters.

A new build has a new file name, so switching builds invalidates every cached result at once.
Every query first passes warehouse/access.py's policy for the signed-in user (session state, set by
ui/auth.py): a refused one raises access.AccessDenied before it runs or reads the cache.
"""

from __future__ import annotations

import importlib

import streamlit as st

from warehouse import access, store

PRINCIPAL_KEY = "auth_principal"   # the signed-in user (a dict of access.Principal), set by ui/auth.py


@st.cache_resource(show_spinner=False)
def _reader(directory: str) -> store.Reader:
    return store.Reader(store.warehouse_dir(directory))


def reader() -> store.Reader:
    return _reader(str(store.warehouse_dir()))


def build_id() -> str | None:
    path = reader().path
    return path.name if path else None


def principal() -> access.Principal | None:
    """The signed-in user of this session (None before sign-in)."""
    value = st.session_state.get(PRINCIPAL_KEY)
    return access.Principal(**value) if value else None


@st.cache_data(show_spinner=False, max_entries=2048, ttl=3600)
def _cached(build: str, module: str, name: str, args: tuple, scope: tuple | None):
    # `scope` is part of the key only: a dossier list is cached per role and agency. Aggregates are the
    # same for everyone allowed to see them (scope None), so one user's click warms them for all
    return getattr(importlib.import_module(f"warehouse.{module}"), name)(reader(), *args)


def _run(module: str, name: str, args: tuple):
    who = principal()
    access.check(who, module, name, args, reader())
    scope = who.cache_key if (module, name) in access.LISTINGS else None
    return _cached(build_id(), module, name, args, scope)


def deferred(module: str, name: str, *args):
    """`warehouse.<module>.<name>(reader, *args)` as a call for later, NOT cached: a one-off large read
    for a file (a whole listing, the report's workbook) that a download button makes on click only.
    The signed-in user's right to it is checked now, in the page's run, where the session is known."""
    current = reader()
    access.check(principal(), module, name, args, current)
    query = getattr(importlib.import_module(f"warehouse.{module}"), name)
    return lambda: query(current, *args)


def get(name: str, *args):
    """Run `warehouse.queries.<name>(reader, *args)` if the signed-in user may, cached for the build."""
    return _run("queries", name, args)


def getter(module: str):
    """`get` for another query module of warehouse/ (a name fixed in the page's code)."""
    def get_from(name: str, *args):
        return _run(module, name, args)
    return get_from
