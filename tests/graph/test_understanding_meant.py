"""Issue #10, point 1 as a property: a value is applied only when the message states it
unambiguously; otherwise the turn asks one question and changes nothing.

Two sources of messages, both with a known *intended* outcome:

* the parser table (``test_understanding_rules.ROWS``): each row says exactly which values the
  message states, so whatever a turn applies must be one of them (or follow from one — a model
  sets its framework and task, a dataset path its format and class count);
* hypothesis-composed messages from phrase templates in English and Korean — absolute values,
  relative changes, negations and self-corrections, hedges, fillers — each carrying the value it
  means, or marked unclear (it must then get a question and no change at all).

Turns run through the compiled graph without a checkpointer (``tests.graph.one_turn``) with the
offline parser's patch, so thousands of examples are cheap; the conversation suites drive the same
graph through SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.messages import HumanMessage

from graph.config import CONFIG_FIELDS, HYPERPARAMETER_FIELDS, TrainingConfig
from graph.state import ConversationState
from graph.understanding import parse_message
from tests.graph.one_turn import take_turn
from tests.graph.test_understanding_rules import ROWS

BASE = TrainingConfig(
    model_name="yolov8n", framework="ultralytics", task_type="object_detection",
    dataset_path="/elsewhere/data", epochs=20, batch_size=16, learning_rate=0.01,
)  # fmt: skip
DEPENDENTS = {
    "model_name": {"framework", "task_type"} | set(CONFIG_FIELDS),  # may re-check/clear values
    "dataset_path": {"dataset_format", "num_classes"},
}


@dataclass(frozen=True)
class _Read:
    patch: Any
    fallback_reason: None = None


def run(text: str, config: TrainingConfig = BASE, step: str = "confirm") -> ConversationState:
    state = ConversationState(config=config, step=step, messages=(HumanMessage(content=text),))  # type: ignore[arg-type]
    return take_turn(state, _Read(parse_message(text, step=step, config=config)))


def asked(reply: str) -> bool:
    return "Did you mean" in reply or "중 어느 쪽인가요" in reply or "?" in reply


# --- the parser table --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "intent", "changes", "extra"), ROWS, ids=[r[0][:40] for r in ROWS]
)
def test_every_applied_change_is_one_the_table_row_states(
    text: str, intent: str, changes: dict[str, Any], extra: dict[str, Any]
) -> None:
    if intent in ("undo", "reset"):
        return  # they restore or empty by design; their own tests cover what they do
    after = run(text, step="hyperparameters").config
    allowed = set(changes)
    patch = parse_message(text, step="hyperparameters", config=BASE)
    allowed |= {change.field for change in patch.relative_changes}  # "10 more epochs"
    if patch.use_defaults:  # "use the defaults" states every unset value
        allowed |= set(HYPERPARAMETER_FIELDS)
    for name in changes:
        allowed |= DEPENDENTS.get(name, set())
    for name in CONFIG_FIELDS:
        before, now = getattr(BASE, name), getattr(after, name)
        if before == now:
            continue
        assert name in allowed, f"{text!r} changed {name}: {before!r} -> {now!r}"
        if name in changes and isinstance(changes[name], int | float) and now is not None:
            assert now == pytest.approx(changes[name]), f"{text!r}: {name} = {now!r}"


# --- composed messages -------------------------------------------------------------------------

NUMBERS = st.integers(min_value=2, max_value=90)
FIELDS = {  # field, English word, Korean word, current value in BASE
    "epochs": ("epochs", "에폭", 20),
    "batch_size": ("batch size", "배치", 16),
}


@st.composite
def meant(draw: st.DrawFn) -> tuple[str, str, int | None]:
    """(message, field, the value it means — None when it is unclear)."""
    field = draw(st.sampled_from(sorted(FIELDS)))
    en, ko, current = FIELDS[field]
    a = draw(NUMBERS)
    b = draw(NUMBERS.filter(lambda n: n != a))
    templates: list[tuple[str, int | None]] = [
        (f"{a} {en}", a), (f"{en} {a}", a), (f"set {en} to {a}", a), (f"{ko} {a}", a),
        (f"{ko}은 {a}로", a), (f"{a} more {en}", current + a), (f"add {a} {en}", current + a),
        (f"{ko} {a} 더", current + a), (f"{ko} {a} 늘려줘", current + a),
        (f"double the {en}", current * 2), (f"{ko} 두 배로", current * 2),
        (f"halve the {en}", current // 2), (f"{ko} 반으로", current // 2),
        (f"increase the {en} by {a}", current + a),
        (f"not {a} {en}, {b} {en}", b), (f"{ko} {a} 말고 {b}", b),
        (f"{a} {en}, no wait, {b}", b), (f"{ko} {a} 아 아니다 {b}", b),
        (f"{en} {a}, actually make it {b}", b), (f"{en} {a} {en} {b}", b),
        (f"increase {en} {a}", None), (f"more {en}", None), (f"{ko} 좀 늘려", None), (f"{a} or {b} {en}", None), (f"{ko} {a} 아니면 {b}", None),
        (f"increase {en} to {min(a, current - 1)}", None), (f"{ko} {min(a, current - 1)}으로 늘려", None),
    ]  # fmt: skip
    text, value = draw(st.sampled_from(templates))
    prefix = draw(st.sampled_from(["", "ok ", "hmm, ", "음 ", "please ", "maybe "]))
    suffix = draw(st.sampled_from(["", "?", " please", " 해줘", " 부탁해", "!"]))
    return prefix + text + suffix, field, value


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(meant())
def test_the_meant_value_or_a_question_and_no_change(case: tuple[str, str, int | None]) -> None:
    text, field, value = case
    state = run(text)
    reply = state.messages[-1].text
    after = state.config
    changed = {name for name in CONFIG_FIELDS if getattr(after, name) != getattr(BASE, name)}
    if value is None:
        assert changed == set(), f"{text!r} changed {changed} although it is unclear: {reply!r}"
        assert asked(reply), f"{text!r}: no question in {reply!r}"
        return
    assert changed <= {field}, f"{text!r} changed {changed}: {reply!r}"
    assert getattr(after, field) == value, (
        f"{text!r}: {field} = {getattr(after, field)} not {value}"
    )


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(meant())
def test_a_relative_change_on_an_unset_slot_asks_for_the_base(
    case: tuple[str, str, int | None],
) -> None:
    text, field, value = case
    empty = BASE.patch(**{field: None})
    state = run(text, config=empty)
    after = getattr(state.config, field)
    # Whatever was set must be a value the message states on its own (never base-relative).
    if after is not None:
        stated = parse_message(text, step="confirm", config=empty).changes.stated()
        assert stated.get(field) == after, f"{text!r} set {after} from nothing"
    else:
        assert state.config == empty or asked(state.messages[-1].text)
