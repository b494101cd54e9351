"""Language understanding: from one user message to a ``TurnPatch``.

``Interpreter`` is what the graph calls. With the offline parser (``OfflineChatModel``) it reads
the message once with ``parse_message``; with any other chat model (Gemini) it asks the model's
own structured-output call and falls back to ``parse_message`` on any failure.
"""

from graph.understanding.interpreter import Interpretation, Interpreter, ModelFailure, Source
from graph.understanding.offline_model import OfflineChatModel
from graph.understanding.offline_rules import parse_message
from graph.understanding.prompt import build_messages, system_prompt

__all__ = [
    "Interpretation",
    "Interpreter",
    "ModelFailure",
    "OfflineChatModel",
    "Source",
    "build_messages",
    "parse_message",
    "system_prompt",
]
