"""PLACEHOLDER being replaced by its owner this session."""
import streamlit as st

from ui.bootstrap import bootstrap

meta = bootstrap("Theo địa bàn")
st.title("Theo địa bàn")
