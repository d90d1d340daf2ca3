"""PLACEHOLDER being replaced by its owner this session."""
import streamlit as st

from ui.bootstrap import bootstrap

meta = bootstrap("Báo cáo")
st.title("Báo cáo")
