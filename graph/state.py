"""The conversation's state: frozen models and tuples all the way down, one new state per turn.

LangGraph stores each channel of this model in every checkpoint. Because nothing here can be
mutated (frozen models, tuples instead of lists, no dicts), a node can only ever *return* a new
state; the in-place edit that lost the origin system's data has no way to happen. The one
exception we accept is LangChain's message classes, which are not frozen pydantic models: they are
kept in a tuple, appended through ``append_messages`` and never edited by a node.

Checkpoints store tuples as msgpack arrays, so a channel read straight from a checkpoint
(``get_state().values["previous"]``) is a list; every node receives the state validated back
into this frozen model, and every turn's output carries tuples.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Annotated, Any, Literal

from langchain_core.messages import AnyMessage, BaseMessage, HumanMessage
from langgraph.channels.ephemeral_value import EphemeralValue
from langgraph.graph.message import add_messages
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from graph.config import DatasetFormat, TrainingConfig
from graph.job import TrainingJob
from graph.patch import TurnPatch
from graph.run import TrainingRun
from graph.undo import ConfigChange, changes_between

__all__ = [
    "Step",
    "Language",
    "STEPS",
    "UNDO_DEPTH",
    "HISTORY_MESSAGES",
    "RECENT_MESSAGES",
    "DatasetFacts",
    "DATASETS_SEEN",
    "Act",
    "RunAction",
    "TurnFields",
    "ConversationState",
    "append_messages",
    "last_user_text",
    "STATE_MSGPACK_TYPES",
    "validate_update",
    "MAX_MESSAGE_CHARS",
    "MAX_THREAD_ID_CHARS",
    "MessageTooLongError",
    "InvalidThreadIdError",
    "check_thread_id",
    "check_message_sizes",
]

Step = Literal["select_model", "dataset", "hyperparameters", "confirm", "done"]
"""Where the conversation is: the first step with a missing required slot, or confirm/done."""

STEPS: tuple[Step, ...] = ("select_model", "dataset", "hyperparameters", "confirm", "done")
"""Every step, in the order a conversation normally walks them."""

Language = Literal["en", "ko"]
"""Reply language: the language of the user's latest message."""

UNDO_DEPTH = 20
"""How many earlier configurations ``undo`` can walk back through (bounded so state stays small)."""


HISTORY_MESSAGES = 8
"""How many earlier messages the interpreter sees (context for "yes", "that one", "actually")."""

RECENT_MESSAGES = HISTORY_MESSAGES + 2
"""How many messages a state keeps: what the interpreter sees, the user's message and the reply.

A state that held every message would make each turn cost more than the last (the list is
loaded, validated and stored again every turn: 50 ms to decode 2,000 messages) and storage grow
quadratically. Nothing is lost by the bound: each checkpoint keeps the messages of its own turn,
so the whole conversation is the chain of checkpoints (``agent.transcript.transcript``)."""


def append_messages(
    left: Sequence[AnyMessage] | None, right: Sequence[Any] | Any
) -> tuple[AnyMessage, ...]:
    """Reducer of the ``messages`` channel: LangGraph's ``add_messages``, then the newest
    ``RECENT_MESSAGES`` kept (never fewer than the update itself added), as a tuple.

    It accepts what ``add_messages`` accepts (``{"role", "content"}`` dicts, LangChain messages,
    strings), gives every message an id and replaces a message that reuses an id, so returning
    the same message twice never duplicates it. Every message an update adds stays in the
    checkpoint it creates (an ``update_state`` of 30 messages keeps all 30 there), which is
    what lets the transcript be read back from the checkpoints without a gap. The tuple keeps
    the channel immutable.
    """
    existing: list[Any] = list(left or ())
    merged: Any = add_messages(existing, right if isinstance(right, list) else _listed(right))
    # add_messages keeps the left messages in place and appends the new ones at the end.
    added = len(merged) - len(existing)
    return tuple(merged[-max(RECENT_MESSAGES, added) :])


def _listed(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    return value


class DatasetFacts(BaseModel):
    """What inspecting ``dataset_path`` found, kept so later turns can re-check compatibility.

    The config stores only the values (format, class count); this keeps the findings that the
    reply and the confirm summary show without reading the folder again.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    """The path as the user gave it."""
    found: bool
    """Whether the path exists on this machine (a job may run elsewhere, so absence is allowed)."""
    format: DatasetFormat | None = None
    """The layout inspection detected, if any."""
    num_classes: int | None = None
    """Class count inspection read, if any."""
    images: int | None = None
    """Total images inspection counted (used for the batch-larger-than-dataset warning)."""
    summary: str = ""
    """One-paragraph description of the dataset in the user's language at the time."""
    errors: tuple[str, ...] = ()
    """Problems that would break training."""
    warnings: tuple[str, ...] = ()
    """Problems worth knowing that do not block training."""
    label_kinds: tuple[str, ...] = ()
    """What the labels hold (``classes``, ``boxes``, ``polygons``, ``keypoints``, ``obb``): a
    segmentation, pose or OBB model cannot train on boxes alone. Empty when unknown."""

    def differs_from(self, other: DatasetFacts) -> bool:
        """Whether ``other`` (the same folder inspected again) holds something else; the summary
        and problem texts are compared by count only, they are in the language of their time."""

        def key(facts: DatasetFacts) -> tuple[object, ...]:
            return (facts.path, facts.found, facts.format, facts.num_classes, facts.images,
                    facts.label_kinds, len(facts.errors), len(facts.warnings))  # fmt: skip

        return key(self) != key(other)


DATASETS_SEEN = 8
"""How many inspected dataset folders a state remembers (``ConversationState.datasets_seen``)."""

Act = Literal[
    "apply_patch", "clarify", "answer_question", "undo", "reset", "answer_run_request"
]  # fmt: skip
"""The act node a turn takes after ``understand`` (``graph.acts``)."""

RunAction = Literal["start_training", "resume_training", "stop_training"]
"""The training I/O node a turn continues to after its step node (``graph.run_nodes``)."""


class TurnFields(BaseModel):
    """What one turn has found out so far, handed from node to node and gone when it ends.

    Why in the state: LangGraph nodes talk only through the state, and routing reads explicit
    fields, so ``understand`` writes the interpretation and the act it chose here,
    ``inspect_files`` adds what it saw on disk, the act adds the reply so far, and the step node
    finishes the reply. The channel is an ``EphemeralValue``: every node that needs it passed on
    writes it again, and the step node (the last) does not, so no checkpoint ever stores it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    act: Act
    """The act node this turn takes."""
    lang: Language
    """The reply language, read from this message."""
    step_before: Step
    """The step the conversation was at when the message came."""
    patch: TurnPatch = Field(default_factory=TurnPatch)
    """What the message asks for (the interpreter's patch)."""
    head: tuple[str, ...] = ()
    """Lines the reply starts with: the fallback reason, the refused-overwrites notice."""
    inspect: tuple[str, ...] = ()
    """Dataset folders ``inspect_files`` must look at before the act."""
    weights: tuple[str, ...] = ()
    """Weights files ``inspect_files`` must look for before the act."""
    recheck: str | None = None
    """The dataset folder of a turn that continues from an earlier checkpoint (a fork): it is
    inspected again so the reply can say when it changed since it was seen."""
    datasets: tuple[DatasetFacts, ...] = ()
    """What ``inspect_files`` found in those folders this turn."""
    weights_present: tuple[str, ...] = ()
    """Those weights files that exist on this machine."""
    run_action: RunAction | None = None
    """The training I/O node to continue to after the step node, when a run request asks."""
    asked_to_start: bool = False
    """The message asks to start training ("start training" at confirm confirms, then starts)."""
    can_train: bool = False
    """A ``RunControl`` is attached, so a run can be started from the chat."""
    lines: tuple[str, ...] = ()
    """The reply so far, written by the act."""
    prompt: bool = False
    """Whether the step node adds what its step asks (the next question, the summary)."""
    changed: bool = False
    """Whether the act changed the configuration (the confirm step shows the summary again)."""


class ConversationState(BaseModel):
    """One checkpoint of a training-configuration conversation."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    messages: Annotated[tuple[AnyMessage, ...], append_messages] = ()
    """The newest user and agent messages (``RECENT_MESSAGES``), oldest first; the whole
    conversation is the chain of checkpoints (``agent.transcript``)."""
    config: TrainingConfig = Field(default_factory=TrainingConfig)
    """The configuration agreed so far; only validated values ever reach it."""
    step: Step = "select_model"
    """The step whose node handles the next user message."""
    language: Language = "en"
    """Language of the latest user message; replies use it."""
    dataset: DatasetFacts | None = None
    """Findings of the last dataset inspection (for ``config.dataset_path``)."""
    previous: tuple[ConfigChange, ...] = ()
    """The undo history, newest last: what each change of ``config`` replaced (at most
    ``UNDO_DEPTH``); ``graph.undo.earlier_configs`` turns it back into whole configurations."""
    job: TrainingJob | None = None
    """The built ``TrainingJob`` once the user confirmed (``step == "done"``)."""
    run: TrainingRun | None = None
    """The latest training run of ``job`` (``graph.run``), None until one is started."""
    datasets_seen: tuple[DatasetFacts, ...] = ()
    """Every dataset folder inspected in this conversation as it was then (the newest
    ``DATASETS_SEEN``, newest last), so an undo or a fork restores what was seen, not what the
    folder holds today (and can say when the two differ)."""
    turn: Annotated[TurnFields | None, EphemeralValue] = None
    """This turn's findings, from node to node (``TurnFields``); never in a checkpoint."""

    @model_validator(mode="before")
    @classmethod
    def _undo_history_of_whole_configs(cls, data: Any) -> Any:
        """Read a thread stored when the undo history kept whole configurations: the same
        history, as the changes between them, so ``undo`` on it still walks back."""
        if not isinstance(data, Mapping):
            return data
        previous = data.get("previous")
        if not previous or all(isinstance(item, ConfigChange) for item in previous):
            return data
        if not all(isinstance(item, TrainingConfig) for item in previous):
            return data  # neither shape: let field validation say what is wrong
        current = data.get("config")
        if not isinstance(current, TrainingConfig):
            current = TrainingConfig.model_validate(current or {})
        return {**data, "previous": changes_between(list(previous), current)}

    def last_user_text(self) -> str:
        """Text of the newest user message (empty when there is none)."""
        return last_user_text(self.messages)


def last_reply_text(messages: Iterable[Any]) -> str:
    """Text of the newest agent (AI) message in ``messages``, or an empty string when there is
    none (what the CLI, the notebook and the server show as the turn's reply)."""
    for message in reversed(tuple(messages)):
        if getattr(message, "type", None) == "ai":
            text = message.text
            return text if isinstance(text, str) else str(message.content)
    return ""


def last_user_text(messages: Sequence[BaseMessage]) -> str:
    """Text of the newest human message in ``messages``."""
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            return message.text if isinstance(message.text, str) else str(message.content)
    return ""


STATE_MSGPACK_TYPES: tuple[tuple[str, str], ...] = (
    ("graph.config", "TrainingConfig"),
    ("graph.state", "DatasetFacts"),
    ("graph.state", "ConversationState"),
    ("graph.state", "TurnFields"),
    ("graph.patch", "TurnPatch"),
    ("graph.patch", "FieldChanges"),
    ("graph.patch", "RelativeChange"),
    ("graph.patch", "Ambiguity"),
    ("graph.undo", "ConfigChange"),
    ("graph.job", "TrainingJob"),
    ("graph.run", "TrainingRun"),
    ("graph.run", "EpochResult"),
    ("graph.run", "Metric"),
)
"""Our own types that appear in checkpoints; savers can allow exactly these when decoding."""


@cache
def _adapter(name: str) -> TypeAdapter[Any]:
    annotation = ConversationState.model_fields[name].annotation
    if annotation is None:  # every state field is annotated; this keeps type checkers exact
        raise KeyError(f"state field {name!r} has no annotation")
    return TypeAdapter(annotation)


def validate_update(values: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a direct state update (``update_state``) the way a turn's values are validated.

    Each channel value is validated against its field's type (a config dict becomes a frozen
    ``TrainingConfig``, ``epochs=0`` is refused); messages are left to their reducer. Raises
    ``ValueError`` naming an unknown channel, or pydantic's ``ValidationError``.
    """
    checked: dict[str, Any] = {}
    for name, value in values.items():
        if name not in ConversationState.model_fields:
            known = ", ".join(ConversationState.model_fields)
            raise ValueError(f"unknown state channel {name!r}; known: {known}")
        checked[name] = value if name == "messages" else _adapter(name).validate_python(value)
    return checked


MAX_MESSAGE_CHARS = 50_000
"""Longest user message a turn accepts: a pasted log fits, a megabyte does not (it would be
stored in every later checkpoint of the thread; the parser reads only its start anyway)."""

MAX_THREAD_ID_CHARS = 128
"""Longest thread id (storage keys allow 255 bytes; 128 characters of any script fit)."""


class MessageTooLongError(ValueError):
    """A user message over ``MAX_MESSAGE_CHARS``; refused before anything is stored."""


class InvalidThreadIdError(ValueError):
    """A thread id outside the rule ``check_thread_id`` states; refused before the run."""


def check_thread_id(thread_id: str) -> None:
    """Refuse a thread id nobody could type back: 1-128 characters, no control or format
    characters, no whitespace at either end. Any script, spaces inside, punctuation and emoji
    are fine (a thread id is a key, never part of a query or a path).
    """
    problem = None
    if not thread_id.strip():
        problem = "it is empty"
    elif len(thread_id) > MAX_THREAD_ID_CHARS:
        problem = f"it is {len(thread_id)} characters long"
    elif thread_id != thread_id.strip():
        problem = "it starts or ends with whitespace"
    else:
        for index, char in enumerate(thread_id):
            if unicodedata.category(char).startswith("C"):
                problem = f"control character {char!r} at {index}"
                break
    if problem is not None:
        raise InvalidThreadIdError(
            f"thread id must be 1-{MAX_THREAD_ID_CHARS} characters without control characters "
            f"or surrounding whitespace (got {thread_id[:40]!r}: {problem})"
        )


def check_message_sizes(turn_input: Any) -> None:
    """Refuse a turn input whose messages are longer than ``MAX_MESSAGE_CHARS``."""
    if not isinstance(turn_input, Mapping):
        return
    messages = turn_input.get("messages")
    if messages is None:
        return
    for message in messages if isinstance(messages, list | tuple) else (messages,):
        size = _content_length(message)
        if size > MAX_MESSAGE_CHARS:
            raise MessageTooLongError(
                f"message is {size:,} characters; the limit is {MAX_MESSAGE_CHARS:,}: shorten "
                "it (a dataset is given by its path, not its contents)"
            )


def _content_length(message: Any) -> int:
    content = message
    if isinstance(message, BaseMessage):
        content = message.content
    elif isinstance(message, Mapping):
        content = message.get("content", "")
    elif isinstance(message, tuple) and len(message) == 2:
        content = message[1]
    if isinstance(content, str):
        return len(content)
    if isinstance(content, list):
        return sum(
            _content_length(part) if not isinstance(part, str) else len(part) for part in content
        )
    if isinstance(content, Mapping):
        return len(str(content.get("text", "")))
    return 0
