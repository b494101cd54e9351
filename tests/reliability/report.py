"""Build the RELIABILITY.md table from a real run of the reliability suite.

    python tests/reliability/report.py                 # default + slow tests, rewrite the table
    python tests/reliability/report.py -m "not slow"   # only the default part
    python tests/reliability/report.py --junit a.xml --junit b.xml  # from JUnit files; a test
                                                       # in a later file replaces its row

Each test prints one ``RELIABILITY {...}`` line with its counts (``summary.report``); pytest's
JUnit XML keeps every test's output and outcome, so the table shows exactly what the run
measured, next to whether the test passed, failed or is a known (xfail) finding.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

__all__ = ["rows_from_junit", "render_table", "main"]

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "RELIABILITY.md"
START, END = "<!-- table:start -->", "<!-- table:end -->"
MARKER = "RELIABILITY "


def _outcome(case: ET.Element) -> str:
    for tag, name in (("failure", "FAILED"), ("error", "ERROR")):
        if case.find(tag) is not None:
            return name
    skipped = case.find("skipped")
    if skipped is not None:
        kind = skipped.get("type", "")
        return "xfail (known finding)" if "xfail" in kind else "skipped"
    return "passed"


def rows_from_junit(path: Path) -> list[dict[str, str]]:
    """One row per test case: name, counts from its summary lines, outcome, seconds."""
    rows: list[dict[str, str]] = []
    for case in ET.parse(path).iter("testcase"):
        output = "".join(node.text or "" for node in case.iter("system-out"))
        counts: list[str] = []
        for line in output.splitlines():
            if line.startswith(MARKER):
                data = json.loads(line[len(MARKER) :])
                data.pop("test", None)
                counts.append(", ".join(f"{k}={v}" for k, v in data.items()))
        module = (case.get("classname") or "").rsplit(".", 1)[-1]
        rows.append(
            {
                "test": f"{module}::{case.get('name')}",
                "counts": "; ".join(counts) or "—",
                "result": _outcome(case),
                "seconds": f"{float(case.get('time') or 0):.1f}",
            }
        )
    return rows


def render_table(rows: list[dict[str, str]]) -> str:
    """The markdown table."""
    lines = ["| test | counts (from the test's own output) | result | s |", "|---|---|---|---:|"]
    lines += [
        f"| `{r['test']}` | {r['counts'].replace('|', '/')} | {r['result']} | {r['seconds']} |"
        for r in rows
    ]
    return "\n".join(lines)


def _run_pytest(marker: str, junit: Path) -> int:
    command = [
        sys.executable, "-m", "pytest", "tests/reliability", "-q", "-p", "no:cacheprovider",
        "-m", marker, f"--junitxml={junit}", "-o", "junit_logging=system-out",
    ]  # fmt: skip
    return subprocess.run(command, cwd=ROOT, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    """Run (or read) the suite and rewrite the table in RELIABILITY.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-m", dest="marker", default="slow or not slow")
    parser.add_argument(
        "--junit", type=Path, action="append", help="read JUnit XML instead of running (repeatable)"
    )
    parser.add_argument("--print", action="store_true", help="print the table, leave the file")
    args = parser.parse_args(argv)
    code = 0
    if not args.junit:
        args.junit = [Path(tempfile.mkdtemp()) / "reliability.xml"]
        code = _run_pytest(args.marker, args.junit[0])
    merged: dict[str, dict[str, str]] = {}
    for path in args.junit:
        merged.update({row["test"]: row for row in rows_from_junit(path)})
    table = render_table(list(merged.values()))
    if args.print:
        print(table)
        return code
    text = DOC.read_text(encoding="utf-8")
    before, _, rest = text.partition(START)
    _, _, after = rest.partition(END)
    DOC.write_text(f"{before}{START}\n{table}\n{END}{after}", encoding="utf-8")
    print(f"wrote {len(table.splitlines()) - 2} rows to {DOC}")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
