"""The English and Korean texts of every refusal and warning the checks produce.

Why a module of its own: the wording is translated as a pair and reviewed by people who do
not read the rules, so both languages sit side by side here, keyed by one name, and the checks
only ever refer to the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

__all__ = ["message"]

_MESSAGES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "en": MappingProxyType(
            {
                "nothing_changed": "Nothing was changed.",
                "kept": "Keeping the previous value ({previous}).",
                "whole_number": "a whole number",
                "number": "a number",
                "out_of_range": "{name} must be {kind} {range}; got {value!r}.",
                "multiple_of_32": "ultralytics needs an image size that is a multiple of 32; "
                "got {value!r} (try {down} or {up}).",
                "not_a_name": "{name} must be a name; got {value!r}.",
                "unknown_name": "{value!r} is not one of the {name} names {framework} knows "
                "(known: {allowed}).",
                "did_you_mean": " Did you mean {names}?",
                "adam_high_lr": "A learning rate of {lr:g} is high for {optimizer}; "
                "Adam-style optimizers usually use about 1e-3 or less.",
                "auto_ignores_lr": "With ultralytics optimizer=auto the learning rate (lr0) and "
                "momentum are ignored and chosen automatically; set an optimizer such as SGD or "
                "AdamW to use your values.",
                "batch_over_dataset": "The batch size {batch} is larger than the training set "
                "({images} images), so every batch is the whole set.",
                "size_differs": "Image size {size} differs from the model's pretrained input size "
                "{pretrained}; it works, but accuracy from pretraining may drop.",
                "warmup_over_epochs": "Warm-up ({warmup} epochs) is not shorter than training "
                "({epochs} epochs), so the learning rate never reaches its set value.",
            }
        ),
        "ko": MappingProxyType(
            {
                "nothing_changed": "아무것도 바꾸지 않았습니다.",
                "kept": "이전 값({previous})을 유지합니다.",
                "whole_number": "정수",
                "number": "숫자",
                "out_of_range": "{name} 값은 {range}의 {kind}여야 합니다. 입력값: {value!r}.",
                "multiple_of_32": "ultralytics의 이미지 크기는 32의 배수여야 합니다. "
                "입력값: {value!r} ({down} 또는 {up}을(를) 써 보세요).",
                "not_a_name": "{name} 값은 이름이어야 합니다. 입력값: {value!r}.",
                "unknown_name": "{value!r}은(는) {framework}에서 쓰는 {name} 이름이 아닙니다 "
                "(가능한 값: {allowed}).",
                "did_you_mean": " 혹시 {names}을(를) 말씀하신 건가요?",
                "adam_high_lr": "학습률 {lr:g}은(는) {optimizer}에 높은 편입니다. "
                "Adam 계열은 보통 1e-3 이하를 씁니다.",
                "auto_ignores_lr": "ultralytics의 optimizer=auto는 학습률(lr0)과 모멘텀을 무시하고 "
                "자동으로 정합니다. 값을 쓰려면 SGD나 AdamW 같은 옵티마이저를 지정하세요.",
                "batch_over_dataset": "배치 크기 {batch}이(가) 학습 이미지 수({images}장)보다 커서 "
                "매 배치가 전체 데이터가 됩니다.",
                "size_differs": "이미지 크기 {size}이(가) 모델의 사전학습 입력 크기 {pretrained}와 "
                "다릅니다. 동작은 하지만 사전학습 효과가 줄 수 있습니다.",
                "warmup_over_epochs": "워밍업({warmup} 에폭)이 전체 학습({epochs} 에폭)보다 짧지 "
                "않아 학습률이 설정값에 도달하지 못합니다.",
            }
        ),
    }
)


def message(key: str, lang: str = "en", **values: Any) -> str:
    """The ``key`` message in ``lang`` (English when the language is not known)."""
    table = _MESSAGES.get(lang, _MESSAGES["en"])
    return table[key].format(**values)
