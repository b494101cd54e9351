"""The ``confirm`` step: everything required is set; the user checks the summary and says yes.

What it asks: the summary (every value, what uses the defaults, any warning about the data)
when something changed or the step is new, then "shall I create the job?". What it accepts: a
"yes" (``apply_patch`` builds the job), a "no", or any change. Where it goes next: ``done``
with the job on "yes"; back to an earlier step when a change empties a required slot.
"""

from __future__ import annotations

from typing import Any

from graph.config import TrainingConfig
from graph.replies import say
from graph.slots import SLOTS
from graph.state import ConversationState, DatasetFacts, Language, Step
from graph.steps import rules
from graph.steps.questions import config_lines
from graph.steps.reply import finish_turn, turn_of

__all__ = ["STEP", "asks", "summary", "summary_lines", "confirm"]

STEP: Step = "confirm"


def summary_lines(
    config: TrainingConfig, dataset: DatasetFacts | None, lang: Language
) -> list[str]:
    """What is set, one field per line, and one line saying the rest uses the defaults."""
    lines = [say("summary_title", lang), *config_lines(config, lang, with_declared_defaults=True)]
    if any(getattr(config, slot.name) is None for slot in SLOTS):
        if config.framework:
            lines.append(say("summary_rest", lang, framework=config.framework))
        else:
            lines.append(say("summary_rest_unknown", lang))
    problem = rules.dataset_problem(config, lang, dataset)
    if problem is not None:
        lines.append(say("compat_blocking" if problem[1] else "compat", lang, problem=problem[0]))
    if dataset is not None and not dataset.found:
        lines.append(say("path_not_found", lang, path=dataset.path))
    return lines


def summary(config: TrainingConfig, dataset: DatasetFacts | None, lang: Language) -> str:
    """The summary as one text."""
    return "\n".join(summary_lines(config, dataset, lang))


def asks(state: ConversationState) -> tuple[str, ...]:
    """The summary (when something changed or the step is new: a turn at confirm that changed
    nothing only asks again), then the confirmation question."""
    turn = turn_of(state)
    lines: list[str] = []
    if turn.changed or turn.step_before != "confirm":
        lines.extend(summary_lines(state.config, state.dataset, turn.lang))
    lines.append(say("confirm_ask", turn.lang))
    return tuple(lines)


def confirm(state: ConversationState) -> dict[str, Any]:
    """The step's node: the act's reply, then the summary and the question."""
    return finish_turn(state, asks(state) if turn_of(state).prompt else ())
