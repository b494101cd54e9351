"""Hostile trees: special files, symlink loops and broken links, links out of the allowed roots,
huge or explosive dataset files. Each is skipped entry by entry with a problem naming it, and the
rest of the dataset is still inspected (reliability findings 8, 9 and 10)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from pathlib import Path

import pytest
import yaml

from graph.datasets import ROOTS_ENV, DatasetProblem, DatasetReport, inspect_dataset
from graph.datasets.coco import MAX_COCO_BYTES
from graph.datasets.confinement import Confinement
from graph.datasets.samples import NOT_AN_IMAGE, PNG_BYTES, make_sample_dataset

HANG_S = 10.0


def found(report: DatasetReport) -> dict[str, int]:
    """Problem code -> total occurrences (over splits)."""
    totals: dict[str, int] = {}
    for problem in report.problems:
        totals[problem.code] = totals.get(problem.code, 0) + problem.count
    return totals


def problem(report: DatasetReport, code: str) -> DatasetProblem:
    """The one problem with ``code``."""
    [match] = [p for p in report.problems if p.code == code]
    return match


def inspect_or_unblock(path: Path, fifos: list[Path]) -> DatasetReport:
    """``inspect_dataset`` in a thread; if it is still running after ``HANG_S`` it is blocked
    in ``open`` on a FIFO, so each FIFO gets a writer (which releases it) and the test fails."""
    out: list[DatasetReport] = []
    worker = threading.Thread(target=lambda: out.append(inspect_dataset(path)), daemon=True)
    worker.start()
    worker.join(HANG_S)
    if worker.is_alive():
        for fifo in fifos:
            with contextlib.suppress(OSError):  # ENXIO: nobody was reading this one
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(HANG_S)
        pytest.fail(f"inspection blocked on a special file in {path}")
    return out[0]


# --- finding 8: only regular files are opened -------------------------------------------------


def test_a_fifo_named_data_yaml_is_named_not_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "data.yaml"
    os.mkfifo(fifo)
    started = time.monotonic()
    report = inspect_or_unblock(tmp_path, [fifo])
    assert time.monotonic() - started < 2.0
    assert found(report) == {"not_a_regular_file": 1}
    bad = problem(report, "not_a_regular_file")
    assert bad.severity == "error" and bad.examples == (f"{fifo} (named pipe)",)


@pytest.mark.parametrize("fmt", ["imagefolder", "yolo", "coco", "voc"])
def test_a_fifo_in_place_of_an_image_is_skipped_and_the_rest_counted(
    tmp_path: Path, fmt: str
) -> None:
    root = make_sample_dataset(tmp_path / fmt, fmt)
    image = {
        "imagefolder": root / "train" / "cat" / "cat_000001.png",
        "yolo": root / "images" / "train" / "train_0_000001.png",
        "coco": root / "train" / "train_0_000001.png",
        "voc": root / "JPEGImages" / "train_0_000001.jpg",
    }[fmt]
    image.unlink()
    os.mkfifo(image)
    report = inspect_or_unblock(root, [image])
    assert found(report) == {"not_a_regular_file": 1}, report.problems
    assert problem(report, "not_a_regular_file").examples == (f"{image} (named pipe)",)
    assert report.split("train").images == 11  # type: ignore[union-attr]


def test_fifo_label_annotation_and_list_files_are_never_opened(tmp_path: Path) -> None:
    yolo = make_sample_dataset(tmp_path / "yolo", "yolo")
    label = yolo / "labels" / "train" / "train_1_000002.txt"
    label.unlink()
    os.mkfifo(label)
    coco = make_sample_dataset(tmp_path / "coco", "coco")
    ann = coco / "annotations" / "instances_val.json"
    ann.unlink()
    os.mkfifo(ann)
    voc = make_sample_dataset(tmp_path / "voc", "voc")
    xml = voc / "Annotations" / "train_2_000003.xml"
    xml.unlink()
    os.mkfifo(xml)
    for root, fifo in ((yolo, label), (coco, ann), (voc, xml)):
        report = inspect_or_unblock(root, [fifo])
        assert problem(report, "not_a_regular_file").examples == (f"{fifo} (named pipe)",)
        assert "inspection_failed" not in found(report)
    assert inspect_or_unblock(coco, [ann]).class_names == ("cat", "dog", "bird")


def test_sockets_and_devices_are_named_with_their_kind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_sample_dataset(tmp_path, "imagefolder")
    cat = root / "train" / "cat"
    monkeypatch.chdir(cat)  # a relative bind keeps the socket path under the 108-byte limit
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind("sock.png")
        (cat / "null.png").symlink_to("/dev/null")
        report = inspect_dataset(root)
    finally:
        server.close()
    bad = problem(report, "not_a_regular_file")
    assert bad.count == 2
    assert set(bad.examples) == {f"{cat / 'null.png'} (device)", f"{cat / 'sock.png'} (socket)"}
    assert report.split("train").per_class == (("bird", 4), ("cat", 4), ("dog", 4))  # type: ignore[union-attr]


# --- finding 9: loops and broken links, per entry ----------------------------------------------


def test_link_loops_and_broken_links_are_skipped_one_by_one(tmp_path: Path) -> None:
    root = make_sample_dataset(tmp_path, "imagefolder")
    train = root / "train"
    os.symlink("self", train / "self")
    os.symlink("ping", train / "pong")
    os.symlink("pong", train / "ping")
    os.symlink("/nonexistent/target", train / "dangling")
    os.symlink("missing.png", train / "dog" / "gone.png")
    report = inspect_dataset(root)
    assert found(report) == {"symlink_loop": 3, "broken_symlink": 2}
    loops = problem(report, "symlink_loop")
    assert loops.severity == "warning"
    assert set(loops.examples) == {str(train / n) for n in ("self", "ping", "pong")}
    assert set(problem(report, "broken_symlink").examples) == {
        str(train / "dangling"),
        str(train / "dog" / "gone.png"),
    }
    assert report.class_names == ("bird", "cat", "dog")
    assert report.split("train").per_class == (("bird", 4), ("cat", 4), ("dog", 4))  # type: ignore[union-attr]


def test_a_looping_label_file_is_named_and_the_split_still_counted(tmp_path: Path) -> None:
    root = make_sample_dataset(tmp_path, "yolo")
    label = root / "labels" / "train" / "train_0_000001.txt"
    label.unlink()
    os.symlink(label.name, label)
    report = inspect_dataset(root)
    assert found(report) == {"symlink_loop": 1}
    assert problem(report, "symlink_loop").examples == (str(label),)
    assert report.split("train").per_class == (("cat", 3), ("dog", 4), ("bird", 4))  # type: ignore[union-attr]


def test_a_looping_data_yaml_is_named(tmp_path: Path) -> None:
    root = make_sample_dataset(tmp_path, "yolo")
    (root / "data.yaml").unlink()
    os.symlink("data.yaml", root / "data.yaml")
    report = inspect_dataset(root)
    assert found(report) == {"symlink_loop": 1, "yaml_invalid": 1}
    assert "could not be read" in problem(report, "yaml_invalid").message


# --- finding 10: nothing outside TRAINCHAT_DATASET_ROOTS is listed or read ---------------------


@pytest.fixture
def confined(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """(allowed root, outside folder); the outside holds a junk "image" that would be reported
    as ``not_an_image`` if it were ever read, and a class folder named ``secret``."""
    allowed, outside = tmp_path / "allowed", tmp_path / "outside"
    (outside / "secret").mkdir(parents=True)
    (outside / "secret" / "x.png").write_bytes(NOT_AN_IMAGE)
    (outside / "junk.png").write_bytes(NOT_AN_IMAGE)
    (outside / "labels.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    allowed.mkdir()
    monkeypatch.setenv(ROOTS_ENV, str(allowed))
    return allowed, outside


def assert_outside_skipped(report: DatasetReport, *entries: Path) -> None:
    """Only ``entry_outside_roots`` names the entries; nothing from outside was counted."""
    assert found(report) == {"entry_outside_roots": len(entries)}, report.problems
    skipped = problem(report, "entry_outside_roots")
    assert skipped.severity == "warning" and set(skipped.examples) == {str(e) for e in entries}
    assert "secret" not in report.class_names


def test_a_link_to_an_outside_folder_is_not_followed(confined: tuple[Path, Path]) -> None:
    allowed, outside = confined
    root = make_sample_dataset(allowed / "ds", "imagefolder")
    (root / "train" / "secret").symlink_to(outside / "secret")
    (root / "train" / "cat" / "deep").symlink_to(outside)
    report = inspect_dataset(root)
    assert_outside_skipped(report, root / "train" / "secret", root / "train" / "cat" / "deep")
    assert report.split("train").per_class == (("bird", 4), ("cat", 4), ("dog", 4))  # type: ignore[union-attr]


def test_a_link_to_an_outside_file_is_not_read(confined: tuple[Path, Path]) -> None:
    allowed, outside = confined
    root = make_sample_dataset(allowed / "ds", "yolo")
    image = root / "images" / "train" / "leak.png"
    image.symlink_to(outside / "junk.png")
    label = root / "labels" / "train" / "train_0_000001.txt"
    label.unlink()
    label.symlink_to(outside / "labels.txt")
    report = inspect_dataset(root)
    assert_outside_skipped(report, image, label)
    assert report.split("train").images == 12  # type: ignore[union-attr]


def test_paths_in_dataset_files_cannot_leave_the_roots(confined: tuple[Path, Path]) -> None:
    allowed, outside = confined
    yolo = make_sample_dataset(allowed / "yolo", "yolo")
    data = yaml.safe_load((yolo / "data.yaml").read_text())
    data["test"] = str(outside)  # an absolute folder
    data["val"] = [data["val"], "../../outside/secret"]  # a relative escape
    (yolo / "data.yaml").write_text(yaml.safe_dump(data))
    report = inspect_dataset(yolo)
    assert_outside_skipped(report, outside, outside / "secret")
    assert [(s.name, s.images) for s in report.splits] == [("train", 12), ("val", 6)]
    coco = make_sample_dataset(allowed / "coco", "coco")
    doc = json.loads((coco / "annotations" / "instances_train.json").read_text())
    doc["images"].append({"id": 777, "file_name": "../../../outside/junk.png"})
    (coco / "annotations" / "instances_train.json").write_text(json.dumps(doc))
    report = inspect_dataset(coco)
    assert_outside_skipped(report, coco / "train" / "../../../outside/junk.png")


def test_a_dataset_file_linked_from_outside_is_not_read(confined: tuple[Path, Path]) -> None:
    allowed, outside = confined
    theirs = make_sample_dataset(outside / "theirs", "yolo")
    mine = allowed / "mine"
    mine.mkdir()
    (mine / "data.yaml").symlink_to(theirs / "data.yaml")
    report = inspect_dataset(mine)
    assert found(report) == {"entry_outside_roots": 1, "yaml_invalid": 1}
    assert report.class_names == () and report.splits == ()


def test_links_inside_the_roots_still_work(confined: tuple[Path, Path]) -> None:
    allowed, _ = confined
    shared = make_sample_dataset(allowed / "shared", "imagefolder")
    root = make_sample_dataset(allowed / "ds", "imagefolder", classes=("cat",))
    (root / "train" / "owl").symlink_to(shared / "train" / "bird")
    report = inspect_dataset(root)
    assert "owl" in report.class_names and found(report) == {"class_mismatch": 1}
    assert dict(report.split("train").per_class)["owl"] == 4  # type: ignore[union-attr]


def test_confinement_resolves_like_realpath(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "f.png").write_bytes(PNG_BYTES)
    (tmp_path / "link").symlink_to(tmp_path / "a")
    (tmp_path / "a" / "up").symlink_to("..")
    (tmp_path / "a" / "b" / "loop").symlink_to("loop")
    guard = Confinement((str(tmp_path / "a"),))
    paths = [
        "a/b/f.png",
        "link/b/f.png",
        "link/b/../b/f.png",
        "a/up/link/b",
        "a/up",
        "a/b/",
        "a/b/.",
        "a/b/..",
        "a/b/loop",
        "a/missing/x.png",
    ]
    for relative in paths:
        path = str(tmp_path / relative)
        for _ in range(2):  # the second time from the cache
            assert guard.real_path(path) == os.path.realpath(path), relative
    assert guard.allows(str(tmp_path / "link" / "b")) and not guard.allows(str(tmp_path / "a/up"))


# --- files too large or too explosive to load ---------------------------------------------------


def test_a_coco_file_above_the_limit_is_refused_without_loading(tmp_path: Path) -> None:
    root = make_sample_dataset(tmp_path, "coco")
    huge = root / "annotations" / "instances_val.json"
    with huge.open("r+b") as handle:  # sparse: no disk or memory used
        handle.truncate(MAX_COCO_BYTES + 1)
    started = time.monotonic()
    report = inspect_dataset(root)
    assert time.monotonic() - started < 2.0
    assert found(report) == {"file_too_large": 1, "no_validation_split": 1}
    message = problem(report, "file_too_large").message
    assert str(huge) in message and "512 MB" in message
    assert [s.name for s in report.splits] == ["train"]


def test_a_yaml_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    lines += ["names: [*a8]", "train: images/train", "val: *a8"]
    (tmp_path / "data.yaml").write_text("\n".join(lines) + "\n")
    started = time.monotonic()
    report = inspect_dataset(tmp_path)
    assert time.monotonic() - started < 2.0
    assert "yaml_invalid" in found(report) and "inspection_failed" not in found(report)
