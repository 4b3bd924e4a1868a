"""How a national-size PTP edit file fares: stored, stored again, replaced by the next
quarter's file, and claims checked against it.

A synthetic file in the CMS practitioner PTP layout (CMS's notes above the header row, tab
separated, invented five-digit codes, every pair once) is written to a temporary folder and
ingested through ``ingest.pipeline.ingest_paths`` as a user's file would be; claims are then
checked through ``retrieval.verdicts.check`` over the same store.
"""

from __future__ import annotations

import random
import statistics
import time
from pathlib import Path

from ingest.pipeline import IngestOptions, ingest_paths
from knowledge.embedder import Embedder
from knowledge.library import open_library
from retrieval.verdicts import check

__all__ = ["bench_edits", "write_ptp_file"]

_HEADER = ("Column 1", "Column 2", "*=in existence prior to 1996", "Effective Date",
           "Deletion Date *=no data", "Modifier 0=not allowed 1=allowed 9=not applicable",
           "PTP Edit Rationale")
_NOTES = ("CPT codes, descriptions and other data only are copyright of their owners.",
          "Synthetic procedure-to-procedure edits for a benchmark; no real code pairs.")
_PER_CODE = 40  # column-2 codes per column-1 code


def write_ptp_file(path: Path, rows: int, seed: int = 7, quarter: int = 1) -> list[tuple[str, str]]:
    """Write ``rows`` PTP rows to ``path``; returns a sample of the pairs written."""
    rng = random.Random(seed)
    sample: list[tuple[str, str]] = []
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(_NOTES) + "\n" + "\t".join(_HEADER) + "\n")
        for i in range(rows):
            c1 = f"{10000 + i // _PER_CODE:05d}"
            c2 = f"{10000 + (i * 7919 + quarter) % 89000:05d}"
            indicator = rng.choice("0119")
            deleted = "*" if rng.random() > 0.1 else f"20{rng.randint(15, 24)}0101"
            fh.write(f"{c1}\t{c2}\t\t20{rng.randint(10, 24)}0{quarter}01\t{deleted}\t{indicator}\t"
                     "Misuse of column two code with column one code\n")
            if i % max(rows // 200, 1) == 0:
                sample.append((c1, c2))
    return sample


def bench_edits(root: Path, embedder: Embedder, rows: int = 1_500_000) -> dict[str, object]:
    """Figures for a ``rows``-row PTP file: ingest seconds and rows/s, a repeat ingest, the
    next quarter's file replacing it, and claim-check latency (p50/p95 ms over 200 claims)."""
    root.mkdir(parents=True, exist_ok=True)
    first, second = root / "ptp-v1-f1.txt", root / "ptp-v2-f1.txt"
    pairs = write_ptp_file(first, rows)
    library = open_library(root / "store")
    try:
        options = IngestOptions()
        t = time.perf_counter()
        report = ingest_paths([first], library, embedder, options)
        ingest_s = time.perf_counter() - t
        t = time.perf_counter()
        again = ingest_paths([first], library, embedder, options)
        again_s = time.perf_counter() - t
        view = library.view()
        times = []
        for c1, c2 in pairs[:200]:
            t = time.perf_counter()
            check([c1, f"{c2}-59"], view)
            times.append((time.perf_counter() - t) * 1000)
        write_ptp_file(second, rows, seed=8, quarter=2)
        t = time.perf_counter()
        replaced = ingest_paths([second], library, embedder, options)
        replace_s = time.perf_counter() - t
        files = library.edits.files()
    finally:
        library.close()
    times.sort()
    return {
        "rows": rows,
        "file_mb": round(first.stat().st_size / 1048576, 1),
        "ingest_s": round(ingest_s, 1),
        "rows_per_s": round(rows / ingest_s),
        "status": [d.status for d in report.documents],
        "again_s": round(again_s, 2),
        "again_status": [d.status for d in again.documents],
        "replace_s": round(replace_s, 1),
        "replace_status": [d.status for d in replaced.documents],
        "files_after_replace": [f.source for f in files],
        "check_ms_p50": round(statistics.median(times), 2),
        "check_ms_p95": round(times[int(len(times) * 0.95) - 1], 2),
    }
