"""`python -m retrieval ask [--store DIR] [--json] [--lang LL] QUESTION | --jsonl FILE`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from knowledge.errors import AssistantError, QuestionError
from knowledge.settings import Settings


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m retrieval", description="Ask the library.")
    sub = p.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="answer a question from the uploaded materials, cited")
    ask.add_argument("question", nargs="?", help="the question, in any of the ten languages")
    ask.add_argument("--jsonl", type=Path, help="a file of questions, one a line (text or JSON "
                     "with a 'question' field); prints one Answer a line")
    ask.add_argument("--store", type=Path, help="store directory (default: CPTCITE_STORE or ./data/store)")
    ask.add_argument("--json", action="store_true", help="print the Answer as JSON")
    ask.add_argument("--lang", help="answer language (ISO 639-1); default: detected")
    return p


def _questions(path: Path) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        if line.lstrip().startswith("{"):
            obj = json.loads(line)
            out.append((str(obj.get("question", "")), obj.get("lang")))
        else:
            out.append((line, None))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns 0, 1 (an error) or 2 (bad usage, empty question)."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 2
    if (args.question is None) == (args.jsonl is None):
        print("error: give a QUESTION or --jsonl FILE (one of them)", file=sys.stderr)
        return 2
    try:
        from retrieval.service import assistant_from_settings

        assistant = assistant_from_settings(Settings(), args.store)
        if args.jsonl:
            try:
                items = _questions(args.jsonl)
            except (OSError, ValueError) as exc:
                print(f"error: cannot read {args.jsonl}: {exc}", file=sys.stderr)
                return 2
            for text, lang in items:
                try:
                    answer = assistant.ask(text, lang=args.lang or lang)
                    print(answer.model_dump_json())
                except QuestionError as exc:
                    print(json.dumps({"question": text, "error": str(exc)}, ensure_ascii=False))
            return 0
        answer = assistant.ask(args.question, lang=args.lang)
    except QuestionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(answer.model_dump_json())
    else:
        print(answer.answer)
        for c in answer.citations:
            print(f"[{c.n}] {c.source} ({c.chunk_id[:8]} {c.start}-{c.end})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
