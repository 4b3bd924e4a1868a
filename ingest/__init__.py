"""The write path: load -> clean -> chunk -> embed -> upsert into the library; rules extracted."""

from ingest.pipeline import IngestOptions, doc_id_for, ingest_bytes, ingest_file, ingest_paths
from ingest.samples_dir import sample_materials

__all__ = [
    "IngestOptions",
    "doc_id_for",
    "ingest_bytes",
    "ingest_file",
    "ingest_paths",
    "sample_materials",
]
