"""PLACEHOLDER being replaced by its owner this session."""
import streamlit as st

from ui.bootstrap import bootstrap

meta = bootstrap("Cơ quan của tôi")
st.title("Cơ quan của tôi")
