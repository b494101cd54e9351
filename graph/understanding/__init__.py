"""Language understanding: from one user message to a ``TurnPatch``.

``Interpreter`` is what the graph calls; it asks a chat model (Gemini or ``OfflineChatModel``)
through the same structured-output call and falls back to ``parse_message`` on any failure.
"""

from graph.understanding.interpreter import Interpretation, Interpreter, ModelFailure, Source
from graph.understanding.offline_model import OfflineChatModel, gemini_style_structured_output
from graph.understanding.offline_rules import ASKED_HYPERPARAMETERS, parse_message
from graph.understanding.prompt import build_messages, system_prompt

__all__ = [
    "ASKED_HYPERPARAMETERS",
    "Interpretation",
    "Interpreter",
    "ModelFailure",
    "OfflineChatModel",
    "Source",
    "build_messages",
    "gemini_style_structured_output",
    "parse_message",
    "system_prompt",
]
