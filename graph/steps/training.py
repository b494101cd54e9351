"""What a run request does in a given state: a pure decision, and the reply helpers around it.

Why pure: whether "start training" starts a run, is refused as a duplicate, or is answered with
"not available here" depends only on the frozen state (the step, the confirmed job, the latest
run) and on whether a ``RunControl`` is attached. The graph's I/O nodes (``graph.run_nodes``)
do the starting and stopping; this module only names which one, and what to say otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage

from graph.run import TrainingRun
from graph.run_replies import progress_lines, say_run, status_word
from graph.state import Language, RunAction, Step
from graph.understanding.run_phrases import RunRequest

__all__ = [
    "RunAction",
    "RunDecision",
    "decide_run_request",
    "unavailable_line",
    "turn_notice",
    "reply_with",
]


@dataclass(frozen=True)
class RunDecision:
    """What a run request does: continue to an I/O node, or only reply."""

    action: RunAction | None
    """The I/O node to run next; None when the reply below is the whole answer."""
    lines: tuple[str, ...] = ()
    """What to say (before whatever the I/O node adds)."""


def unavailable_line(thread_id: str | None, lang: Language) -> str:
    """ "Training isn't available in this deployment …" with the command that runs it."""
    return say_run("unavailable", lang, thread=thread_id or "<thread>")


def decide_run_request(
    request: RunRequest,
    *,
    step: Step,
    run: TrainingRun | None,
    available: bool,
    thread_id: str | None,
    lang: Language,
) -> RunDecision | None:
    """The decision for ``request`` at ``step``; None when the message should be read as usual.

    Before ``done`` only the run itself can be asked about or stopped (a run of an earlier job
    keeps going while a new one is configured); "start training" there is a confirmation, which
    the step handles (``not_ready`` or ``confirm``). At ``done``: one run at a time, and never a
    duplicate of a run of this job — active or finished — unless "run it again" asks for one.
    """
    if step != "done":
        if request == "status" and run is not None:
            return RunDecision(None, progress_lines(run, lang))
        if request == "stop" and run is not None and run.active:
            return _act("stop_training", available, thread_id, lang)
        return None
    if request == "status":
        return RunDecision(None, progress_lines(run, lang) + _offer(run, available, lang))
    if request == "stop":
        if run is None or not run.active:
            return RunDecision(None, (say_run("not_running", lang), *progress_lines(run, lang)))
        return _act("stop_training", available, thread_id, lang)
    if run is not None and run.active:
        key = "again_active" if request == "again" else "duplicate_active"
        refused = say_run(key, lang, run_id=run.run_id, status=status_word(run, lang))
        return RunDecision(None, (refused, *progress_lines(run, lang)))
    if request == "start" and run is not None:
        lines = [
            say_run("duplicate_finished", lang, run_id=run.run_id, status=status_word(run, lang))
        ]
        if run.status != "succeeded":
            lines.append(say_run("resume_hint", lang, run_id=run.run_id))
        return RunDecision(None, tuple(lines))
    if request == "resume":
        if run is None:
            return RunDecision(None, progress_lines(None, lang) + _offer(None, available, lang))
        if run.status == "succeeded":
            return RunDecision(None, (say_run("nothing_to_resume", lang, run_id=run.run_id),))
        return _act("resume_training", available, thread_id, lang)
    return _act("start_training", available, thread_id, lang)  # start (no run yet) or again


def _act(action: RunAction, available: bool, thread_id: str | None, lang: Language) -> RunDecision:
    if not available:
        return RunDecision(None, (unavailable_line(thread_id, lang),))
    return RunDecision(action)


def _offer(run: TrainingRun | None, available: bool, lang: Language) -> tuple[str, ...]:
    return (say_run("offer", lang),) if run is None and available else ()


def turn_notice(messages: Sequence[AnyMessage]) -> AIMessage | None:
    """An agent message already written this turn (after the newest user message), if any.

    ``check_training`` writes one when a refresh finds the run ended; the step's reply is then
    joined to it, so a turn still answers with one message.
    """
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            return None
        if isinstance(message, AIMessage):
            return message
    return None


def reply_with(messages: Sequence[AnyMessage], lines: Sequence[str]) -> AIMessage:
    """The turn's reply with ``lines`` added: this turn's earlier message extended in place
    (same id, so the messages reducer replaces it), else a new message. Repeated lines are said
    once."""
    notice = turn_notice(messages)
    earlier = [] if notice is None else str(notice.content).split("\n")
    body = "\n".join(dict.fromkeys(line for line in (*earlier, *lines) if line))
    if notice is None:
        return AIMessage(content=body)
    return AIMessage(content=body, id=notice.id)
