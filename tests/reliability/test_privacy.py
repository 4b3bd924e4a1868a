"""Nothing leaves the machine: no connection off loopback, telemetry off, questions not logged.

The CLIs and the app run in child processes whose netguard/sitecustomize.py refuses and logs
every connection or name lookup off this machine (the log also catches attempts that a library
would swallow, as telemetry clients do). Each run must succeed with an empty log.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest

from ingest import ingest_paths, sample_materials
from knowledge.library import open_library

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
RUN_CLI = HERE / "support" / "run_cli.py"
APP_PROBE = HERE / "support" / "app_probe.py"

pytestmark = pytest.mark.skipif(
    os.environ.get("CPTCITE_TEST_CHROMA") == "server",
    reason="child processes open the store's embedded Chroma",
)


def test_the_guard_blocks_and_logs_in_children(run_python, network_log) -> None:
    """The guard is live in every child: stubs stand in for the real calls, so even a broken
    guard sends nothing."""
    code = """
import socket, sitecustomize
sent = []
sitecustomize._real_connect = lambda sock, addr: sent.append(addr)
sitecustomize._real_getaddrinfo = lambda *a, **k: sent.append(a[0]) or []
for call in (lambda: socket.socket().connect(("192.0.2.1", 443)),
             lambda: socket.getaddrinfo("example.invalid", 443)):
    try:
        call()
    except OSError as exc:
        assert "netguard" in str(exc)
socket.getaddrinfo("localhost", 80)
print(sent)
"""
    proc = run_python(["-c", code])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "['localhost']"  # only the loopback lookup went through
    log = network_log()
    assert len(log) == 2 and "192.0.2.1" in log[0] and "example.invalid" in log[1]


def test_ingest_ask_and_rules_clis_stay_offline(tmp_path: Path, run_python, network_log,
                                                 loaded_modules) -> None:
    store = str(tmp_path / "store")
    ingest = run_python([str(RUN_CLI), "ingest", *map(str, sample_materials()), "--store", store,
                         "--json"])
    assert ingest.returncode == 0, ingest.stderr[-2000:]
    assert all(d["status"] == "added" for d in json.loads(ingest.stdout)["documents"])
    assert "onnxruntime" not in loaded_modules()

    ask = run_python([str(RUN_CLI), "retrieval", "ask", "--store", store, "--json",
                      "Can 99931 be billed with 99921?"])
    assert ask.returncode == 0, ask.stderr[-2000:]
    assert json.loads(ask.stdout)["verdict"]["status"] == "not_allowed"
    assert "onnxruntime" not in loaded_modules()

    rules = run_python(["-m", "knowledge", "rules", "--store", store, "--json"])
    assert rules.returncode == 0, rules.stderr
    assert "99931" in {r["code"] for r in json.loads(rules.stdout)}
    assert network_log() == []


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.read().decode("utf-8", "replace")
    except OSError:
        return ""


def test_app_runs_offline(run_python, child_env, network_log) -> None:
    """The app's script (AppTest: page, then a question) and the `streamlit run` server with
    the repository's .streamlit/config.toml. The real model's path is the slow test below."""
    proc = run_python([str(APP_PROBE), "--fake"], timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split()[:2] == ["answered", "2"], proc.stdout
    assert network_log() == []

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)],
        cwd=REPO, env=child_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while not _get(f"{base}/_stcore/health"):
            assert server.poll() is None and time.monotonic() < deadline, "streamlit did not start"
            time.sleep(0.2)
        assert "<html" in _get(base).lower()
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=20)
    assert network_log() == [], out[-2000:]


def test_chroma_client_has_telemetry_off(tmp_path: Path) -> None:
    lib = open_library(tmp_path / "store")
    try:
        lib.vectors.count()  # opens the client
        assert lib.vectors._client.get_settings().anonymized_telemetry is False
    finally:
        lib.close()


def test_streamlit_config_keeps_the_app_local() -> None:
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"]["address"] == "127.0.0.1"
    assert config["server"]["headless"] is True


def test_questions_are_not_logged(tmp_path: Path, fake_embedder, caplog, capsys) -> None:
    from retrieval.coverage import Thresholds
    from retrieval.service import Assistant

    lib = open_library(tmp_path / "store")
    try:
        ingest_paths(sample_materials(), lib, fake_embedder)
        assistant = Assistant(lib, fake_embedder,
                              thresholds=Thresholds(dense_min=0.05, dense_sure=0.5))
        secret = "Patient Quokkaberg-Zyx asks: can 99931 be billed with 99921?"
        with caplog.at_level(logging.DEBUG):  # the root logger: every library's records
            logging.getLogger("cptcite-test").debug("probe before")
            answer = assistant.ask(secret)
            assistant.ask("Quokkaberg-Zyx " * 3)
        assert answer.verdict is not None
        assert "probe before" in caplog.text  # the capture works
        assert "Quokkaberg" not in caplog.text
        out = capsys.readouterr()
        assert "Quokkaberg" not in out.out + out.err
    finally:
        lib.close()


@pytest.mark.slow
def test_app_with_the_real_model_runs_offline(tmp_path: Path, real_embedder, child_env,
                                              network_log, loaded_modules) -> None:
    """The app's own shared Assistant (model loaded at start-up) answers a question offline,
    without HF_HUB_OFFLINE from outside."""
    store = tmp_path / "store"
    lib = open_library(store)
    try:
        ingest_paths(sample_materials(), lib, real_embedder)
    finally:
        lib.close()
    home = tmp_path / "home"
    env = child_env(CPTCITE_STORE=str(store), CPTCITE_MODEL_CACHE=str(real_embedder.cache_dir),
                    HOME=str(home))
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        env.pop(name, None)
    proc = subprocess.run([sys.executable, str(APP_PROBE)], check=False, cwd=REPO, env=env, text=True,
                          capture_output=True, timeout=300, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split()[:2] == ["answered", "2"], proc.stdout
    # onnxruntime runs the model; its telemetry folder must not appear.
    assert "onnxruntime" in loaded_modules() and not (home / ".cache" / "Microsoft").exists()
    assert network_log() == []
