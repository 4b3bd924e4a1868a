"""The same CLIs against a Chroma server (`chroma run`, started by the test session).

CPTCITE_CHROMA_HOST/PORT point the product at the server; the registry and the rules stay in
the store directory. The fast test uses the fake embedder through support/run_cli.py; the slow
one runs the real CLIs with the real model (about 7 s of model loading per process).
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from ingest import sample_materials
from knowledge.library import Library

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
RUN_CLI = HERE / "support" / "run_cli.py"


@pytest.fixture
def server_env(chroma_server: tuple[str, int]) -> dict[str, str]:
    """CPTCITE_* variables that send a run to the test server, in a collection of its own."""
    host, port = chroma_server
    return {"CPTCITE_CHROMA_HOST": host, "CPTCITE_CHROMA_PORT": str(port),
            "CPTCITE_COLLECTION": f"cli-{uuid.uuid4().hex[:12]}"}


def _server_library(store: Path, env: dict[str, str]) -> Library:
    return Library(store, chroma_host=env["CPTCITE_CHROMA_HOST"],
                   chroma_port=int(env["CPTCITE_CHROMA_PORT"]),
                   collection=env["CPTCITE_COLLECTION"])


def test_clis_against_a_server(tmp_path: Path, server_env, run_python, network_log,
                               invariants) -> None:
    store = tmp_path / "store"
    args = ["--store", str(store)]
    ingest = run_python([str(RUN_CLI), "ingest", *map(str, sample_materials()), *args, "--json"],
                        **server_env)
    assert ingest.returncode == 0, ingest.stderr[-2000:]
    report = json.loads(ingest.stdout)
    assert {d["status"] for d in report["documents"]} == {"added"}
    assert (store / "registry.sqlite").is_file()
    assert not (store / "chroma").exists()  # the vectors went to the server

    rules = run_python(["-m", "knowledge", "rules", *args, "--json"], **server_env)
    assert rules.returncode == 0, rules.stderr
    assert "99931" in {r["code"] for r in json.loads(rules.stdout)}

    ask = run_python([str(RUN_CLI), "retrieval", "ask", *args, "--json",
                      "Can 99931 be billed with 99921?"], **server_env)
    assert ask.returncode == 0, ask.stderr[-2000:]
    answer = json.loads(ask.stdout)
    assert answer["verdict"]["status"] == "not_allowed" and answer["citations"]

    lib = _server_library(store, server_env)
    try:
        invariants.consistent(lib)
        assert lib.vectors.count() > 0
        assert lib.vectors._client.get_settings().anonymized_telemetry is False
        removed = sample_materials()[0].name
        before = lib.vectors.count()
    finally:
        lib.close()
    remove = run_python(["-m", "ingest", "remove", removed, *args], **server_env)
    assert remove.returncode == 0, remove.stderr
    lib = _server_library(store, server_env)
    try:
        invariants.consistent(lib)
        assert 0 < lib.vectors.count() < before
    finally:
        lib.close()
    assert network_log() == []


def test_server_down_is_one_line(tmp_path: Path, run_python) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    note = tmp_path / "note.txt"
    note.write_text("Code 99931 is an add-on code.", encoding="utf-8")
    proc = run_python([str(RUN_CLI), "ingest", str(note), "--store", str(tmp_path / "s")],
                      CPTCITE_CHROMA_HOST="127.0.0.1", CPTCITE_CHROMA_PORT=str(port))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "CPTCITE_CHROMA_HOST" in lines[0], proc.stderr[-2000:]


@pytest.mark.slow
def test_real_model_clis_against_a_server(tmp_path: Path, server_env, child_env, network_log,
                                          real_embedder) -> None:
    """The unpatched CLIs with the real model; no HF_HUB_OFFLINE from outside: the product
    itself must stay offline."""
    home = tmp_path / "home"
    env = child_env(CPTCITE_MODEL_CACHE=str(real_embedder.cache_dir), HOME=str(home), **server_env)
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        env.pop(name, None)
    store = str(tmp_path / "store")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", *args, "--store", store], check=False,
                              cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=300,
                              stdin=subprocess.DEVNULL)

    ingest = run("ingest", *map(str, sample_materials()), "--json")
    assert ingest.returncode == 0, ingest.stderr[-2000:]
    assert not (home / ".cache" / "Microsoft").exists()  # onnxruntime telemetry stays off
    ask = run("retrieval", "ask", "--json", "¿Se puede facturar 99931 junto con 99921?")
    assert ask.returncode == 0, ask.stderr[-2000:]
    answer = json.loads(ask.stdout)
    assert answer["language"] == "es" and answer["verdict"]["status"] == "not_allowed"
    assert answer["citations"] and not answer["refused"]
    assert not (home / ".cache" / "Microsoft").exists()  # onnxruntime telemetry stays off
    assert network_log() == []
