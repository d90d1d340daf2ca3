"""Entry point: the navigation. Each page runs the shared bootstrap itself, so deep links work."""

import streamlit as st

pages = [
    st.Page("pages/tong_quan.py", title="Tổng quan", icon="🏛️", url_path="tong-quan", default=True),
    st.Page("pages/xep_hang.py", title="Xếp hạng", icon="🏆", url_path="xep-hang"),
    st.Page("pages/du_lieu.py", title="Dữ liệu", icon="🗄️", url_path="du-lieu"),
]
st.navigation(pages).run()
