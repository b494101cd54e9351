"""Every problem code inspection can report, declared once with its severity and advice.

Format inspectors only say *which* code happened *where* (``ProblemLog.add``); the wording
lives here so that every message says what is wrong, where, and what to do, in both languages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from graph.datasets.report import DatasetProblem, Severity

__all__ = ["PROBLEM_CODES", "ProblemLog", "ProblemTemplate", "blocks"]

MAX_EXAMPLES = 5


@dataclass(frozen=True)
class ProblemTemplate:
    """How one problem code is worded; ``{where} {count} {examples} {detail}`` are filled in."""

    severity: Severity
    en: str
    ko: str


def _t(severity: Severity, en: str, ko: str) -> ProblemTemplate:
    return ProblemTemplate(severity, en, ko)


PROBLEM_CODES: Mapping[str, ProblemTemplate] = MappingProxyType(
    {
        "path_not_found": _t(
            "error",
            "The path {where} was not found on this machine. If the data is on the machine that "
            "will train, keep it; otherwise check the spelling.",
            "경로 {where}을(를) 이 컴퓨터에서 찾을 수 없습니다. 학습할 컴퓨터에 데이터가 있다면 "
            "그대로 두고, 아니면 경로를 확인하세요.",
        ),
        "path_outside_roots": _t(
            "error",
            "{where} is outside the allowed dataset folders ({detail}); nothing was read. Move "
            "the data under one of them or add its folder to TRAINCHAT_DATASET_ROOTS.",
            "{where}은(는) 허용된 데이터셋 폴더({detail}) 밖에 있어 읽지 않았습니다. 데이터를 그 "
            "안으로 옮기거나 TRAINCHAT_DATASET_ROOTS에 폴더를 추가하세요.",
        ),
        "not_a_directory": _t(
            "error",
            "{where} is a file, not a dataset folder. Give the dataset folder, a YOLO "
            "data.yaml or a COCO .json file.",
            "{where}은(는) 폴더가 아니라 파일입니다. 데이터셋 폴더, YOLO data.yaml 또는 COCO "
            ".json 파일을 지정하세요.",
        ),
        "unknown_layout": _t(
            "error",
            "No known dataset layout in {where}: expected class folders (imagefolder), a "
            "data.yaml (YOLO), instances_*.json or annotations/*.json (COCO), or Annotations/ + "
            "JPEGImages/ (Pascal VOC). {detail}",
            "{where}에서 알려진 데이터셋 구조를 찾지 못했습니다: 클래스별 폴더(imagefolder), "
            "data.yaml(YOLO), instances_*.json 또는 annotations/*.json(COCO), Annotations/ + "
            "JPEGImages/(Pascal VOC) 중 하나가 필요합니다. {detail}",
        ),
        "permission_denied": _t(
            "error",
            "{count} folder(s) or file(s) could not be read (permission denied), e.g. "
            "{examples}. Fix the permissions or run as a user who can read them.",
            "권한이 없어 폴더/파일 {count}개를 읽지 못했습니다(예: {examples}). 권한을 고치거나 "
            "읽을 수 있는 사용자로 실행하세요.",
        ),
        "unreadable_path": _t(
            "error",
            "{count} folder(s) or file(s) could not be read, e.g. {examples}. Check the disk or "
            "network mount.",
            "폴더/파일 {count}개를 읽지 못했습니다(예: {examples}). 디스크나 네트워크 마운트를 "
            "확인하세요.",
        ),
        "symlink_loop": _t(
            "warning",
            "{count} symbolic link(s) loop (back into a folder already visited, or round to "
            "themselves) and were skipped, e.g. {examples}. Remove the loop so images are not "
            "counted twice or lost.",
            "순환하는 심볼릭 링크 {count}개(이미 방문한 폴더나 자기 자신으로 돌아감)를 "
            "건너뛰었습니다(예: {examples}). 이미지가 두 번 세어지거나 빠지지 않도록 순환 링크를 "
            "없애세요.",
        ),
        "broken_symlink": _t(
            "warning",
            "{count} symbolic link(s) point at nothing and were skipped, e.g. {examples}. Fix "
            "the link or remove it.",
            "가리키는 대상이 없는 심볼릭 링크 {count}개를 건너뛰었습니다(예: {examples}). 링크를 "
            "고치거나 지우세요.",
        ),
        "not_a_regular_file": _t(
            "error",
            "{count} item(s) are not regular files (named pipe, socket or device) and were "
            "not opened, e.g. {examples}. A data loader would hang or fail on them: replace them "
            "with the real files.",
            "일반 파일이 아닌 항목 {count}개(named pipe, 소켓, 장치)는 열지 않았습니다(예: "
            "{examples}). 데이터 로더가 멈추거나 실패하므로 실제 파일로 바꾸세요.",
        ),
        "entry_outside_roots": _t(
            "warning",
            "{count} item(s) lead outside the allowed dataset folders ({detail}) and were "
            "not read, e.g. {examples}; the counts leave them out. Copy that data under an "
            "allowed folder or add its folder to TRAINCHAT_DATASET_ROOTS.",
            "항목 {count}개가 허용된 데이터셋 폴더({detail}) 밖을 가리켜 읽지 않았습니다(예: "
            "{examples}). 숫자에서 빠졌으니 데이터를 허용된 폴더로 복사하거나 "
            "TRAINCHAT_DATASET_ROOTS에 폴더를 추가하세요.",
        ),
        "file_too_large": _t(
            "error",
            "{where} is too large to inspect ({detail}, the limit); it was not loaded. Split "
            "it into smaller files, or check it is the right file.",
            "{where}은(는) 검사하기에 너무 큽니다({detail}, 한도 초과). 읽지 않았습니다. 작은 "
            "파일로 나누거나 올바른 파일인지 확인하세요.",
        ),
        "inspection_truncated": _t(
            "warning",
            "Inspection stopped early ({detail}); counts are partial. Inspect a smaller folder "
            "or raise max_entries / time_budget_s.",
            "검사를 중간에 멈췄습니다({detail}). 숫자는 부분 결과입니다. 더 작은 폴더를 검사하거나 "
            "max_entries / time_budget_s를 늘리세요.",
        ),
        "no_images": _t(
            "error",
            "{where} has no images. Add images (.jpg, .png, …) or remove it.",
            "{where}에 이미지가 없습니다. 이미지(.jpg, .png 등)를 넣거나 제거하세요.",
        ),
        "not_an_image": _t(
            "error",
            "{count} file(s) in {where} have an image extension but are not images (their first "
            "bytes match no PNG/JPEG/GIF/BMP/WEBP/TIFF header), e.g. {examples}. Delete or "
            "re-export them; the data loader would crash on them.",
            "{where}의 파일 {count}개는 이미지 확장자지만 실제 이미지가 아닙니다(예: {examples}). "
            "삭제하거나 다시 내보내세요. 데이터 로더가 오류를 냅니다.",
        ),
        "non_image_files": _t(
            "warning",
            "{count} non-image file(s) in {where} will be ignored, e.g. {examples}.",
            "{where}의 이미지가 아닌 파일 {count}개는 무시됩니다(예: {examples}).",
        ),
        "images_outside_classes": _t(
            "warning",
            "{count} image(s) lie directly in {where}, outside any class folder, and will be "
            "ignored, e.g. {examples}. Move them into their class folder.",
            "{where}에 클래스 폴더 밖의 이미지 {count}장이 있어 무시됩니다(예: {examples}). "
            "해당 클래스 폴더로 옮기세요.",
        ),
        "empty_class": _t(
            "warning",
            "{where}: class(es) with no examples: {detail}. Add examples or remove the class.",
            "{where}: 예시가 없는 클래스: {detail}. 예시를 추가하거나 클래스를 제거하세요.",
        ),
        "class_mismatch": _t(
            "error",
            "The class lists differ between splits ({detail}), so class ids would not line up. "
            "Give every split the same classes.",
            "분할마다 클래스 목록이 다릅니다({detail}). 클래스 번호가 어긋나므로 모든 분할에 같은 "
            "클래스를 두세요.",
        ),
        "no_validation_split": _t(
            "warning",
            "No validation split (val/valid/validation) in {where}, so accuracy cannot be "
            "measured on held-out images. Move about 10-20% of the images into one.",
            "{where}에 검증 분할(val/valid/validation)이 없어 따로 떼어 둔 이미지로 정확도를 잴 수 "
            "없습니다. 이미지의 10-20% 정도를 검증용으로 옮기세요.",
        ),
        "class_imbalance": _t(
            "warning",
            "Strong class imbalance in {where}: {detail}. Collect more examples of the small "
            "classes or use class weighting.",
            "{where}의 클래스 불균형이 큽니다: {detail}. 적은 클래스의 예시를 늘리거나 클래스 "
            "가중치를 쓰세요.",
        ),
        "yaml_invalid": _t(
            "error",
            "{where} could not be read as a YOLO dataset file: {detail}. Fix the file.",
            "{where}을(를) YOLO 데이터셋 파일로 읽지 못했습니다: {detail}. 파일을 고치세요.",
        ),
        "yaml_missing": _t(
            "error",
            "{where} has images/ and labels/ folders but no data.yaml. Add a data.yaml with "
            "path, train, val and names.",
            "{where}에 images/와 labels/ 폴더는 있지만 data.yaml이 없습니다. path, train, val, "
            "names를 담은 data.yaml을 추가하세요.",
        ),
        "nc_mismatch": _t(
            "error",
            "{where}: {detail}. Make nc equal the number of names.",
            "{where}: {detail}. nc를 names 개수와 같게 맞추세요.",
        ),
        "split_path_missing": _t(
            "error",
            "{where}: the folder or list {detail} named in the dataset file does not exist. "
            "Fix the path in the dataset file.",
            "{where}: 데이터셋 파일에 적힌 {detail}이(가) 없습니다. 경로를 고치세요.",
        ),
        "label_missing": _t(
            "warning",
            "{count} image(s) in {where} have no label file, e.g. {examples}; they are trained "
            "as background. Add a labels/<name>.txt for images that contain objects.",
            "{where}의 이미지 {count}장에 라벨 파일이 없어 배경으로 학습됩니다(예: {examples}). "
            "물체가 있는 이미지라면 labels/<이름>.txt를 추가하세요.",
        ),
        "label_empty": _t(
            "warning",
            "{count} label file(s) in {where} are empty, e.g. {examples}; those images are "
            "trained as background.",
            "{where}의 라벨 파일 {count}개가 비어 있어 해당 이미지는 배경으로 학습됩니다"
            "(예: {examples}).",
        ),
        "label_malformed": _t(
            "error",
            "{count} malformed label line(s) in {where}, e.g. {examples}. Each line must be "
            "'class x_center y_center width height' (or a polygon) with numbers.",
            "{where}에 형식이 잘못된 라벨 줄이 {count}개 있습니다(예: {examples}). 각 줄은 "
            "'클래스 x중심 y중심 너비 높이'(또는 다각형) 숫자여야 합니다.",
        ),
        "label_out_of_bounds": _t(
            "error",
            "{count} label line(s) in {where} have coordinates outside 0-1, e.g. {examples}. "
            "YOLO coordinates are normalised by the image width and height.",
            "{where}의 라벨 {count}줄의 좌표가 0-1 범위를 벗어납니다(예: {examples}). YOLO 좌표는 "
            "이미지 너비/높이로 정규화해야 합니다.",
        ),
        "class_id_out_of_range": _t(
            "error",
            "{count} label(s) in {where} use class ids outside {detail}, e.g. {examples}. Fix "
            "the ids or add the missing classes to the class list.",
            "{where}의 라벨 {count}개가 범위({detail}) 밖의 클래스 번호를 씁니다(예: {examples}). "
            "번호를 고치거나 클래스 목록에 추가하세요.",
        ),
        "json_invalid": _t(
            "error",
            "{where} is not a valid COCO annotation file: {detail}. Re-export it.",
            "{where}은(는) 올바른 COCO 주석 파일이 아닙니다: {detail}. 다시 내보내세요.",
        ),
        "annotation_image_missing": _t(
            "error",
            "{count} annotation(s) in {where} point at image ids that are not in 'images', e.g. "
            "{examples}. Remove them or add the images.",
            "{where}의 주석 {count}개가 'images'에 없는 이미지 번호를 가리킵니다(예: "
            "{examples}). 지우거나 이미지를 추가하세요.",
        ),
        "annotation_category_missing": _t(
            "error",
            "{count} annotation(s) in {where} use category ids that are not in 'categories', "
            "e.g. {examples}. Add the categories or fix the ids.",
            "{where}의 주석 {count}개가 'categories'에 없는 분류 번호를 씁니다(예: {examples}). "
            "분류를 추가하거나 번호를 고치세요.",
        ),
        "image_file_missing": _t(
            "error",
            "{count} image(s) listed in {where} are not on disk, e.g. {examples}. Copy the "
            "images or remove their entries.",
            "{where}에 적힌 이미지 {count}장이 디스크에 없습니다(예: {examples}). 이미지를 "
            "복사하거나 항목을 지우세요.",
        ),
        "bbox_invalid": _t(
            "error",
            "{count} box(es) in {where} have a missing or non-positive width/height, e.g. "
            "{examples}. Fix or remove them.",
            "{where}의 박스 {count}개의 너비/높이가 없거나 0 이하입니다(예: {examples}). "
            "고치거나 지우세요.",
        ),
        "xml_invalid": _t(
            "error",
            "{count} annotation file(s) in {where} are not valid Pascal VOC XML, e.g. "
            "{examples}. Re-export them.",
            "{where}의 주석 파일 {count}개가 올바른 Pascal VOC XML이 아닙니다(예: {examples}). "
            "다시 내보내세요.",
        ),
        "annotation_missing": _t(
            "warning",
            "{count} image(s) in {where} have no annotation file, e.g. {examples}; they are "
            "not used for training.",
            "{where}의 이미지 {count}장에 주석 파일이 없어 학습에 쓰이지 않습니다(예: {examples}).",
        ),
        "split_entry_missing": _t(
            "error",
            "{count} id(s) listed in {where} have no annotation file, e.g. {examples}. Remove "
            "them from the list or add the annotations.",
            "{where}에 적힌 {count}개 항목에 주석 파일이 없습니다(예: {examples}). 목록에서 "
            "지우거나 주석을 추가하세요.",
        ),
        "inspection_failed": _t(
            "error",
            "Inspecting {where} failed unexpectedly ({detail}). The dataset may still be fine; "
            "please report this with the message.",
            "{where} 검사 중 예기치 못한 오류가 났습니다({detail}). 데이터셋은 괜찮을 수 있으니 "
            "이 메시지와 함께 알려 주세요.",
        ),
        "format_task_mismatch": _t(
            "error",
            "The {where} dataset does not fit this job: {detail}.",
            "{where} 데이터셋은 이 작업에 맞지 않습니다: {detail}.",
        ),
        "needs_conversion": _t(
            "warning",
            "ultralytics trains on YOLO labels, so this {where} dataset must be converted "
            "first, e.g. with {detail}.",
            "ultralytics는 YOLO 라벨로 학습하므로 이 {where} 데이터셋을 먼저 변환해야 합니다"
            "(예: {detail}).",
        ),
    }
)
"""Every problem code: its severity and its English/Korean wording."""


def blocks(code: str | None) -> bool:
    """Whether a recorded code is an error (``None``: nothing was recorded)."""
    return code is not None and PROBLEM_CODES[code].severity == "error"


@dataclass
class _Entry:
    where: str
    detail: str
    count: int = 0
    examples: list[str] = field(default_factory=list)


class ProblemLog:
    """Collects problems while inspecting, merging repeats of a code in the same place."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str | None, str], _Entry] = {}

    def add(
        self,
        code: str,
        *,
        where: str,
        split: str | None = None,
        example: str | None = None,
        detail: str = "",
        count: int = 1,
    ) -> None:
        """Record ``count`` occurrences of ``code`` in ``where`` (one example path each call)."""
        if code not in PROBLEM_CODES:
            raise KeyError(f"undeclared problem code {code!r}; declare it in PROBLEM_CODES")
        key = (code, split, where)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry(where, detail)
        entry.count += count
        if example is not None and len(entry.examples) < MAX_EXAMPLES:
            entry.examples.append(example)

    def absorb(self, other: ProblemLog) -> None:
        """Add every problem ``other`` recorded (used to keep a trial's findings)."""
        for key, theirs in other._entries.items():
            mine = self._entries.setdefault(key, _Entry(theirs.where, theirs.detail))
            mine.count += theirs.count
            room = MAX_EXAMPLES - len(mine.examples)
            mine.examples.extend(theirs.examples[:room])

    def codes(self) -> set[str]:
        """Codes recorded so far."""
        return {code for code, _, _ in self._entries}

    def problems(self) -> tuple[DatasetProblem, ...]:
        """The frozen problems, errors first, then in the order they were first seen."""
        result = []
        for (code, split, _), entry in self._entries.items():
            template = PROBLEM_CODES[code]
            examples = ", ".join(entry.examples) or "-"
            values = {
                "where": entry.where,
                "count": entry.count,
                "examples": examples,
                "detail": entry.detail,
            }
            result.append(
                DatasetProblem(
                    code=code,
                    severity=template.severity,
                    message=template.en.format(**values).strip(),
                    message_ko=template.ko.format(**values).strip(),
                    split=split,
                    count=entry.count,
                    examples=tuple(entry.examples),
                )
            )
        return tuple(sorted(result, key=lambda p: p.severity != "error"))
