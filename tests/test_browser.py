"""End to end in a real browser: `streamlit run app.py` over a store holding the seed page,
driven by Debian's chromium through Playwright. Uses the real model (slow).

Prints the question-to-rendered-answer time and the path of a screenshot under
test-artifacts/ (gitignored).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from retrieval.messages import message
from tests.conftest import corpus_or_skip
from tests.support.procs import stop_process

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
NOTE = Path(__file__).resolve().parent / "data" / "app" / "coding-note.txt"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
QUESTION = "¿Se puede facturar 50706 junto con 52341?"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(store: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(CPTCITE_STORE=str(store), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               TOKENIZERS_PARALLELISM="false", ANONYMIZED_TELEMETRY="False",
               STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    return env


def _wait_healthy(url: str, server: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(f"streamlit did not answer /_stcore/health in {timeout:.0f} s")


def _serve(store: Path, tmp_path: Path) -> Iterator[str]:
    """`streamlit run app.py` over ``store`` on a free port: its URL, stopped afterwards."""
    port = _free_port()
    log = tmp_path / "streamlit.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=REPO, env=_env(store), stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log, timeout=60)
        yield url
    finally:
        stop_process(proc)


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.is_file():
        reason = f"{CHROMIUM} is missing: run `make chromium` (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture
def server(seed_path: Path, tmp_path: Path) -> Iterator[str]:
    """A store holding the seed page, and `streamlit run app.py` serving it on a free port."""
    store = tmp_path / "store"
    ingest = subprocess.run(
        [sys.executable, "-m", "ingest", str(seed_path), "--store", str(store), "--json"],
        cwd=REPO, env=_env(store), capture_output=True, text=True, timeout=600, check=False,
    )
    assert ingest.returncode == 0, ingest.stderr[-3000:]
    assert '"status":"added"' in ingest.stdout.replace(" ", "")
    yield from _serve(store, tmp_path)


def _settled_count(locator: object, page: object, timeout_s: float = 30.0) -> int:
    """How many elements ``locator`` finds once the number has stopped growing (the same
    for 1.5 s): the chat message is drawn element by element."""
    deadline = time.monotonic() + timeout_s
    last, same_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        n = locator.count()  # type: ignore[attr-defined]
        if n != last:
            last, same_since = n, time.monotonic()
        elif time.monotonic() - same_since >= 1.5:
            break
        page.wait_for_timeout(250)  # type: ignore[attr-defined]
    return last


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def test_spanish_claim_question_and_upload_in_chromium(
    chromium: Path, server: str, seed_text: str
) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    failed_requests: list[str] = []
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), headless=True,
                                     args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("requestfailed", lambda r: failed_requests.append(r.url))
            loading = time.perf_counter()
            page.goto(server)
            sidebar = page.locator('[data-testid="stSidebar"]')
            box = page.locator('[data-testid="stChatInput"] textarea')
            box.wait_for(timeout=120_000)  # first load builds the Assistant and loads the model
            print(f"\nfirst page load (model warm-up included): "
                  f"{(time.perf_counter() - loading) * 1000:.0f} ms")

            # Pick Español: the interface changes language.
            sidebar.locator('[data-testid="stSelectbox"]').click()
            page.get_by_role("option", name="Español").click()
            placeholder = message("es", "Ask a question about your coding materials")
            page.locator(f'[data-testid="stChatInput"] textarea[placeholder="{placeholder}"]'
                         ).wait_for(timeout=30_000)

            # Ask the Spanish claim question and time it until the verdict badge is drawn.
            box.fill(QUESTION)
            started = time.perf_counter()
            box.press("Enter")
            answer = page.locator('[data-testid="stChatMessage"]').nth(1)
            badge = f"{message('es', 'Verdict')}: {message('es', 'Not allowed')}"
            answer.get_by_text(badge).wait_for(timeout=120_000)
            elapsed = time.perf_counter() - started
            print(f"question-to-rendered-answer: {elapsed * 1000:.0f} ms")

            # Open the citations: one quote is the seed's exclusion sentence naming 52341.
            # The badge is drawn before the citation expanders under load: wait for what is
            # asserted (Playwright's expect retries until its timeout), never for a neighbour.
            expanders = answer.locator('[data-testid="stExpander"] summary')
            playwright.expect(expanders.first).to_be_visible(timeout=60_000)
            for i in range(_settled_count(expanders, page)):
                expanders.nth(i).click()
            details = answer.locator('[data-testid="stExpanderDetails"]')
            playwright.expect(details.last).to_be_visible(timeout=30_000)
            seed = _squash(seed_text)
            exclusion = answer.locator('[data-testid="stExpanderDetails"]').filter(
                has_text="52341")
            playwright.expect(exclusion.first).to_be_visible(timeout=30_000)
            quotes = [_squash(q) for q in answer.locator(
                '[data-testid="stExpander"] [data-testid="stMarkdownContainer"] span'
                '[class*="Background"], [data-testid="stExpander"] mark').all_inner_texts()]
            if not quotes:  # highlight element not found by class: take the expander bodies
                quotes = [_squash(t) for t in details.all_inner_texts()]
            assert [q for q in quotes if "52341" in q and q in seed], quotes
            assert answer.locator("a, img, script").count() == 0

            # Open the Library page, upload a small file and see its result, then find it.
            sidebar.get_by_role("button", name=message("es", "Open the Library")).click()
            main = page.locator('[data-testid="stMain"]')
            main.locator('input[type="file"]').set_input_files(str(NOTE))
            added = f"{NOTE.name}: {message('es', 'added')}"
            main.get_by_text(added).wait_for(timeout=120_000)
            search = main.get_by_label(message("es", "Search by name or code"))
            search.fill(NOTE.stem[:6])
            search.press("Enter")
            main.locator('[data-testid="stDataFrame"]').wait_for(timeout=30_000)
            playwright.expect(main.get_by_text(message("es", "Rules read from this document"))
                              ).to_be_visible(timeout=30_000)

            ARTIFACTS.mkdir(exist_ok=True)
            shot = ARTIFACTS / f"browser-{time.strftime('%Y%m%d-%H%M%S')}.png"
            # Streamlit scrolls inside its own container: a tall viewport shows the whole chat.
            page.set_viewport_size({"width": 1400, "height": 2200})
            page.wait_for_timeout(500)
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot: {shot}")
        finally:
            browser.close()
    # The page must not try to reach anything but the local server.
    assert all(u.startswith(server) for u in failed_requests), failed_requests


# --- the Library and Performance pages over ../shared/corpus -------------------------------


@pytest.fixture
def corpus_server(corpus_store: Path, tmp_path: Path) -> Iterator[str]:
    """A copy of the session's corpus store (this test removes documents), served."""
    store = tmp_path / "store"
    shutil.copytree(corpus_store, store)
    yield from _serve(store, tmp_path)


def _fee_schedule(corpus: Path) -> tuple[str, str]:
    """A fee schedule of the corpus (read from its manifest, never named here) and a code that
    its manifest lists."""
    for line in (corpus / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if "fee schedule" in entry.get("style", "") and entry.get("codes"):
            return entry["file"], entry["codes"][0]
    pytest.skip("the corpus manifest lists no fee schedule")


def _pick(page: object, widget: object, option: str) -> None:
    """Choose ``option`` in a Streamlit select box or multiselect."""
    widget.click()  # type: ignore[attr-defined]
    page.get_by_role("option", name=option, exact=True).click()  # type: ignore[attr-defined]


def _idle(page: object, timeout_ms: int = 60_000) -> None:
    """Wait until the app has run its script for the last input: on a busy machine a click
    sent before the rerun ends reads the widgets' values from before it."""
    page.wait_for_timeout(300)  # type: ignore[attr-defined]
    page.locator('[data-testid="stStatusWidgetRunningIcon"]').wait_for(  # type: ignore[attr-defined]
        state="hidden", timeout=timeout_ms)


def test_library_and_performance_pages_over_the_corpus_in_chromium(
    chromium: Path, corpus_server: str, tmp_path: Path
) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    expect = playwright.expect
    corpus = corpus_or_skip()
    fee, code = _fee_schedule(corpus)
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), headless=True,
                                     args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1400})
            page.goto(corpus_server)
            sidebar = page.locator('[data-testid="stSidebar"]')
            main = page.locator('[data-testid="stMain"]')
            page.locator('[data-testid="stChatInput"] textarea').wait_for(timeout=120_000)
            total = len(list((corpus / "docs").iterdir()))
            expect(sidebar.get_by_text(f"Documents: {total}", exact=False)).to_be_visible()

            # The Library: find the fee schedule by a code it lists, then by its name.
            sidebar.get_by_role("button", name="Open the Library").click()
            search = main.get_by_label("Search by name or code")
            search.fill(code)
            search.press("Enter")
            table = main.locator('[data-testid="stDataFrame"]')
            expect(table).to_be_visible(timeout=30_000)
            detail = main.locator('[data-testid="stSelectbox"]').last
            _pick(page, detail, fee)
            # its table rows as read, under their column headers, and the rules read from it
            expect(main.locator('[data-testid="stMarkdownContainer"] table').first).to_be_visible(
                timeout=30_000)
            expect(main.get_by_text("Rules read from this document")).to_be_visible()
            expect(main.locator('[data-testid="stExpander"]').first).to_be_visible()
            search.fill(fee[: max(6, len(fee) // 2)])
            search.press("Enter")
            # the grid draws on a canvas; its cells are in the page for screen readers
            cells = main.locator('[data-testid="stDataFrame"] [role="gridcell"]')
            expect(cells.filter(has_text=fee).first).to_be_attached(timeout=30_000)

            # Remove two documents after the confirmation.
            search.fill("")
            search.press("Enter")
            names = sorted(p.name for p in (corpus / "docs").iterdir() if p.name != fee)[:2]
            remove = main.locator('[data-testid="stMultiSelect"]').last
            for name in names:
                _pick(page, remove, name)
                page.keyboard.press("Escape")
                _idle(page)
            # the button under the selection (the detail view has a "Remove" of its own)
            main.locator(".st-key-lib_remove_ask button").click()
            expect(main.get_by_text("Remove 2 documents?", exact=False)).to_be_visible(
                timeout=30_000)
            main.get_by_role("button", name="Confirm").click()
            expect(main.get_by_text("Removed 2 documents.")).to_be_visible(timeout=60_000)
            expect(sidebar.get_by_text(f"Documents: {total - 2}", exact=False)).to_be_visible()

            # Performance: a small gold file (two corpus questions and one that must fail).
            sidebar.get_by_role("button", name="Performance").click()
            lines = (corpus / "gold" / min(p.name for p in (corpus / "gold").glob("*.jsonl"))
                     ).read_text(encoding="utf-8").splitlines()[:2]
            miss = {"id": "miss-1", "lang": "en", "question": f"What does {code} describe?",
                    "answerable": True, "evidence": ["a passage that no material holds"],
                    "contains": [], "verdict": None, "codes": [], "source": fee}
            gold = tmp_path / "small-gold.jsonl"
            gold.write_text("\n".join([*lines, json.dumps(miss)]), encoding="utf-8")
            main.get_by_text("Upload a gold file (JSON Lines)").click()
            main.locator('input[type="file"]').set_input_files(str(gold))
            main.get_by_role("button", name="Run", exact=True).click()
            expect(main.locator('[data-testid="stDataFrame"]')).to_be_visible(timeout=300_000)
            expect(main.locator('[data-testid="stVegaLiteChart"]').first).to_be_visible()
            # The finished run redraws the page once more: a click during it was lost once
            # under the whole suite's load.
            _idle(page)
            failure = main.locator('[data-testid="stExpander"]').filter(has_text="miss-1")
            failure.locator("summary").click()
            _idle(page)
            failure.get_by_role("button", name=f"Open {fee} in the Library").click()
            _idle(page)
            expect(main.get_by_text("Rules read from this document")).to_be_visible(
                timeout=60_000)

            # A bad gold file: one reason per bad line, nothing run.
            sidebar.get_by_role("button", name="Performance").click()
            bad = tmp_path / "bad-gold.jsonl"
            bad.write_text("{not json\n" + json.dumps({**miss, "lang": "xx"}), encoding="utf-8")
            main.get_by_text("Upload a gold file (JSON Lines)").click()
            main.locator('input[type="file"]').set_input_files(str(bad))
            errors = main.locator('[data-testid="stAlertContentError"]')
            expect(errors).to_have_count(2, timeout=30_000)
            expect(errors.nth(0)).to_contain_text("bad-gold.jsonl:1")
            expect(errors.nth(1)).to_contain_text("ten languages")
        finally:
            browser.close()
