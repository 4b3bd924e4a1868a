"""Synthetic coding-guidance corpora for ``eval.bench``: text, and libraries built without a model.

Embedding 100k chunks on a CPU takes hours, so a pool of real sentences (coding-guidance-like
text generated from a vocabulary of invented codes) is embedded once; each synthetic chunk joins
4-6 pool sentences and its vector is the normalised sum of their vectors plus small Gaussian
noise; each sentence vector (ingest stores one per sentence too) is its pool vector plus noise.
Texts and vectors agree, so BM25 and dense search see the same corpus.
"""

from __future__ import annotations

import hashlib

import numpy as np

from ingest.pipeline import vector_records
from knowledge.library import Library, parent_chunk_id
from knowledge.models import Chunk, DocumentRules, SourceDocument
from knowledge.store import KINDS

__all__ = ["commit_synthetic", "synthetic_chunks", "synthetic_questions", "synthetic_sentences"]

# Invented codes only (99xxx), never real CPT data.
_CODES = [f"99{n:03d}" for n in range(100, 400, 7)]
_PROCS = [
    "ureteral stent exchange",
    "bladder irrigation",
    "stone fragmentation",
    "renal biopsy",
    "balloon dilation",
    "catheter placement",
    "cystoscopy",
    "drain removal",
    "nephrostomy tube change",
    "urethral dilation",
    "imaging guidance",
    "fluoroscopy",
]
_PLACES = [
    "in the office",
    "in an outpatient hospital",
    "during an inpatient stay",
    "in an ambulatory surgery center",
    "at the same session",
    "on the same date of service",
]
_DOCS = [
    "the operative note",
    "the imaging report",
    "the referral letter",
    "the pathology report",
    "the nursing record",
    "the discharge summary",
]
_MODS = ["-50", "-51", "-52", "-58", "-59", "-76", "-78", "-79"]
_TEMPLATES = [
    "Report {c1} together with {c2} when the {p} is performed {w}.",
    "Do not report {c1} with {c2} for the same session.",
    "Code {c1} is an add-on code and needs a primary code such as {c2} or {c3}.",
    "Modifier {m} on {c1} must be supported by {d}.",
    "The plan pays one unit of {c1} per date of service {w}.",
    "For {p} use {c1}; for {q} use {c2} instead.",
    "Prior authorization is required for {c1} when it is done {w}.",
    "{d} must describe the {p} and the reason it was needed.",
    "When the {p} is abandoned, report {c1} with modifier {m} and attach {d}.",
    "Medical necessity for {c1} is shown by symptoms recorded in {d}.",
]
_QUESTIONS = [
    "Can {c1} be reported with {c2}?",
    "What does {d} need to show for the {p}?",
    "Which primary codes go with {c1}?",
    "Is prior authorization needed for {c1} {w}?",
    "¿Se puede facturar {c1} con {c2}?",
    "Quelle documentation faut-il pour le code {c1} ?",
    "Welche Modifikatoren gelten für {c1}?",
    "{c1} 可以和 {c2} 一起报吗？",
]


def _fill(template: str, rng: np.random.Generator) -> str:
    c = rng.choice(_CODES, 3, replace=False)
    p = rng.choice(_PROCS, 2, replace=False)
    return template.format(
        c1=c[0],
        c2=c[1],
        c3=c[2],
        p=p[0],
        q=p[1],
        w=rng.choice(_PLACES),
        d=rng.choice(_DOCS),
        m=rng.choice(_MODS),
    )


def synthetic_sentences(n: int, rng: np.random.Generator) -> list[str]:
    """``n`` distinct coding-guidance-like sentences about invented codes."""
    seen: dict[str, None] = {}
    while len(seen) < n:
        seen[_fill(_TEMPLATES[int(rng.integers(len(_TEMPLATES)))], rng)] = None
    return list(seen)


def synthetic_questions(n: int, rng: np.random.Generator) -> list[str]:
    """``n`` questions in several languages about the invented codes."""
    return [_fill(_QUESTIONS[i % len(_QUESTIONS)], rng) for i in range(n)]


def synthetic_chunks(n: int, pool_size: int, rng: np.random.Generator) -> list[list[int]]:
    """``n`` chunks, each a list of 4-6 pool sentence indices."""
    return [list(rng.choice(pool_size, int(rng.integers(4, 7)), replace=False)) for _ in range(n)]


def _noisy(vecs: np.ndarray, rng: np.random.Generator, sigma: float = 0.02) -> np.ndarray:
    out = vecs + rng.normal(0, sigma, vecs.shape).astype(np.float32)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def commit_synthetic(
    library: Library,
    picks: list[list[int]],
    pool: list[str],
    pool_vecs: np.ndarray,
    name: str,
    rng: np.random.Generator,
) -> dict[str, tuple[list[str], np.ndarray]]:
    """Register documents of 1000 chunks built from pool sentences, as ingest would store them.

    Each chunk gets a vector (its sentences' normalised sum plus noise) and each sentence one
    (its pool vector plus noise), under the ids ``ingest.pipeline.vector_records`` gives them.
    Returns ``{kind: (ids, vectors)}`` for exact search, one entry per vector kind.
    """
    by_text = {t: i for i, t in enumerate(pool)}
    kept: dict[str, tuple[list[str], list[np.ndarray]]] = {k: ([], []) for k in KINDS}
    with library.writing():
        for d, lo in enumerate(range(0, len(picks), 1000)):
            source = f"synthetic-{d:04d}.txt"
            doc_id = hashlib.sha256(source.encode()).hexdigest()[:16]
            texts = [" ".join(pool[j] for j in p) for p in picks[lo : lo + 1000]]
            chunks, pos = [], 0
            for i, text in enumerate(texts):
                cid = hashlib.sha256(f"{doc_id}:{i}:{text}".encode()).hexdigest()[:24]
                chunks.append(
                    Chunk(
                        chunk_id=cid,
                        doc_id=doc_id,
                        source=source,
                        position=i,
                        text=text,
                        start=pos,
                        end=pos + len(text),
                    )
                )
                pos += len(text) + 2
            chunk_vecs = _noisy(
                np.stack([pool_vecs[p].sum(axis=0) for p in picks[lo : lo + 1000]]), rng
            )
            own = dict(zip((c.chunk_id for c in chunks), chunk_vecs, strict=True))
            records = vector_records(chunks)
            sent = [r for r in records if r.kind != "chunk"]  # both sentence kinds
            # a sentence the splitter cut differently from the pool falls back to its chunk's vector
            base = (
                np.stack(
                    [
                        pool_vecs[by_text[r.text]]
                        if r.text in by_text
                        else own[parent_chunk_id(r.id)]
                        for r in sent
                    ]
                )
                if sent
                else np.zeros((0, pool_vecs.shape[1]), np.float32)
            )
            new = {**own, **dict(zip((r.id for r in sent), _noisy(base, rng), strict=True))}
            for r in records:
                kept[r.kind][0].append(r.id)
                kept[r.kind][1].append(new[r.id])
            doc = SourceDocument(
                doc_id=doc_id, source=source, content_hash=doc_id, text="\n\n".join(texts)
            )
            library.commit(
                doc, chunks, records, new, DocumentRules(doc_id=doc_id, source=source), name
            )
    return {k: (ids, np.stack(v)) for k, (ids, v) in kept.items() if ids}
