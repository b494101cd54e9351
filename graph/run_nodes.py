"""The graph's I/O nodes for training: check, start, resume and stop a run through ``RunControl``.

Why nodes of their own: besides the model call, these are the only places the graph touches the
world (a worker process, a cluster), so the drawing shows exactly where that happens and a test
can hand the graph an in-memory ``RunControl``. Each node makes one call, writes the run it got
back (a new frozen ``TrainingRun``; nothing is edited) and adds what to say to the turn's one
reply. What to call and when is decided before, by the pure ``graph.steps.training``.

A ``RunControl`` that raises never costs the turn: the reply says what went wrong in one line and
the state keeps the run it had.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from langchain_core.messages import AIMessage
from langchain_core.runnables import RunnableConfig, RunnableLambda

from graph.replies import detect_language
from graph.routing import CHECK_NODE
from graph.run import RunControl, TrainingRun
from graph.run_replies import outcome_lines, say_run, started_lines
from graph.state import ConversationState
from graph.steps.training import reply_with, unavailable_line

__all__ = ["make_check_node", "make_start_node", "make_stop_node", "one_line"]


_Node = Callable[[ConversationState, RunnableConfig], dict[str, Any]]


def one_line(error: BaseException) -> str:
    """An exception as one line for the user: its first line, else its type."""
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _thread(state: ConversationState, config: RunnableConfig) -> str:
    value = (config.get("configurable") or {}).get("thread_id")
    if value is not None:
        return str(value)
    created = state.job.created_from if state.job is not None else None
    return created or "default"


def _as_node(name: str, run: _Node) -> RunnableLambda[Any, Any]:
    """``run`` as a graph node; async graphs run the blocking call in a worker thread."""

    async def arun(state: ConversationState, config: RunnableConfig) -> dict[str, Any]:
        return await asyncio.to_thread(run, state, config)

    arun.__name__ = name
    return RunnableLambda(run, afunc=arun, name=name)


def make_check_node(runs: RunControl | None) -> RunnableLambda[Any, Any]:
    """``check_training``: the active run as it really is (``RunControl.refresh``).

    A worker that died shows ``failed`` with the reason from this turn on; when the refresh
    finds the run ended, the turn's reply starts by saying so (with the resume offer).
    """

    def check_training(state: ConversationState, config: RunnableConfig) -> dict[str, Any]:
        current = state.run
        if runs is None or current is None or not current.active:
            return {}
        try:
            fresh = runs.refresh(current)
        except Exception:  # cannot look right now: keep what we know, answer the turn
            return {}
        if fresh == current:
            return {}
        update: dict[str, Any] = {"run": fresh}
        if not fresh.active:
            lang = detect_language(state.last_user_text(), state.language)
            update["messages"] = [AIMessage(content="\n".join(outcome_lines(fresh, lang)))]
        return update

    return _as_node(CHECK_NODE, check_training)


def make_start_node(runs: RunControl | None, *, resume: bool) -> RunnableLambda[Any, Any]:
    """``start_training`` (a new run of the confirmed job) or ``resume_training`` (the failed
    or cancelled ``state.run`` continued as the same run)."""
    name = "resume_training" if resume else "start_training"

    def start(state: ConversationState, config: RunnableConfig) -> dict[str, Any]:
        lang = state.language
        thread = _thread(state, config)
        if runs is None:
            return {"messages": [reply_with(state.messages, [unavailable_line(thread, lang)])]}
        if state.job is None:
            return {"messages": [reply_with(state.messages, [say_run("confirm_first", lang)])]}
        try:
            started = runs.start(state.job, thread_id=thread, resume=state.run if resume else None)
        except Exception as error:
            line = say_run("start_failed", lang, error=one_line(error))
            return {"messages": [reply_with(state.messages, [line])]}
        started = TrainingRun.model_validate(started)
        lines = started_lines(started, lang, resumed=resume)
        return {"run": started, "messages": [reply_with(state.messages, lines)]}

    return _as_node(name, start)


def make_stop_node(runs: RunControl | None) -> RunnableLambda[Any, Any]:
    """``stop_training``: cancel the active run; its worker and all its children end."""

    def stop_training(state: ConversationState, config: RunnableConfig) -> dict[str, Any]:
        lang = state.language
        current = state.run
        if runs is None:
            line = unavailable_line(_thread(state, config), lang)
            return {"messages": [reply_with(state.messages, [line])]}
        if current is None or not current.active:
            return {"messages": [reply_with(state.messages, [say_run("not_running", lang)])]}
        try:
            stopped = TrainingRun.model_validate(runs.stop(current))
        except Exception as error:
            line = say_run("stop_failed", lang, run_id=current.run_id, error=one_line(error))
            return {"messages": [reply_with(state.messages, [line])]}
        return {
            "run": stopped,
            "messages": [reply_with(state.messages, outcome_lines(stopped, lang))],
        }

    return _as_node("stop_training", stop_training)
