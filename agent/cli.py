"""The ``trainchat`` command line (placeholder until the agent lands)."""

from __future__ import annotations

import sys


def main() -> None:
    """Entry point of the ``trainchat`` console script."""
    args = sys.argv[1:]
    if not args or args[0] in ("-h", "--help"):
        print("usage: trainchat [demo|--help]\n\nConfigure a training job through conversation.")
        return
    if args[0] == "demo":
        print("trainchat demo: coming soon (the conversation agent has not landed yet).")
        return
    print(f"trainchat: unknown command {args[0]!r}; see trainchat --help", file=sys.stderr)
    raise SystemExit(2)
