"""How people write model names, reduced to one comparable key.

"ResNet-18", "resnet_18", "ResNet 18" and "resnet18" are the same model; so are "YOLOv8 nano" and
"yolov8n", "RT-DETR-L" and "rtdetr-l". Everything here is a pure string function so the catalog
can index its names once and compare any user spelling against that index in microseconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["normalise_key", "canonical_key", "Token", "scan_tokens", "mask_paths", "stems_of"]

_FILE_SUFFIX = re.compile(r"\.(?:pt|pth|yaml|yml|onnx|safetensors|bin)$")
_NOT_KEY = re.compile(r"[^0-9a-z]+")
_STEM = re.compile(r"([a-z]+)(\d*)")
_SEPARATOR = re.compile(r"[\s_\-./]")
# Ultralytics scale words: "YOLOv8 nano" is yolov8n. Longest alternatives first.
_SCALE_WORDS = {
    "extralarge": "x",
    "xlarge": "x",
    "nano": "n",
    "small": "s",
    "medium": "m",
    "large": "l",
}
_YOLO_SCALE = re.compile(r"(?<=\d)(" + "|".join(_SCALE_WORDS) + r")")
_RTDETR_SCALE = re.compile(r"^rtdetr(" + "|".join(_SCALE_WORDS) + r")")
# Ultralytics dropped the "v" from YOLO11 on; people still write "YOLOv11" (and "YOLO8").
_YOLO_NO_V = re.compile(r"^yolov(1[1-9]|2\d)(?=[a-z]|$)")
_YOLO_WITH_V = re.compile(r"^yolo([3-9]|10)(?=[a-z]|$)")


def normalise_key(text: str) -> str:
    """Reduce a spelling of a model name to the key the catalog indexes.

    Lower-cases, drops a weight-file suffix (``yolov8n.pt``) and a timm pretrained tag
    (``resnet50.a1_in1k``), removes every separator, and rewrites YOLO scale words and version
    spellings, so ``normalise_key("YOLOv8 nano") == normalise_key("yolov8n") == "yolov8n"``.
    """
    lowered = _FILE_SUFFIX.sub("", text.strip().lower())
    arch, dot, tag = lowered.partition(".")
    if dot and re.search(r"[a-z]", arch) and re.search(r"[a-z]", tag):
        lowered = arch  # timm "arch.tag": the tag picks weights, not the model
    key = _NOT_KEY.sub("", lowered)
    if key.startswith("yolo"):
        key = _YOLO_NO_V.sub(r"yolo\1", key)
        key = _YOLO_WITH_V.sub(r"yolov\1", key)
        key = _YOLO_SCALE.sub(lambda m: _SCALE_WORDS[m.group(1)], key, count=1)
    elif key.startswith("rtdetr"):
        key = _RTDETR_SCALE.sub(lambda m: "rtdetr" + _SCALE_WORDS[m.group(1)], key)
    return key


def canonical_key(name: str) -> str:
    """``normalise_key`` for a library's own spelling, which needs no rewriting: a fast path
    for indexing ~1,600 names at load time (tests assert both agree on every catalog name)."""
    return _NOT_KEY.sub("", name.lower())


def stems_of(name: str) -> tuple[str, ...]:
    """Keys a multi-word mention of ``name`` may start with.

    ``efficientnet_b0`` -> ``efficientnet``, ``efficientnetb``; ``yolov8n`` -> ``yolov``,
    ``yolov8``. Joining "EfficientNet B0" or "YOLOv8 nano" into one name is only tried when the
    first word is such a stem, which keeps ordinary pairs like "batch 32" apart.
    """
    key = canonical_key(name)
    found = _STEM.match(key)
    if not found:
        return ()
    alpha, digits = found.groups()
    first_part = canonical_key(_SEPARATOR.split(name, maxsplit=1)[0])
    return tuple(dict.fromkeys((alpha, alpha + digits, first_part)))


@dataclass(frozen=True, slots=True)
class Token:
    """A word-like run of ASCII letters/digits (and inner ``_-./``) in the user's text."""

    text: str
    """The token as written."""
    start: int
    """Offset of its first character in the original text."""
    end: int
    """Offset just past its last character."""


_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-./]*")
_QUOTED = re.compile(r"""(["'])([^"']*[\\/][^"']*)\1""")
_CHUNK = re.compile(r"\S+")
# A slash inside a word is a path separator ("data/coco8", "C:/x", "~/d") except in the ViT
# patch notation people use for model names ("ViT-B/16", "vit-l/14").
_SLASHED_NAME = re.compile(
    r"[(\"'\[]*[A-Za-z][A-Za-z0-9_\-]*/\d+[A-Za-z0-9_\-]*[.,;:!?)\"'\]]*[^\x00-\x7f]*"
)


def mask_paths(text: str) -> str:
    """Blank out file-system paths and URLs so their parts ("imagenet-10") are never names.

    Quoted paths may contain spaces; the result has the same length as ``text`` so token
    offsets still point into the original.
    """
    masked = _QUOTED.sub(lambda m: " " * len(m.group(0)), text)

    def blank(chunk: re.Match[str]) -> str:
        word = chunk.group(0)
        is_path = ("/" in word or "\\" in word or word.startswith("~")) and not (
            _SLASHED_NAME.fullmatch(word)
        )
        return " " * len(word) if is_path else word

    return _CHUNK.sub(blank, masked)


def scan_tokens(text: str) -> Iterator[Token]:
    """Yield word tokens of ``text`` outside paths, trailing punctuation trimmed.

    Korean particles glued to a name ("ResNet18로") fall outside the ASCII token, so the name is
    found as written.
    """
    for found in _TOKEN.finditer(mask_paths(text)):
        word = found.group(0).rstrip("_-./")
        if word:
            yield Token(word, found.start(), found.start() + len(word))
