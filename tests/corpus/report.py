"""How far vjp gets through the corpora: counts and the refusals grouped by where vjp stopped.

    python tests/corpus/report.py              # both corpora
    python tests/corpus/report.py published    # or: opinfo
    python tests/corpus/report.py -v           # also every wrong, refused and failed case

Each case runs `vjp jacobian EXPR --at ... [--wrt ...] --format json` in-process (as the tests
do) in a throw-away HOME. accepted = vjp answered (exit 0); right/wrong = the answer agrees or
not with torch; refused = exit 2 (not in the language); error = any other exit or a crash.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, so `corpus` imports


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("which", nargs="?", choices=("all", "published", "opinfo"), default="all")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every case that is not right")
    parser.add_argument("--examples", type=int, default=2, help="example messages per refusal group")
    parser.add_argument("--ops", action="store_true", help="count per operation (OpInfo) or per source page too")
    args = parser.parse_args()

    home = tempfile.mkdtemp(prefix="vjp-corpus-")
    os.environ.update(HOME=home, XDG_CONFIG_HOME=f"{home}/.config", XDG_STATE_HOME=f"{home}/.local/state")
    for name in ("VJP_EXPR", "VJP_AT", "VJP_V", "VJP_FORMAT", "VJP_VARS", "VJP_STATE_DIR", "NO_COLOR"):
        os.environ.pop(name, None)

    from corpus.harness import failing_token, run

    corpora = []
    if args.which in ("all", "published"):
        from corpus.published import ENTRIES, to_cases

        corpora.append(("published expressions", [to_cases(e) for e in ENTRIES]))
    if args.which in ("all", "opinfo"):
        from corpus.opinfo import load

        corpora.append(("OpInfo cases and edges", [[c] for c in load()]))

    for title, groups in corpora:
        report(title, groups, args.verbose, args.examples, run, failing_token, args.ops)
    return 0


def judge(alternatives, run):
    """The outcome of a case, or of another documented reading of the same text if that one is right."""
    outcome = run(alternatives[0])
    if outcome.status == "wrong":
        for alt in alternatives[1:]:
            other = run(alt)
            if other.status == "right":
                return other
    return outcome


def report(title, groups, verbose, examples, run, failing_token, per_op=False) -> None:
    totals: Counter[str] = Counter()
    by_group: dict[str, Counter[str]] = defaultdict(Counter)
    by_op: dict[str, Counter[str]] = defaultdict(Counter)
    refusals: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    others: list[tuple[str, str, str, str]] = []
    for alternatives in groups:
        case = alternatives[0]
        outcome = judge(alternatives, run)
        totals[outcome.status] += 1
        by_group[case.group][outcome.status] += 1
        by_op[case.id.rsplit("-", 1)[0] if "OpInfo" in title else case.source][outcome.status] += 1
        if outcome.status == "refused":
            refusals[failing_token(case, outcome.message)].append((case.id, case.expr, outcome.message))
        elif outcome.status != "right":
            others.append((outcome.status, case.id, case.expr, outcome.message))

    n = sum(totals.values())
    accepted = totals["right"] + totals["wrong"]
    print(f"== {title}: {n} cases")
    print(
        f"accepted {accepted} (right {totals['right']}, wrong {totals['wrong']}), "
        f"refused {totals['refused']}, error {totals['error']}"
    )
    table(by_group, "group")
    if per_op:
        table(by_op, "operation" if "OpInfo" in title else "source")
    if refusals:
        print("\nrefusals by the token where vjp stopped:")
        for token, items in sorted(refusals.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            print(f"  {len(items):>4}  {token}")
            for case_id, expr, message in items[:examples]:
                print(f"          {case_id}: {expr[:70]!r}")
                print(f"            {message[:160]}")
            if verbose:
                for case_id, expr, _ in items[examples:]:
                    print(f"          {case_id}: {expr[:90]!r}")
    if others:
        print("\nwrong and errors:")
        for status, case_id, expr, message in others if verbose else others[:20]:
            print(f"  {status:<6} {case_id}: {expr[:70]!r}\n         {message[:200]}")
        if not verbose and len(others) > 20:
            print(f"  ... {len(others) - 20} more (-v lists them all)")
    print()


def table(rows: dict[str, Counter[str]], title: str) -> None:
    width = max(len(title), *(len(g) for g in rows))
    print(f"\n{title:<{width}}  cases  right  wrong  refused  error")
    for group in sorted(rows):
        c = rows[group]
        counts = f"{sum(c.values()):>5}  {c['right']:>5}  {c['wrong']:>5}  {c['refused']:>7}  {c['error']:>5}"
        print(f"{group:<{width}}  {counts}")


if __name__ == "__main__":
    sys.exit(main())
