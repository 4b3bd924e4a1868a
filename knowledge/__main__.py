"""``python -m knowledge``: the rules, a claim check and the audit, from a store (CONTRACT.md).

Usage::

    python -m knowledge rules [--store DIR] [--json]
    python -m knowledge check 99930 99921-50 99922x2 [--date YYYY-MM-DD] [--store DIR] [--json]
    python -m knowledge audit [--store DIR] [--json]

Exit codes: 0 done; 1 the store cannot be read; 2 bad usage or a malformed claim code (one
line on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import NoReturn

from pydantic import ValidationError

from knowledge.audit import audit_materials
from knowledge.claims import check_claim, parse_claim
from knowledge.edit_store import EditStore
from knowledge.errors import AssistantError, ClaimError
from knowledge.models import AuditFinding, CodeRules, DocumentRules, Verdict
from knowledge.rule_merge import merge_rules
from knowledge.settings import Settings

LoadDocs = Callable[[Path], list[DocumentRules]]


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def load_from_registry(store: Path) -> list[DocumentRules]:
    """The per-document rules held by the store's registry; [] when nothing was ingested."""
    from knowledge.registry import REGISTRY_FILE, DocumentRegistry

    # A read command must not create a store where none exists.
    if not (Path(store) / REGISTRY_FILE).is_file():
        return []
    registry = DocumentRegistry(Path(store))
    try:
        return registry.document_rules()
    finally:
        registry.close()


def _build_parser() -> _Parser:
    parser = _Parser(prog="python -m knowledge", description=__doc__.splitlines()[0])
    common = _Parser(add_help=False)
    common.add_argument(
        "--store", type=Path, help="store directory (default: CPTCITE_STORE or ./data/store)"
    )
    common.add_argument(
        "--json", action="store_true", help="print JSON (CONTRACT.md) instead of text"
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("rules", parents=[common], help="list the rules per code")
    check = sub.add_parser("check", parents=[common], help="check the codes of one claim")
    check.add_argument("codes", nargs="+", metavar="CODE", help="e.g. 99930, 99930-50, 99930x2")
    check.add_argument(
        "--date",
        type=_service_date,
        default=None,
        help="date of service that PTP edits are dated against (YYYY-MM-DD; default today)",
    )
    sub.add_parser("audit", parents=[common], help="list contradictions in the materials")
    return parser


def _service_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (write YYYY-MM-DD)") from None


def _rule_lines(rules: list[CodeRules]) -> list[str]:
    if not rules:
        return ["No rules: the store holds no materials that state coding rules."]
    out = []
    for r in rules:
        out.append(f"{r.code}{' (add-on)' if r.add_on else ''}")
        if r.primary_codes:
            out.append(f"  report with: {', '.join(r.primary_codes)}")
        if r.excluded_codes:
            out.append(f"  not with:    {', '.join(r.excluded_codes)}")
        for s in r.see_also:
            out.append(f"  for {s.when}: {', '.join(s.codes)}")
        for mod in r.modifiers:
            meaning = r.modifier_meanings.get(mod, "")
            out.append(f"  modifier {mod}{f' ({meaning})' if meaning else ''}")
        if r.unit_limit is not None:
            out.append(f"  unit limit (MUE): {r.unit_limit}")
        for e in r.pair_edits:
            dates = ", ".join(
                part for part in (e.effective and f"from {e.effective}",
                                  e.deleted and f"deleted {e.deleted}") if part
            )
            out.append(
                f"  PTP edit with {e.column2}: modifier indicator {e.indicator}"
                f"{f' ({dates})' if dates else ''}"
            )
    return out


def _verdict_lines(verdict: Verdict) -> list[str]:
    out = [f"{' '.join(verdict.codes)}: {verdict.status}"]
    for f in verdict.findings:
        out.append(f"  [{f.severity}] {f.message}")
        out.extend(f'      [{c.n}] {c.source}: "{c.quote}"' for c in f.citations)
    return out


def _audit_lines(findings: list[AuditFinding]) -> list[str]:
    if not findings:
        return ["No contradictions found in the materials."]
    out = []
    for f in findings:
        out.append(f"{f.kind} ({', '.join(f.codes)}): {f.message}")
        out.extend(f'    [{c.n}] {c.source}: "{c.quote}"' for c in f.citations)
    return out


def main(argv: Sequence[str] | None = None, load_docs: LoadDocs = load_from_registry) -> int:
    """Run the CLI; returns the exit code. ``load_docs`` reads per-document rules from a store."""
    args = _build_parser().parse_args(argv)
    try:
        lines = parse_claim(args.codes) if args.command == "check" else []
        store = args.store if args.store is not None else Settings().store
        docs = load_docs(Path(store))
    except ClaimError as exc:
        print(f"python -m knowledge: error: {exc}", file=sys.stderr)
        return 2
    except AssistantError as exc:
        print(f"python -m knowledge: error: {exc}", file=sys.stderr)
        return 1
    except ValidationError as exc:  # a bad CPTCITE_* variable
        problems = "; ".join(
            f"CPTCITE_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()
        )
        print(f"python -m knowledge: error: bad setting: {problems}", file=sys.stderr)
        return 2
    if args.command == "check":
        # The national edit files' rows for the claim's codes (``knowledge.edit_store``).
        edits, _ = EditStore(Path(store)).document_rules(line.code for line in lines)
        docs = [*docs, *edits]
    rules, _ = merge_rules(docs)
    payload: object
    if args.command == "rules":
        payload, text = [r.model_dump() for r in rules], _rule_lines(rules)
    elif args.command == "check":
        verdict = check_claim(lines, rules, audit_materials(docs), args.date)
        payload, text = verdict.model_dump(), _verdict_lines(verdict)
    else:
        findings = audit_materials(docs)
        payload, text = [f.model_dump() for f in findings], _audit_lines(findings)
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print("\n".join(text))
    return 0


if __name__ == "__main__":
    sys.exit(main())
