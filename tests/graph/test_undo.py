"""The undo history keeps changes, not copies, and still walks back to every earlier config."""

from __future__ import annotations

from langgraph.checkpoint.memory import InMemorySaver

from agent import create_agent
from graph.build import offline_interpreter, state_graph
from graph.config import TrainingConfig
from graph.state import STATE_MSGPACK_TYPES, ConversationState
from graph.undo import ConfigChange, changes_between, earlier_configs
from storage import make_serializer

CONFIGS = (
    TrainingConfig(),
    TrainingConfig(framework="timm", model_name="resnet18", task_type="image_classification"),
    TrainingConfig(
        framework="timm", model_name="resnet18", task_type="image_classification", epochs=10
    ),
    TrainingConfig(
        framework="timm", model_name="resnet18", task_type="image_classification", epochs=12,
        learning_rate=0.001,
    ),
)  # fmt: skip


def test_a_change_keeps_only_the_fields_it_touched_and_undoes_exactly() -> None:
    change = ConfigChange.between(CONFIGS[2], CONFIGS[3])
    assert change.before == (("epochs", 10), ("learning_rate", None))
    assert change.undo(CONFIGS[3]) == CONFIGS[2]


def test_changes_walk_back_to_every_earlier_config() -> None:
    changes = changes_between(CONFIGS[:-1], CONFIGS[-1])
    assert earlier_configs(changes, CONFIGS[-1]) == CONFIGS[:-1]


def test_changes_survive_the_strict_serializer() -> None:
    serde = make_serializer(STATE_MSGPACK_TYPES)
    changes = changes_between(CONFIGS[:-1], CONFIGS[-1])
    assert tuple(serde.loads_typed(serde.dumps_typed(changes))) == changes


def test_a_state_stored_with_whole_configs_reads_as_changes() -> None:
    """Threads stored before the undo history kept changes still undo the same way."""
    state = ConversationState.model_validate({"config": CONFIGS[-1], "previous": CONFIGS[:-1]})
    assert all(isinstance(item, ConfigChange) for item in state.previous)
    assert earlier_configs(state.previous, state.config) == CONFIGS[:-1]


def test_undo_on_a_thread_stored_with_whole_configs() -> None:
    saver = InMemorySaver(serde=make_serializer(STATE_MSGPACK_TYPES))
    config = {"configurable": {"thread_id": "old"}}
    # The graph without the agent's checks writes the old shape, as an older trainchat did.
    raw = state_graph(offline_interpreter()).compile(checkpointer=saver)
    raw.update_state(config, {"config": CONFIGS[-1], "previous": CONFIGS[:-1], "step": "dataset"})
    stored = saver.get_tuple(config)
    assert stored is not None
    assert isinstance(stored.checkpoint["channel_values"]["previous"][0], TrainingConfig)
    agent = create_agent(checkpointer=saver, llm="offline")
    said = {"messages": [{"role": "user", "content": "undo"}]}
    assert agent.invoke(said, config)["config"] == CONFIGS[2]
    assert agent.invoke(said, config)["config"] == CONFIGS[1]
