#!/usr/bin/env bash
# Set up (first time) and run the dashboard. With no warehouse yet, builds the demo province first.
# WAREHOUSE_DIR chooses the warehouse (default: data/warehouse); extra arguments go to streamlit.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh requirements.txt
if [ ! -f "${WAREHOUSE_DIR:-data/warehouse}/CURRENT" ]; then
  echo "Chưa có kho dữ liệu: tạo kho dữ liệu mẫu…"
  .venv/bin/python -m etl demo
fi
exec .venv/bin/streamlit run app.py "$@"
