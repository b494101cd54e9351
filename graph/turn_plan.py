"""Which act a message asks for, and which files must be looked at first: a pure decision.

Why a module of its own: the choice is the conversation's dispatch table (a question is
answered, "undo" undoes, values are applied, and after ``done`` the job is frozen), and the files
a turn needs (the dataset folder a message names, a weights file, the folder an undo brings
back) must be known *before* the act, so the I/O node ``inspect_files`` can look at them and the
act stays a pure function. ``understand`` calls ``plan_turn`` on the interpretation it got.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from graph.patch import TurnPatch
from graph.state import Act, ConversationState, Language, TurnFields

__all__ = [
    "TurnContext",
    "InterpretationLike",
    "NEW_CONFIGURATION_PHRASES",
    "plan_turn",
    "choose_act",
]

NEW_CONFIGURATION_PHRASES: tuple[str, ...] = (
    "new",
    "new job",
    "new configuration",
    "new config",
    "start new",
    "start a new one",
    "새로",
    "새로 시작",
    "새 작업",
    "새 설정",
)
"""Besides any reset intent ("start over", "처음부터"), what starts a new job after ``done``."""


@dataclass(frozen=True)
class TurnContext:
    """What the caller knows about a turn that the state cannot (LangGraph's run context)."""

    forked: bool = False
    """The turn continues from an earlier checkpoint (``checkpoint_id`` in the config): the
    dataset folder seen then is looked at again, and the reply says if it changed."""


class InterpretationLike(Protocol):
    """What the understanding layer returns for a message (``graph.understanding``)."""

    @property
    def patch(self) -> TurnPatch: ...

    @property
    def fallback_reason(self) -> str | None: ...


def wants_new_configuration(patch: TurnPatch, text: str) -> bool:
    """After ``done``: "start over" or "new" asks for an empty configuration."""
    return patch.intent == "reset" or text.strip().strip(".!").lower() in (
        NEW_CONFIGURATION_PHRASES
    )


def choose_act(state: ConversationState, patch: TurnPatch) -> Act:
    """The act for ``patch`` at the conversation's step.

    After ``done`` the job is frozen: another job or an empty start are the ways on, anything
    else is answered (``answer_question`` says the job is frozen). Before it, an ambiguous value
    is asked about and nothing changes; then undo, reset and a question that states no value;
    everything else applies the patch (values, defaults, a confirmation or a "no").
    """
    if state.step == "done":
        if patch.new_job:
            return "apply_patch"
        if wants_new_configuration(patch, state.last_user_text()):
            return "reset"
        return "answer_question"
    if patch.ambiguities:
        return "clarify"
    if patch.intent == "undo":
        return "undo"
    if patch.intent == "reset":
        return "reset"
    if patch.intent == "question" and not patch.changes.stated() and not patch.use_defaults:
        return "answer_question"
    return "apply_patch"


def weights_path(value: object) -> str:
    """A weights path as the ``weights`` slot reads it (quotes and spaces around removed)."""
    return str(value).strip().strip("\"'`")


def _folders(state: ConversationState, patch: TurnPatch, act: Act) -> tuple[str, ...]:
    """The dataset folders the act will need inspected, as it will name them."""
    if act == "apply_patch":
        path = patch.changes.dataset_path
        if path is None and state.step == "done":
            path = state.config.dataset_path  # another job carries the dataset over
        return (path.strip(),) if path is not None and path.strip() else ()
    if act == "undo" and state.previous:
        restored = state.previous[-1].undo(state.config).dataset_path
        if restored is not None and restored != state.config.dataset_path:
            return (restored,)  # to say whether it changed since it was seen
    return ()


def plan_turn(
    state: ConversationState,
    interpretation: InterpretationLike,
    *,
    lang: Language,
    can_train: bool = False,
    asked_to_start: bool = False,
    forked: bool = False,
) -> TurnFields:
    """The turn's fields after understanding: the act, the files to look at, the reply's head.

    ``forked``: the turn continues from an earlier checkpoint, so the dataset folder seen then
    is looked at again (``TurnFields.recheck``)."""
    patch = interpretation.patch
    head: tuple[str, ...] = ()
    if interpretation.fallback_reason:
        # Already one full line in the user's language ("... so I used the offline parser.").
        head = (interpretation.fallback_reason,)
    notice = getattr(interpretation, "notice", None)  # a model's refused overwrites, one line
    if notice:
        head = (*head, notice)
    act = choose_act(state, patch)
    folders = _folders(state, patch, act)
    recheck = None
    if forked and state.dataset is not None and state.dataset.path == state.config.dataset_path:
        recheck = state.dataset.path
        folders = tuple(dict.fromkeys((*folders, recheck)))
    weights = patch.changes.weights
    return TurnFields(
        act=act,
        lang=lang,
        step_before=state.step,
        patch=patch,
        head=head,
        inspect=folders,
        recheck=recheck,
        weights=(weights_path(weights),) if weights is not None and act == "apply_patch" else (),
        asked_to_start=asked_to_start,
        can_train=can_train,
    )
