"""Entry point: the navigation. Each page also runs the shared bootstrap itself, so a page opened
straight by its URL on a fresh server (which Streamlit runs without this file) works the same.

URL paths equal the file names in pages/: before this file has run once, a fresh server only knows
pages by file name, so any other path would show "page not found" to the first visitor. The menu
is drawn by ui/bootstrap.py, so it looks the same in both cases.
"""

import streamlit as st

from ui.bootstrap import NAV

# no icon here: a page's Material icon becomes the browser's tab icon, fetched from fonts.gstatic.com;
# the tab icon is the app's own file (ui/bootstrap.py), the menu's icons are drawn from the bundled font
PAGES = [st.Page(path, title=title, url_path=url_path) for path, title, _icon, url_path in NAV]


def _home() -> None:
    """The root URL opens the overview at its own address, keeping any link parameters."""
    st.switch_page(PAGES[0], query_params=st.query_params.to_dict())


root = st.Page(_home, title="Trang chủ", url_path="trang_chu", default=True, visibility="hidden")
st.navigation([root, *PAGES], position="hidden").run()
