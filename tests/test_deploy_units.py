"""The systemd units of deploy/ pass `systemd-analyze verify` (where systemd is installed), run the
commands the code has, and the reverse-proxy example passes what the sign-in throttle and Streamlit
need (docs/deploy.md)."""

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from etl import cli
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
PREFIX = "/opt/tthc"
UNITS = sorted(p for p in DEPLOY.iterdir() if p.suffix in (".service", ".timer"))
ANALYZE = shutil.which("systemd-analyze")


def test_every_service_has_its_timer_or_is_started_at_boot():
    services = {p.stem for p in UNITS if p.suffix == ".service"}
    timers = {p.stem for p in UNITS if p.suffix == ".timer"}
    assert services == {"tthc-app", "tthc-receiver", "tthc-watch", "tthc-digest", "tthc-backup"}
    assert timers == {"tthc-watch", "tthc-digest", "tthc-backup"}
    for name in services - timers:
        assert "WantedBy=multi-user.target" in (DEPLOY / f"{name}.service").read_text(encoding="utf-8")


@pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not installed")
def test_units_pass_systemd_analyze_verify(tmp_path):
    """verify needs the programs the units start: the install prefix becomes a temporary folder with
    stand-ins for the virtual environment's programs."""
    prefix = tmp_path / "opt" / "tthc"
    (prefix / ".venv" / "bin").mkdir(parents=True)
    for program in ("python", "streamlit"):
        stand_in = prefix / ".venv" / "bin" / program
        stand_in.write_text("#!/bin/sh\n", encoding="utf-8")
        stand_in.chmod(0o755)
    units = tmp_path / "units"
    units.mkdir()
    for unit in UNITS:
        (units / unit.name).write_text(unit.read_text(encoding="utf-8").replace(PREFIX, str(prefix)),
                                       encoding="utf-8")
    out = subprocess.run([ANALYZE, "verify", "--man=no", *sorted(p.name for p in units.iterdir())],
                         cwd=units, capture_output=True, text=True, timeout=120)
    # an unknown key is only a warning (exit 0): any line about our units fails the test
    ours = [line for line in (out.stdout + out.stderr).splitlines() if "tthc" in line]
    assert out.returncode == 0 and not ours, out.stdout + out.stderr
    version = subprocess.run([ANALYZE, "--version"], capture_output=True, text=True).stdout.split()[1]
    if int(version) >= 250:   # `security --offline` reads unit files without a running systemd
        for unit in sorted(units.glob("*.service")):
            # systemd's exposure score, 0 (locked down) to 10; ours is 1.5, "OK" up to 2 ("20" here)
            score = subprocess.run([ANALYZE, "security", "--offline=true", "--threshold=20", unit.name],
                                   cwd=units, capture_output=True, text=True, timeout=120)
            assert score.returncode == 0, score.stdout[-300:] + score.stderr


def _exec_lines(unit: Path) -> list[str]:
    text = unit.read_text(encoding="utf-8").replace("\\\n", " ")
    return re.findall(r"^ExecStart=(.*)$", text, re.MULTILINE)


def test_the_units_run_commands_the_code_has():
    """Each `python -m etl X --option` a unit runs is a command and options of etl/cli.py's parser."""
    sub = next(a for a in cli.parser()._actions if a.dest == "command")
    found = {}
    for unit in UNITS:
        for line in _exec_lines(unit):
            words = shlex.split(line.replace("%%", "%"))
            if words[0] == "/bin/sh":
                words = shlex.split(words[2].removeprefix("exec "))
            if words[1:3] == ["-m", "etl"]:
                found[unit.stem] = words[3]
                if words[3] in sub.choices:   # commands other helpers add are checked once merged
                    options = {o for a in sub.choices[words[3]]._actions for o in a.option_strings}
                    used = {w for w in words[4:] if w.startswith("--")}
                    assert used <= options, (unit.name, used - options)
    assert found == {"tthc-receiver": "receive", "tthc-watch": "watch", "tthc-digest": "digest",
                     "tthc-backup": "backup"}
    assert "backup" in sub.choices


def test_hardening_and_settings_in_every_service():
    for unit in (p for p in UNITS if p.suffix == ".service"):
        text = unit.read_text(encoding="utf-8")
        for line in ("User=tthc", "EnvironmentFile=/etc/tthc/tthc.env", "NoNewPrivileges=true",
                     "ProtectProc=invisible", "SystemCallFilter=@system-service",
                     "ProtectSystem=strict", "ProtectHome=true", "PrivateTmp=true", "CapabilityBoundingSet=",
                     "StateDirectory=tthc"):
            assert re.search(rf"^{re.escape(line)}$", text, re.MULTILINE), (unit.name, line)
    env = (DEPLOY / "tthc.env.example").read_text(encoding="utf-8")
    for name in ("WAREHOUSE_DIR", "AUTH_IDLE_MINUTES", "AUTH_TRUSTED_PROXIES", "RECEIVER_TOKEN", "SMTP_HOST"):
        assert re.search(rf"^{name}=", env, re.MULTILINE), name


def test_the_proxy_passes_the_client_address_and_the_websocket():
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    for line in ("proxy_set_header X-Real-IP $remote_addr;",
                 "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
                 "proxy_set_header Upgrade $http_upgrade;",
                 "proxy_set_header Connection $connection_upgrade;",
                 "proxy_pass http://127.0.0.1:8501;", "proxy_pass http://127.0.0.1:8502/;",
                 "listen 443 ssl http2;",
                 "ssl_certificate "):
        assert line in conf, line
    # the app listens where the proxy sends, and only on the machine itself
    app = (DEPLOY / "tthc-app.service").read_text(encoding="utf-8")
    assert "--server.address 127.0.0.1 --server.port 8501" in app
    assert "--host 127.0.0.1 --port 8502" in (DEPLOY / "tthc-receiver.service").read_text(encoding="utf-8")
