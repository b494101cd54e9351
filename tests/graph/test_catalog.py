"""The model catalog: real library snapshot, every spelling users type, and no false positives."""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import re
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.catalog import (
    Catalog,
    ModelEntry,
    ModelMatch,
    check_against_installed,
    load_catalog,
    normalise_key,
)
from graph.catalog.names import canonical_key
from graph.catalog.snapshot import SNAPSHOT_FILE, catalog_from_document

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "graph" / "catalog" / SNAPSHOT_FILE


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


# --------------------------------------------------------------------------- spellings

SPELLINGS = [
    ("ResNet18", "resnet18", "timm"),
    ("resnet-18", "resnet18", "timm"),
    ("ResNet 18", "resnet18", "timm"),
    ("resnet_18", "resnet18", "timm"),
    ("RESNET50", "resnet50", "timm"),
    ("resnet50.a1_in1k", "resnet50", "timm"),
    ("EfficientNet B0", "efficientnet_b0", "timm"),
    ("efficientnet-b0", "efficientnet_b0", "timm"),
    ("efficientnetb0", "efficientnet_b0", "timm"),
    ("convnext tiny", "convnext_tiny", "timm"),
    ("ConvNeXt-Tiny", "convnext_tiny", "timm"),
    ("ViT-B/16", "vit_base_patch16_224", "timm"),
    ("vit-s/16", "vit_small_patch16_224", "timm"),
    ("vit_b_16", "vit_b_16", "torchvision"),
    ("YOLOv8n", "yolov8n", "ultralytics"),
    ("yolov8 nano", "yolov8n", "ultralytics"),
    ("YOLOv8 nano", "yolov8n", "ultralytics"),
    ("YOLOv8 xlarge", "yolov8x", "ultralytics"),
    ("yolov8n.pt", "yolov8n", "ultralytics"),
    ("yolo11n-seg", "yolo11n-seg", "ultralytics"),
    ("YOLO11n seg", "yolo11n-seg", "ultralytics"),
    ("YOLO11 nano seg", "yolo11n-seg", "ultralytics"),
    ("YOLOv11n", "yolo11n", "ultralytics"),
    ("yolo8s", "yolov8s", "ultralytics"),
    ("yolov8n-cls", "yolov8n-cls", "ultralytics"),
    ("yolo26m-obb", "yolo26m-obb", "ultralytics"),
    ("yolov9c", "yolov9c", "ultralytics"),
    ("rtdetr-l", "rtdetr-l", "ultralytics"),
    ("RT-DETR-X", "rtdetr-x", "ultralytics"),
    ("rtdetr large", "rtdetr-l", "ultralytics"),
    ("fasterrcnn_resnet50_fpn", "fasterrcnn_resnet50_fpn", "torchvision"),
]


@pytest.mark.parametrize(("text", "name", "framework"), SPELLINGS)
def test_lookup_accepts_every_common_spelling(
    catalog: Catalog, text: str, name: str, framework: str
) -> None:
    entry = catalog.lookup(text)
    assert entry is not None, text
    assert (entry.name, entry.framework) == (name, framework)
    assert text in catalog


def test_shared_names_prefer_the_trainable_library(catalog: Catalog) -> None:
    assert catalog.lookup("resnet18") == catalog.lookup("resnet18", framework="timm")
    torchvision = catalog.lookup("resnet18", framework="torchvision")
    assert torchvision is not None and torchvision.framework == "torchvision"
    assert torchvision.params_m == pytest.approx(11.69)
    assert catalog.lookup("resnet18", framework="ultralytics") is None


def test_every_catalog_name_finds_itself(catalog: Catalog) -> None:
    for entry in catalog:
        assert normalise_key(entry.name) == canonical_key(entry.name), entry.name
        assert catalog.lookup(entry.name, framework=entry.framework) == entry


@pytest.mark.parametrize(
    "text", ["resnat18", "resnet", "yolo", "yolov8", "batch 32", "", "   ", "resnet18x9", "기본값"]
)
def test_lookup_refuses_what_is_not_exactly_a_model(catalog: Catalog, text: str) -> None:
    assert catalog.lookup(text) is None
    assert text not in catalog


# --------------------------------------------------------------------------- suggestions

TYPOS = [
    ("resnat18", "resnet18"),
    ("resent50", "resnet50"),
    ("efficentnet_b0", "efficientnet_b0"),
    ("efficientnet-bo", "efficientnet_b0"),
    ("convnxt_tiny", "convnext_tiny"),
    ("mobilenetv3_larg_100", "mobilenetv3_large_100"),
    ("yolov8nn", "yolov8n"),
    ("yolo11n-sge", "yolo11n-seg"),
    ("rtdert-l", "rtdetr-l"),
]


@pytest.mark.parametrize(("typo", "meant"), TYPOS)
def test_typos_are_refused_with_the_meant_name_first(
    catalog: Catalog, typo: str, meant: str
) -> None:
    assert catalog.lookup(typo) is None
    suggestions = catalog.suggest(typo)
    assert suggestions[0] == meant
    assert 1 <= len(suggestions) <= 3
    assert all(name in catalog for name in suggestions)


@pytest.mark.parametrize(
    ("family", "first"),
    [
        ("resnet", ("resnet18", "resnet34", "resnet50")),
        ("ResNet", ("resnet18", "resnet34", "resnet50")),
        ("efficientnet", ("efficientnet_b0", "efficientnet_b1", "efficientnet_b2")),
        ("yolov8", ("yolov8n", "yolov8s", "yolov8m")),
        ("YOLO11", ("yolo11n", "yolo11s", "yolo11m")),
        ("yolo", ("yolo11n", "yolo26n", "yolov8n")),
        ("convnext", ("convnext_tiny", "convnext_small", "convnext_base")),
    ],
)
def test_a_bare_family_suggests_common_sizes(
    catalog: Catalog, family: str, first: tuple[str, ...]
) -> None:
    assert catalog.suggest(family) == first
    assert catalog.suggest(family, limit=1) == first[:1]


def test_suggest_puts_an_exact_name_first_and_respects_limit(catalog: Catalog) -> None:
    assert catalog.suggest("ResNet-18")[0] == "resnet18"
    assert catalog.suggest("resnat18", limit=1) == ("resnet18",)
    assert catalog.suggest("resnat18", limit=0) == ()
    assert catalog.suggest("qqqqqqqq") == ()


# --------------------------------------------------------------------------- free text

SENTENCES = [
    ("train resnet18 for classification", "resnet18", "resnet18"),
    ("ResNet18로 학습하고 싶어요", "resnet18", "ResNet18"),
    ("ResNet 18로 해 주세요", "resnet18", "ResNet 18"),
    ("use yolov8n on C:/datasets/coco8 for 10 epochs", "yolov8n", "yolov8n"),
    ("actually use efficientnet_b0", "efficientnet_b0", "efficientnet_b0"),
    ("Let's go with EfficientNet B0, batch 32", "efficientnet_b0", "EfficientNet B0"),
    ("I'd like YOLOv8 nano for detection", "yolov8n", "YOLOv8 nano"),
    ("YOLO11n seg on my data", "yolo11n-seg", "YOLO11n seg"),
    ("model=yolov8n-cls.pt epochs=3", "yolov8n-cls", "yolov8n-cls.pt"),
    ("switch to rtdetr-l, please.", "rtdetr-l", "rtdetr-l"),
    ("how about (ViT-B/16)?", "vit_base_patch16_224", "ViT-B/16"),
    ("convnext tiny 쓰고 싶어", "convnext_tiny", "convnext tiny"),
    ("use a resnet, the resnet50 one", "resnet50", "resnet50"),
    (r"train resnet34 on C:\datasets\cls\imagenet-10 for 5 epochs", "resnet34", "resnet34"),
    ('use "D:/my data/resnet18 set" with mobilenetv3_large_100', "mobilenetv3_large_100", None),
]


@pytest.mark.parametrize(("sentence", "name", "span"), SENTENCES)
def test_find_in_text_finds_the_model_in_a_sentence(
    catalog: Catalog, sentence: str, name: str, span: str | None
) -> None:
    match = catalog.find_in_text(sentence)
    assert match is not None and match.entry is not None, sentence
    assert match.entry.name == name
    assert match.suggestions == ()
    if span is not None:
        assert match.text == span
    assert match.text in sentence


NOT_MODELS = [
    "batch 32",
    "10 epochs",
    "epochs=10, batch_size=16",
    "lr 3e-4",
    "learning rate 0.001 with adamw",
    "a batch size of 32",
    r"C:\datasets\cls\imagenet-10",
    "C:/datasets/coco8",
    "~/data/resnet18_weights/imagenet-10",
    "/home/me/yolov8n/data.yaml",
    "'C:\\my data\\resnet50 runs'",
    "yes",
    "ok, start",
    "no",
    "네",
    "기본값",
    "기본 데이터셋",
    "에폭 10, 배치 크기 64, 학습률 0.0005",
    "help",
    "what's left?",
    "what does batch size mean?",
    "undo",
    "start over",
    "use the defaults",
    "fp16 on cuda:0 with 8 workers, seed 42",
    "imagenet-10 has 10 classes",
    "image size 640, patience 50",
    "test the model",
]


@pytest.mark.parametrize("text", NOT_MODELS)
def test_find_in_text_ignores_ordinary_words_numbers_and_paths(catalog: Catalog, text: str) -> None:
    assert catalog.find_in_text(text) is None
    assert catalog.find_all_in_text(text) == ()


NEAR_MISSES = [
    ("train resnat18 please", "resnat18", "resnet18"),
    ("efficentnet_b0로 바꿔줘", "efficentnet_b0", "efficientnet_b0"),
    ("I want a resnet", "resnet", "resnet18"),
    ("use yolo for detection", "yolo", "yolo11n"),
    ("YOLOv8로 해줘", "YOLOv8", "yolov8n"),
    ("some efficientnet for 3 classes", "efficientnet", "efficientnet_b0"),
]


@pytest.mark.parametrize(("sentence", "span", "first"), NEAR_MISSES)
def test_near_misses_carry_suggestions_and_no_entry(
    catalog: Catalog, sentence: str, span: str, first: str
) -> None:
    match = catalog.find_in_text(sentence)
    assert match == ModelMatch(
        entry=None, text=span, suggestions=match.suggestions if match else ()
    )
    assert match is not None and match.suggestions[0] == first


def test_find_all_in_text_keeps_order_for_comparisons(catalog: Catalog) -> None:
    matches = catalog.find_all_in_text("compare resnet18 and EfficientNet B0, or maybe resnat50")
    assert [m.entry.name if m.entry else None for m in matches] == [
        "resnet18",
        "efficientnet_b0",
        None,
    ]
    assert matches[2].suggestions[0] == "resnet50"
    # An exact mention anywhere beats an earlier near miss.
    found = catalog.find_in_text("not resnat18 — I mean resnet34")
    assert found is not None and found.entry is not None and found.entry.name == "resnet34"


_WORDS = st.sampled_from(
    [
        "resnet",
        "18",
        "yolo",
        "v8",
        "nano",
        "seg",
        "batch",
        "32",
        "에폭",
        "로",
        "C:\\x\\y",
        "/a/b",
        "ViT-B/16",
        "lr=3e-4",
        "efficientnet",
        "B0",
        ".",
        ",",
        "-",
        "_",
        "'",
        '"',
        "~",
        "resnat18",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_WORDS, st.text(max_size=12)), max_size=12).map(" ".join))
def test_any_text_is_scanned_without_crashing(text: str) -> None:
    catalog = load_catalog()
    for match in catalog.find_all_in_text(text):
        assert match.text and match.text in text
        assert (match.entry is None) == bool(match.suggestions)
        assert all(name in catalog for name in match.suggestions)
    catalog.lookup(text)
    assert len(catalog.suggest(text)) <= 3


# --------------------------------------------------------------------------- snapshot contents


def test_versions_of_every_library_are_recorded(catalog: Catalog) -> None:
    assert set(catalog.versions) == {"timm", "ultralytics", "torchvision"}
    for version in catalog.versions.values():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    raw = json.loads(gzip.decompress(SNAPSHOT.read_bytes()))
    assert raw["versions"] == dict(catalog.versions)


def _by_framework(catalog: Catalog, framework: str) -> dict[str, ModelEntry]:
    return {e.name: e for e in catalog if e.framework == framework}


def test_timm_architectures_are_all_there(catalog: Catalog) -> None:
    timm = _by_framework(catalog, "timm")
    assert len(timm) >= 1300
    assert sum(e.pretrained for e in timm.values()) >= 1000
    resnet50 = timm["resnet50"]
    assert (resnet50.input_size, resnet50.num_classes, resnet50.licence) == (
        224,
        1000,
        "apache-2.0",
    )
    assert resnet50.params_m == pytest.approx(25.56)
    assert "a1_in1k" in resnet50.pretrained_tags and "tv_in1k" in resnet50.pretrained_tags
    assert timm["vit_base_patch16_384"].input_size == 384
    assert {e.task_type for e in timm.values()} == {"image_classification"}
    assert sum(e.params_m is not None for e in timm.values()) >= 1200


def test_ultralytics_families_tasks_and_released_weights(catalog: Catalog) -> None:
    ultra = _by_framework(catalog, "ultralytics")
    assert {e.family for e in ultra.values()} >= {
        "yolov8",
        "yolov9",
        "yolov10",
        "yolo11",
        "yolo12",
        "yolo26",
        "rtdetr",
    }
    suffix_task = {
        "": "object_detection",
        "-cls": "image_classification",
        "-seg": "instance_segmentation",
        "-pose": "pose_estimation",
        "-obb": "oriented_detection",
    }
    for family in ("yolov8", "yolo11", "yolo26"):
        for scale in "nsmlx":
            for suffix, task in suffix_task.items():
                entry = ultra[f"{family}{scale}{suffix}"]
                assert entry.task_type == task and entry.pretrained
                assert entry.pretrained_tags == (f"{entry.name}.pt",)
    for scale in "nsmlx":  # yolo12: every task buildable, detection weights only
        assert ultra[f"yolo12{scale}"].pretrained
        for suffix in ("-cls", "-seg", "-pose", "-obb"):
            assert not ultra[f"yolo12{scale}{suffix}"].pretrained
            assert ultra[f"yolo12{scale}{suffix}"].pretrained_tags == ()
    assert ultra["rtdetr-l"].pretrained and ultra["rtdetr-x"].pretrained
    assert not ultra["rtdetr-resnet50"].pretrained
    assert {f"yolov10{s}" for s in "nsmblx"} <= set(ultra)
    assert ultra["yolov8n"].params_m == pytest.approx(3.16)
    assert ultra["yolov8n-cls"].input_size == 224 and ultra["yolov8n-cls"].num_classes == 1000
    assert ultra["yolo11n-obb"].input_size == 1024 and ultra["yolo11n-obb"].num_classes == 15
    assert {e.licence for e in ultra.values()} == {"agpl-3.0"}


def test_torchvision_classification_and_detection(catalog: Catalog) -> None:
    tv = _by_framework(catalog, "torchvision")
    assert tv["resnet50"].params_m == pytest.approx(25.56)
    assert tv["resnet50"].pretrained_tags[0] == "IMAGENET1K_V2"  # DEFAULT first
    assert tv["efficientnet_b0"].num_classes == 1000
    assert tv["fasterrcnn_resnet50_fpn"].task_type == "object_detection"
    assert tv["fasterrcnn_resnet50_fpn"].num_classes == 91
    assert tv["maskrcnn_resnet50_fpn"].task_type == "instance_segmentation"
    assert tv["keypointrcnn_resnet50_fpn"].task_type == "pose_estimation"
    assert not any(name.startswith("quantized_") for name in tv)
    assert all(not e.trainable_here for e in tv.values())


# --------------------------------------------------------------------------- search / describe


def test_search_sorts_small_to_large_within_filters(catalog: Catalog) -> None:
    small = catalog.search(task_type="object_detection", max_params_m=5, limit=50)
    assert small, "there are pretrained detectors under 5 M parameters"
    sizes = [e.params_m for e in small]
    assert all(s is not None and s <= 5 for s in sizes)
    assert sizes == sorted(sizes)  # type: ignore[type-var]
    assert {"yolov8n", "yolo11n"} <= {e.name for e in small}
    assert all(e.task_type == "object_detection" and e.pretrained for e in small)

    seg = catalog.search(task_type="instance_segmentation", framework="ultralytics", limit=100)
    assert seg and all(e.framework == "ultralytics" for e in seg)
    assert not any(e.name.startswith("yolo12") for e in seg)  # no released weights
    with_scratch = catalog.search(
        task_type="instance_segmentation", framework="ultralytics", pretrained_only=False, limit=200
    )
    assert any(e.name == "yolo12n-seg" for e in with_scratch)

    assert len(catalog.search(limit=7)) == 7
    assert catalog.search(limit=0) == ()
    assert not any(e.name.startswith("test_") for e in catalog.search(limit=5000))


def test_describe_gives_the_facts_in_one_paragraph(catalog: Catalog) -> None:
    text = catalog.describe("ResNet-50")
    assert text is not None and "\n" not in text
    for fact in ("resnet50", "timm", "25.56 M parameters", "224×224", "1000", "apache-2.0"):
        assert fact in text
    yolo12 = catalog.describe("yolo12n-seg")
    assert yolo12 is not None and "No pretrained weights" in yolo12
    tv = catalog.describe("vit_b_16")
    assert tv is not None and "timm or ultralytics" in tv
    assert catalog.describe("resnat18") is None


# --------------------------------------------------------------------------- load, speed, torch


def test_snapshot_with_an_unknown_layout_is_refused_with_the_fix() -> None:
    document = json.loads(gzip.decompress(SNAPSHOT.read_bytes()))
    document["schema"] = 99
    with pytest.raises(ValueError, match="build_catalog.py"):
        catalog_from_document(document)


def test_load_is_cached_and_lookups_are_fast(catalog: Catalog) -> None:
    assert load_catalog() is catalog
    timings = []
    for _ in range(50):
        start = time.perf_counter()
        catalog.lookup("EfficientNet B0")
        catalog.suggest("resnat18")
        catalog.find_in_text("use yolov8 nano on C:/datasets/coco8 for 10 epochs")
        timings.append(time.perf_counter() - start)
    # Loose bound (shared CI cores); bench/bench_catalog.py measures the real figures.
    assert statistics.median(timings) < 0.010


def _run(code: str, **env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, **env},
        timeout=60,
    )
    return result.stdout.strip()


def test_importing_and_using_the_catalog_never_imports_torch() -> None:
    out = _run(
        """
        import sys
        import graph.catalog as gc
        c = gc.load_catalog()
        c.find_in_text("train resnet18"); c.suggest("resnat18"); gc.check_against_installed()
        heavy = {"torch", "torchvision", "timm", "ultralytics"}
        print(sorted(heavy & set(sys.modules)))
        """
    )
    assert out == "[]"


def _fake_timm(root: Path, version: str, names: list[str]) -> None:
    """A real on-disk (tiny) timm distribution: package dir + dist-info with a version."""
    models = root / "timm" / "models"
    models.mkdir(parents=True)
    (root / "timm" / "__init__.py").write_text("raise ImportError('must not be imported')\n")
    body = "".join(
        f"@register_model\ndef {n}(pretrained=False, **kwargs):\n    pass\n\n" for n in names
    )
    (models / "resnet.py").write_text(body)
    info = root / f"timm-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: timm\nVersion: {version}\n")


def test_installed_timm_differences_are_reported_not_fatal(tmp_path: Path) -> None:
    _fake_timm(tmp_path, "9.9.9", ["resnet18", "brand_new_net"])
    out = _run(
        """
        import json
        from graph.catalog import check_against_installed
        print(json.dumps(check_against_installed()))
        """,
        PYTHONPATH=f"{tmp_path}{os.pathsep}{ROOT}",
    )
    messages = json.loads(out)
    assert any("timm 9.9.9 is installed" in m and "build_catalog.py" in m for m in messages)
    assert any("only in the installed timm: brand_new_net" in m for m in messages)
    timm_count = sum(e.framework == "timm" for e in load_catalog())
    assert any(m.startswith(f"{timm_count - 1} timm models are missing") for m in messages)


def test_installed_ultralytics_of_the_same_version_reports_only_missing_yamls(
    tmp_path: Path,
) -> None:
    version = load_catalog().versions["ultralytics"]
    package = tmp_path / "ultralytics"
    (package / "cfg" / "models" / "v8").mkdir(parents=True)
    (package / "__init__.py").write_text("raise ImportError('must not be imported')\n")
    (package / "cfg" / "models" / "v8" / "yolov8.yaml").write_text("nc: 80\n")
    info = tmp_path / f"ultralytics-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: ultralytics\nVersion: {version}\n"
    )
    out = _run(
        """
        import json
        from graph.catalog import check_against_installed
        print(json.dumps(check_against_installed()))
        """,
        PYTHONPATH=f"{tmp_path}{os.pathsep}{ROOT}",
    )
    messages = json.loads(out)
    assert not any("is installed but" in m for m in messages)  # same version: no warning
    ours = [e.name for e in load_catalog() if e.framework == "ultralytics"]
    unscaled_yolov8 = [n for n in ours if re.fullmatch(r"yolov8[nsmlx]", n)]
    assert len(unscaled_yolov8) == 5
    assert messages == [
        f"{len(ours) - 5} ultralytics models are missing from the installed ultralytics: "
        + ", ".join(sorted(set(ours) - set(unscaled_yolov8))[:5])
        + " …"
    ]


def test_nothing_installed_means_nothing_to_report() -> None:
    if importlib.util.find_spec("timm") or importlib.util.find_spec("ultralytics"):
        pytest.skip("timm or ultralytics is installed here")
    assert check_against_installed() == ()


# --------------------------------------------------------------------------- the build script


def _build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_catalog", ROOT / "scripts/build_catalog.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TIMM_MODULE = """
import torch.nn as nn
from timm.data import IMAGENET_DEFAULT_MEAN
from ._registry import generate_default_cfgs, register_model

class Net(nn.Module):
    pass

def _cfg(url='', **kwargs):
    return {'url': url, 'num_classes': 1000, 'input_size': (3, 224, 224),
            'mean': IMAGENET_DEFAULT_MEAN, 'license': 'apache-2.0', **kwargs}

def _big(url='', **kwargs):
    return _cfg(url=url, **dict({'input_size': (3, 384, 384)}, **kwargs))

default_cfgs = generate_default_cfgs({
    'tinynet_a.scratch': _cfg(),
    'tinynet_a.good_in1k': _cfg(hf_hub_id='timm/'),
    'tinynet_b.big_in22k': _big(hf_hub_id='timm/', num_classes=21841, license='mit'),
    'tinynet_b.in1k*': _big(hf_hub_id='timm/'),
})

@register_model
def tinynet_a(pretrained=False, **kwargs):
    return Net()

@register_model()
def tinynet_b(pretrained=False, **kwargs):
    return Net()

@register_model
def tinynet_c(pretrained=False, **kwargs):
    return Net()
"""


def test_build_script_reads_timm_cfgs_without_running_model_code(tmp_path: Path) -> None:
    build = _build_script()
    (tmp_path / "timm/models").mkdir(parents=True)
    (tmp_path / "timm/data").mkdir(parents=True)
    (tmp_path / "timm/data/constants.py").write_text(
        "IMAGENET_DEFAULT_MEAN = (0.485, 0.456, 0.406)\n"
    )
    (tmp_path / "timm/models/tinynet.py").write_text(TIMM_MODULE)
    rows, _aliases = build.timm_rows(tmp_path, {"tinynet_a": 1.5})
    by_name = {row[0]: dict(zip(build.COLUMNS, row, strict=True)) for row in rows}
    assert list(by_name) == ["tinynet_a", "tinynet_b", "tinynet_c"]
    a, b, c = by_name["tinynet_a"], by_name["tinynet_b"], by_name["tinynet_c"]
    assert (a["pretrained_tags"], a["params_m"], a["input_size"]) == (["good_in1k"], 1.5, 224)
    # the starred tag is timm's explicit default even though another tag came first
    assert b["pretrained_tags"] == ["in1k", "big_in22k"]
    assert (b["input_size"], b["num_classes"], b["licence"]) == (384, 1000, "apache-2.0")
    assert (c["pretrained"], c["pretrained_tags"], c["params_m"]) == (False, [], None)


def test_build_script_names_ultralytics_models_from_yaml_files() -> None:
    build = _build_script()
    names = list(build._ultralytics_names("yolov8-seg", ["n", "s"]))
    assert names == [
        ("yolov8n-seg", "yolov8", "instance_segmentation"),
        ("yolov8s-seg", "yolov8", "instance_segmentation"),
    ]
    assert list(build._ultralytics_names("yolov9c", [])) == [
        ("yolov9c", "yolov9", "object_detection")
    ]
    assert list(build._ultralytics_names("rtdetr-resnet50", ["l"])) == [
        ("rtdetr-resnet50", "rtdetr", "object_detection")
    ]
    for skipped in ("yolov8-p6", "yolov8-ghost", "yoloe-11-seg", "yolo26-sem", "yolov8-worldv2"):
        assert list(build._ultralytics_names(skipped, ["n"])) == []
    per_scale, whole = build._yaml_params(
        "# 544 layers, 2128720 parameters, 8.5 GFLOPs\n"
        "  n: [0.50, 0.25, 1024] # summary: 1,820,976 parameters, 3.7 GFLOPs\n"
    )
    assert per_scale == {"n": 1.82} and whole == 2.13


@pytest.mark.slow
def test_rebuilding_from_the_recorded_versions_reproduces_the_counts(tmp_path: Path) -> None:
    """Downloads the three wheels (~12 MB) with pip and rebuilds the snapshot from them."""
    versions = load_catalog().versions
    output = tmp_path / "catalog.json.gz"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts/build_catalog.py"),
            *(f"--{lib}={ver}" for lib, ver in versions.items()),
            "--wheels",
            str(tmp_path / "wheels"),
            "--output",
            str(output),
        ],
        check=True,
        timeout=600,
    )
    rebuilt = json.loads(gzip.decompress(output.read_bytes()))
    shipped = json.loads(gzip.decompress(SNAPSHOT.read_bytes()))
    assert rebuilt["versions"] == shipped["versions"]

    def without_timm_params(rows: list[list[object]]) -> list[list[object]]:
        # timm parameter counts come from --timm-params files, not from the wheel
        return [[*row[:4], None if row[1] == "timm" else row[4], *row[5:]] for row in rows]

    assert without_timm_params(rebuilt["models"]) == without_timm_params(shipped["models"])
