import time
from streamlit.testing.v1 import AppTest
from tests.conftest import ROOT
def test_demo(demo_dir, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DIR", str(demo_dir))
    t=time.time()
    at = AppTest.from_file(str(ROOT / "pages/tre_han.py"), default_timeout=120)
    at.query_params["ky"]="year"; at.query_params["ma_ky"]="2025"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    print("secs", time.time()-t, [m.value for m in at.markdown], [c.value for c in at.caption][-3:])
