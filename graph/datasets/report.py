"""What inspecting a dataset found: frozen results the conversation shows and the config uses.

Problems are aggregated per (code, split): a folder with 10,000 missing labels is one problem
with ``count=10000`` and a few example paths, so every kind of problem is reported without
flooding the chat. Messages exist in English and Korean because the reply follows the user.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "Severity",
    "DatasetProblem",
    "SplitSummary",
    "DatasetReport",
    "FormatName",
    "LabelKind",
]

Severity = Literal["error", "warning"]
FormatName = Literal["imagefolder", "yolo", "coco", "voc"]
LabelKind = Literal["classes", "boxes", "polygons", "keypoints", "obb"]
"""What one label holds: a class per image (folders), boxes, polygons (masks), keypoints, or
oriented boxes (four corners). A segmentation model needs polygons, pose needs keypoints, OBB
needs four-corner boxes — a dataset of boxes only cannot teach any of them."""


@dataclass(frozen=True)
class DatasetProblem:
    """One kind of problem found in one place, with how often it occurred and what to do."""

    code: str
    """Stable snake_case id, e.g. ``label_missing``; tests and the agent match on it."""
    severity: Severity
    """``error``: training would fail or learn wrong labels; ``warning``: it runs but beware."""
    message: str
    """English: what is wrong, where (with examples), and what to do about it."""
    message_ko: str = ""
    """The same in Korean (falls back to ``message`` when empty)."""
    split: str | None = None
    """The split it was found in, when it belongs to one."""
    count: int = 1
    """How many occurrences (files, lines, annotations) this problem stands for."""
    examples: tuple[str, ...] = ()
    """Up to five example paths (with ``:line`` for label lines)."""

    def text(self, lang: str = "en") -> str:
        """The message in ``lang`` (``"en"`` or ``"ko"``)."""
        return self.message_ko if lang == "ko" and self.message_ko else self.message


@dataclass(frozen=True)
class SplitSummary:
    """One split (train, val, …) and what it holds."""

    name: str
    """Split name as found on disk (``train``, ``valid``, ``val2017``, ``all`` when unsplit)."""
    images: int
    """Number of image files in the split."""
    per_class: tuple[tuple[str, int], ...] = ()
    """(class name, count) in class order: images for imagefolder, objects for YOLO/COCO/VOC."""


@dataclass(frozen=True)
class DatasetReport:
    """Everything ``inspect_dataset`` learned about one path; frozen so states can hold it."""

    path: str
    """The path as given (after ``~`` expansion)."""
    exists: bool
    """False when the path is not on this machine (or was not looked at: outside the roots)."""
    format: FormatName | None
    """Detected layout, None when unknown."""
    splits: tuple[SplitSummary, ...] = ()
    """Splits in the order train, validation, test, others."""
    num_classes: int | None = None
    """Number of classes, None when it could not be told."""
    class_names: tuple[str, ...] = ()
    """Class names in class-id order."""
    problems: tuple[DatasetProblem, ...] = ()
    """Every problem found, errors first."""
    truncated: bool = False
    """True when the entry or time budget ran out, so counts are partial."""
    label_kinds: tuple[LabelKind, ...] = ()
    """Kinds of labels found, sorted; empty when no label could be read."""
    elapsed_s: float = field(default=0.0, compare=False)
    """Wall time the inspection took."""

    @property
    def errors(self) -> tuple[DatasetProblem, ...]:
        """Problems that would make training fail or learn the wrong thing."""
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[DatasetProblem, ...]:
        """Problems worth telling the user about that do not block training."""
        return tuple(p for p in self.problems if p.severity == "warning")

    @property
    def total_images(self) -> int:
        """Images over all splits."""
        return sum(split.images for split in self.splits)

    def split(self, name: str) -> SplitSummary | None:
        """The split called ``name``, or None."""
        return next((s for s in self.splits if s.name == name), None)

    def summary(self, lang: str = "en") -> str:
        """A few lines for the chat reply: format, classes, images per split, then problems."""
        ko = lang == "ko"
        if not self.exists or self.format is None:
            codes = {problem.code for problem in self.problems}
            if "path_outside_roots" in codes:
                en, kr = (
                    "not inspected (outside the allowed folders)",
                    "허용된 폴더 밖이라 검사하지 않았습니다",
                )
            elif not self.exists:
                en, kr = "not found on this machine", "이 컴퓨터에서 찾을 수 없습니다"
            else:
                en, kr = "format not recognised", "형식을 알 수 없습니다"
            head = f"데이터셋 {self.path}: {kr}." if ko else f"Dataset {self.path}: {en}."
            return "\n".join([head, *self._problem_lines(lang)])
        names = ", ".join(self.class_names[:8]) + (", …" if len(self.class_names) > 8 else "")
        if self.num_classes is None:
            classes = "클래스 수 모름" if ko else "classes unknown"
        else:
            classes = (
                f"클래스 {self.num_classes}개 ({names})"
                if ko
                else f"{self.num_classes} classes ({names})"
            )
        if ko:
            head = f"데이터셋 {self.path}: {self.format} 형식, {classes}."
        else:
            head = f"Dataset {self.path}: {self.format} format, {classes}."
        unit = "장" if ko else " images"
        splits = " · ".join(f"{s.name}: {s.images}{unit}" for s in self.splits)
        lines = [head, splits] if splits else [head]
        if self.truncated:
            lines.append(
                "(일부만 검사했습니다 — 숫자는 부분 결과입니다)"
                if ko
                else "(inspection stopped early — counts are partial)"
            )
        return "\n".join([*lines, *self._problem_lines(lang)])

    def _problem_lines(self, lang: str, limit: int = 8) -> list[str]:
        if not self.problems:
            return []
        ko = lang == "ko"
        n_err, n_warn = len(self.errors), len(self.warnings)
        if ko:
            lines = [f"오류 {n_err}건, 경고 {n_warn}건:"]
        else:
            lines = [f"{n_err} error(s), {n_warn} warning(s):"]
        label = {"error": "오류" if ko else "error", "warning": "경고" if ko else "warning"}
        for problem in self.problems[:limit]:
            lines.append(f"- {label[problem.severity]}: {problem.text(lang)}")
        if len(self.problems) > limit:
            more = len(self.problems) - limit
            lines.append(f"- … {more}건 더" if ko else f"- … and {more} more")
        return lines
