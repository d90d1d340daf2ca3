"""What every AppTest test of a page needs: fresh caches, running a page with URL parameters, and
the check that nothing failed."""

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


@pytest.fixture(autouse=True)
def fresh_caches():
    """Streamlit's caches are process-wide: each test starts and ends with empty ones."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


# A warehouse that is not the demo is shown to signed-in users only (ui/auth.py). Page tests act as a
# province leader, put where the login form puts a verified user: Streamlit's session state, which
# only server code can write (no request parameter or cookie reaches it). tests/test_access.py signs
# in through the real form and the OIDC path instead.
LEADER = {"name": "kiem_thu", "role": "lanh_dao_tinh", "agency": None, "mode": "local"}


def run_page(page: str, signed_in: dict | None = LEADER, **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / page), default_timeout=120)
    if signed_in is not None:
        from ui.data import PRINCIPAL_KEY

        at.session_state[PRINCIPAL_KEY] = dict(signed_in)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def param(at: AppTest, key: str) -> str:
    value = at.query_params[key]
    return value[0] if isinstance(value, list) else value
