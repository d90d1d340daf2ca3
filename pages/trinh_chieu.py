"""PLACEHOLDER being replaced by its owner this session."""
import streamlit as st

from ui.bootstrap import bootstrap

meta = bootstrap("Trình chiếu")
st.title("Trình chiếu")
