"""Turn latency with Gemini unreachable: what a user waits for when the network is bad.

Targets (issue 15): the first turn ≤ 30 s, the following turns ≤ 1 s while the circuit breaker
cools down. Each case is a real agent (``create_agent(llm="gemini")``, SQLite, the product's
default deadline, client timeout and cool-down) whose ``TRAINCHAT_GEMINI_BASE_URL`` points at:

* **swallowed** — a local TCP endpoint that accepts the connection and never answers (what a
  firewall or a captive network that drops packets looks like to the client);
* **refused** — a closed port (no route, server down);
* **swallowed, breaker off** — the same endpoint with ``cooldown_s=0``: every turn pays the
  deadline, which is how every turn behaved before the breaker.

Every turn must still be understood (by the offline parser) and say so in one line.

    python -m bench.bench_gemini_unreachable [--turns 6] [--write]

``--write`` rewrites the ``gemini`` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["MESSAGES", "swallowing_endpoint", "refused_endpoint", "run_case", "main"]

MESSAGES: tuple[tuple[str, str, Any], ...] = (
    ("train resnet18 for classification", "model_name", "resnet18"),
    ("10 epochs", "epochs", 10),
    ("batch size 32", "batch_size", 32),
    ("learning rate 0.001", "learning_rate", 0.001),
    ("seed 7", "seed", 7),
    ("image size 224", "image_size", 224),
    ("patience 5", "patience", 5),
    ("momentum 0.9", "momentum", 0.9),
)
"""(message, the field it sets, the value): the offline parser must still get every one."""


@contextmanager
def swallowing_endpoint() -> Iterator[str]:
    """A loopback endpoint that accepts connections and never sends a byte."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def hold() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            held.append(connection)

    thread = threading.Thread(target=hold, name="bench-swallow", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=2)
        for connection in held:
            connection.close()
        listener.close()


@contextmanager
def refused_endpoint() -> Iterator[str]:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    yield f"http://127.0.0.1:{port}"


def run_case(
    base_url: str, turns: int, *, cooldown_s: float | None = None, timeout_s: float | None = None
) -> list[float]:
    """Seconds per turn for ``turns`` turns of one conversation with Gemini at ``base_url``.

    ``None`` keeps the product's defaults (what ``create_agent(llm="gemini")`` wires).
    """
    with _environment(GOOGLE_API_KEY="bench-key", TRAINCHAT_GEMINI_BASE_URL=base_url):
        return _conversation(base_url, turns, cooldown_s, timeout_s)


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _conversation(
    base_url: str, turns: int, cooldown_s: float | None, timeout_s: float | None
) -> list[float]:
    from agent import create_agent
    from agent.gemini import make_gemini_model
    from graph.understanding import Interpreter

    work = tempfile.mkdtemp(prefix="bench-gemini-")
    db = f"sqlite:///{work}/bench.db"
    if cooldown_s is None and timeout_s is None:
        agent = create_agent(db, llm="gemini")
    else:
        options: dict[str, float] = {}
        if cooldown_s is not None:
            options["cooldown_s"] = cooldown_s
        if timeout_s is not None:
            options["timeout_s"] = timeout_s
        client_timeout = {"timeout_s": timeout_s} if timeout_s is not None else {}
        interpreter = Interpreter(make_gemini_model(**client_timeout), **options)  # type: ignore[arg-type]
        agent = create_agent(db, interpreter=interpreter)
    thread = {"configurable": {"thread_id": "bench-unreachable"}}
    seconds: list[float] = []
    for index in range(turns):
        text, name, value = MESSAGES[index % len(MESSAGES)]
        started = time.perf_counter()
        out = agent.invoke({"messages": [{"role": "user", "content": text}]}, thread)
        seconds.append(time.perf_counter() - started)
        reply = str(out["messages"][-1].content)
        if "offline parser" not in reply.splitlines()[0]:
            raise SystemExit(f"turn {index + 1}: no fallback line in {reply!r}")
        if getattr(out["config"], name) != value:
            raise SystemExit(f"turn {index + 1}: {name} is not {value!r}: {reply!r}")
    return seconds


def _commit() -> str:
    try:
        found = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return found.stdout.strip()


def _row(case: str, seconds: list[float], target: str) -> str:
    later = seconds[1:]
    shown = " / ".join(f"{value:.2f}" for value in seconds)
    rest = f"{max(later):.2f} s" if later else "–"
    median = f"{statistics.median(later):.2f} s" if later else "–"
    return f"| {case} | {seconds[0]:.2f} s | {median} | {rest} | {shown} | {target} |"


def main(argv: list[str] | None = None) -> str:
    """Run every case, print the Markdown section (and write it with ``--write``)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--compare-turns", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=None, help="turn deadline (tests only)")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    rows = []
    with swallowing_endpoint() as url:
        seconds = run_case(url, args.turns, timeout_s=args.timeout)
    rows.append(_row("swallowed (accepts, never answers)", seconds, "≤ 30 s, then ≤ 1 s"))
    with refused_endpoint() as url:
        seconds = run_case(url, args.turns, timeout_s=args.timeout)
    rows.append(_row("refused (closed port)", seconds, "≤ 30 s, then ≤ 1 s"))
    if args.compare_turns:
        with swallowing_endpoint() as url:
            seconds = run_case(url, args.compare_turns, cooldown_s=0, timeout_s=args.timeout)
        rows.append(_row("swallowed, breaker off (before #15)", seconds, "for comparison"))
    total = time.perf_counter() - started
    body = "\n".join(
        [
            f"Command: `python -m bench.bench_gemini_unreachable --turns {args.turns}"
            + (" --write`" if args.write else "`")
            + f" ({total:.0f} s).",
            "",
            f"Date (UTC) {datetime.now(UTC):%Y-%m-%d %H:%M}, commit {_commit()}, "
            f"{os.cpu_count()} cores, load {load_before:.1f} → {os.getloadavg()[0]:.1f}. "
            'One conversation per case through `create_agent(llm="gemini")` on SQLite with '
            "the product defaults (turn deadline 25 s, HTTP timeout 20 s, cool-down 60 s); "
            "every turn was understood by the offline parser and said so in its first line.",
            "",
            "| Gemini endpoint | turn 1 | median, turns 2… | slowest, turns 2… | every turn (s) "
            "| target |",
            "| --- | ---: | ---: | ---: | --- | --- |",
            *rows,
        ]
    )
    print(body)
    if args.write:
        from bench.report import write_section

        write_section(Path(__file__).parents[1] / "BENCHMARKS.md", "gemini", body)
    return body


if __name__ == "__main__":
    main()
