"""The graph every storage benchmark drives: four nodes, a state shaped like trainchat's own.

A benchmark of a checkpointer is only as honest as the state it stores. This graph writes what a
trainchat turn writes: a message list that grows by a user and an AI message (~200 characters
each, English and Korean) every turn, a training configuration of ~15 fields patched a little per
turn, the current step, the last patch and any refusals. Nodes are deterministic and do no I/O,
so the time measured is the graph engine plus the checkpointer, the same for every saver.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, TypedDict

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.channels.delta import DeltaChannel
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.graph.state import CompiledStateGraph

__all__ = [
    "ConversationState",
    "DeltaConversationState",
    "build_conversation_graph",
    "turn_input",
    "thread_config",
    "ai_reply",
]

# ~200 characters each: a user message of the kind trainchat receives, in both languages.
_USER_TEXTS = (
    "Let's train a detection model on the pallets dataset in /data/pallets: use YOLOv8 medium, "
    "image size 640, batch 16, 120 epochs, and keep the learning rate at 0.01 with cosine decay.",
    "팔레트 데이터셋으로 객체 탐지 모델을 학습하고 싶어요. YOLOv8 medium, 이미지 크기 640, 배치 16, "
    "에폭 120으로 해 주세요. 학습률은 0.01로 두고 코사인 감소를 써 주세요. 검증 비율은 20%입니다.",
    "Actually change the batch size to 32 and turn mixed precision on; the GPU has 24 GB so it "
    "should fit. Also use mosaic augmentation but no mixup, and save a checkpoint every 10 epochs.",
)

# Words the ~200-character messages are drawn from, so that they compress like real text does
# (a message repeated verbatim would flatter any saver whose database compresses values).
_VOCABULARY = (
    "model dataset epochs batch size learning rate image GPU memory augmentation mosaic mixup "
    "validation split checkpoint resume detection segmentation classification backbone frozen "
    "layers warmup cosine step optimizer SGD AdamW momentum weight decay labels classes folder "
    "pallets forklifts boxes images annotations COCO YOLO VOC train val test please change keep "
    "use set try instead smaller larger faster slower why what how can should would maybe yes no "
    "데이터셋 모델 학습률 배치 에폭 이미지 크기 검증 증강 체크포인트 저장 변경 유지 사용 설정 "
    "더 작게 크게 빠르게 왜 어떻게 해 주세요 좋아요 아니요 네 클래스 라벨 폴더"
)
_WORDS = _VOCABULARY.split()


def _filler(seed: str, length: int) -> str:
    """Deterministic words (a seeded draw) up to ``length`` characters."""
    rng, words = random.Random(seed), list[str]()
    while len(" ".join(words)) < length:
        words.append(rng.choice(_WORDS))
    return " ".join(words)[:length]


_CONFIG_FIELDS: dict[str, Any] = {
    "task": "detection",
    "framework": "ultralytics",
    "model": "yolov8m",
    "dataset_path": "/data/pallets",
    "dataset_format": "yolo",
    "image_size": 640,
    "batch_size": 16,
    "epochs": 120,
    "learning_rate": 0.01,
    "scheduler": "cosine",
    "optimizer": "SGD",
    "mixed_precision": False,
    "augmentations": ["mosaic", "hsv", "flip"],
    "val_fraction": 0.2,
    "save_every": 10,
}


class ConversationState(TypedDict, total=False):
    """One conversation's state, as a trainchat turn leaves it."""

    messages: Annotated[list[AnyMessage], add_messages]
    config: dict[str, Any]
    step: str
    patch: dict[str, Any]
    errors: list[str]
    turn: int


NodeInput = Mapping[str, Any]
"""What a node reads. Not a TypedDict on purpose: LangGraph would take a node's annotation as
its input schema, and the same nodes serve both state classes below."""


def _add_message_batches(
    state: list[AnyMessage], batches: Sequence[list[AnyMessage]]
) -> list[AnyMessage]:
    """``add_messages`` over a batch of writes: the reducer shape ``DeltaChannel`` wants."""
    return functools.reduce(add_messages, batches, state)  # type: ignore[arg-type]


class DeltaConversationState(TypedDict, total=False):
    """``ConversationState`` with the message list in a ``DeltaChannel`` (LangGraph, beta): each
    checkpoint stores only the new messages, and a read replays them from the last snapshot
    through the saver's ``get_delta_channel_history``."""

    messages: Annotated[
        list[AnyMessage], DeltaChannel(_add_message_batches, snapshot_frequency=150)
    ]
    config: dict[str, Any]
    step: str
    patch: dict[str, Any]
    errors: list[str]
    turn: int


def _understand(state: NodeInput) -> dict[str, Any]:
    """Turn the user's last message into a patch (deterministically: the benchmark needs no LLM)."""
    turn = state.get("turn", 0) + 1
    return {
        "turn": turn,
        "patch": {"batch_size": 16 + 16 * (turn % 3), "epochs": 100 + turn % 50},
    }


def _validate(state: NodeInput) -> dict[str, Any]:
    """Apply the patch to the configuration, refusing one field now and then like the real rules."""
    config = dict(state.get("config") or _CONFIG_FIELDS)
    config.update(state.get("patch") or {})
    errors = ["learning_rate 1.5 is above 1.0; kept 0.01"] if state["turn"] % 7 == 0 else []
    return {"config": config, "errors": errors}


def _plan(state: NodeInput) -> dict[str, Any]:
    """Pick the next step of the form, cycling as a conversation moves through the slots."""
    steps = ("dataset", "model", "hyperparameters", "review")
    return {"step": steps[state["turn"] % len(steps)]}


def _respond(state: NodeInput) -> dict[str, Any]:
    """Append the AI's answer to the conversation."""
    return {"messages": [ai_reply(state["turn"], state["step"])]}


def ai_reply(turn: int, step: str) -> AIMessage:
    """The ~200-character answer of turn ``turn``; deterministic so every saver stores the same."""
    text = f"Turn {turn}: noted, the configuration is valid. Next: {step}. "
    return AIMessage(content=text + _filler(f"ai-{turn}", 200 - len(text)), id=f"ai-{turn}")


def turn_input(turn: int, thread: str) -> dict[str, Any]:
    """The input of one turn: a single ~200-character user message with a stable id."""
    text = _USER_TEXTS[turn % len(_USER_TEXTS)][:100] + " "
    text += _filler(f"user-{thread}-{turn}", 200 - len(text))
    return {"messages": [HumanMessage(content=text, id=f"user-{thread}-{turn}")]}


def thread_config(thread_id: str) -> RunnableConfig:
    """The RunnableConfig that addresses the latest checkpoint of a thread."""
    return {"configurable": {"thread_id": thread_id}}


def build_conversation_graph(
    checkpointer: BaseCheckpointSaver[Any] | None, *, delta_messages: bool = False
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """Compile the four-node graph (understand → validate → plan → respond) on ``checkpointer``.

    ``delta_messages`` keeps the messages in a ``DeltaChannel`` instead of ``add_messages``.

    Each invoke writes six checkpoints (the input, the start step, one per node), as a turn does.
    """
    builder = StateGraph(DeltaConversationState if delta_messages else ConversationState)
    nodes: tuple[tuple[str, Callable[[NodeInput], dict[str, Any]]], ...] = (
        ("understand", _understand),
        ("validate", _validate),
        ("plan", _plan),
        ("respond", _respond),
    )
    previous = START
    for name, node in nodes:
        builder.add_node(name, node)  # type: ignore[call-overload]  # untyped on purpose
        builder.add_edge(previous, name)
        previous = name
    builder.add_edge(previous, END)
    return builder.compile(checkpointer=checkpointer)
