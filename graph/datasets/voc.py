"""Pascal VOC datasets: ``Annotations/*.xml`` + ``JPEGImages/`` (+ ``ImageSets/Main/*.txt``).

VOC declares no class list: classes are the object names found in the XML files. Splits come
from ``ImageSets/Main/{train,val,trainval,test}.txt`` when present (per-class lists such as
``cat_train.txt`` are ignored); without them everything is one split called ``all``.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections import Counter

from graph.datasets.problems import ProblemLog
from graph.datasets.report import SplitSummary
from graph.datasets.scan import FileRef, Scanner, is_image_name
from graph.datasets.splits import FormatResult, split_order

__all__ = ["find_voc_root", "inspect_voc"]

_SPLIT_FILES = ("train", "val", "trainval", "test")
_MAX_XML_BYTES = 16 << 20  # one image's annotation; real ones are about 1 KB


def find_voc_root(root: str, names: list[str], scanner: Scanner) -> str | None:
    """``root`` itself, or its single ``VOCdevkit/VOC*`` child, when it has the VOC folders."""
    if "Annotations" in names and "JPEGImages" in names:
        return root
    # The folder above the layout: ``<root>/VOCdevkit/VOC2012`` or ``VOCdevkit/VOC2012`` itself
    # (the official tar unpacks as VOCdevkit/VOC2012/); the newest year wins when several exist.
    holders = [os.path.join(root, "VOCdevkit")] if "VOCdevkit" in names else []
    if any(name.upper().startswith("VOC") and name != "VOCdevkit" for name in names):
        holders.append(root)
    for holder in holders:
        inner = sorted(scanner.subdirs(holder), key=lambda entry: entry.name, reverse=True)
        for entry in inner:
            if entry.name.upper().startswith("VOC") and os.path.isdir(
                os.path.join(entry.path, "Annotations")
            ):
                return entry.path
    return None


def inspect_voc(voc_root: str, scanner: Scanner, log: ProblemLog) -> FormatResult:
    """Parse every annotation, match it with its image, and count objects per split and class."""
    result = FormatResult(format="voc", label_kinds={"boxes"})
    ann_dir = os.path.join(voc_root, "Annotations")
    img_dir = os.path.join(voc_root, "JPEGImages")
    xmls = {e.name[:-4]: e for e in scanner.list_dir(ann_dir) if e.name.endswith(".xml")}
    xml_ids = set(xmls)
    images: dict[str, os.DirEntry[str]] = {}
    for entry in scanner.list_dir(img_dir):
        if is_image_name(entry.name):
            images[os.path.splitext(entry.name)[0]] = entry
    objects: dict[str, Counter[str]] = {}
    valid_images: set[str] = set()
    for image_id in sorted(xml_ids):
        if scanner.exhausted():
            break
        objects[image_id] = _read_objects(xmls[image_id], scanner, log, ann_dir)
        image = images.get(image_id)
        if image is None:
            log.add("image_file_missing", where=ann_dir, example=f"{image_id}.xml")
            continue
        verdict = scanner.check_image(image)
        if verdict is False:
            log.add("not_an_image", where=img_dir, example=image.path)
        elif verdict:
            valid_images.add(image_id)
    for image_id in sorted(set(images) - xml_ids):
        log.add("annotation_missing", where=img_dir, example=images[image_id].name)
    splits = _read_splits(voc_root, scanner)
    if not splits:
        splits = {"all": sorted(xml_ids)}
    classes = sorted({name for counter in objects.values() for name in counter})
    result.class_names = tuple(classes)
    for split in sorted(splits, key=split_order):
        list_path = os.path.join(voc_root, "ImageSets", "Main", f"{split}.txt")
        where = list_path if split != "all" else ann_dir
        counts: Counter[str] = Counter()
        present = 0
        for image_id in splits[split]:
            if image_id not in xml_ids:
                log.add("split_entry_missing", where=where, split=split, example=image_id)
                continue
            counts.update(objects.get(image_id, Counter()))
            present += image_id in valid_images
        per_class = tuple((name, counts.get(name, 0)) for name in classes)
        result.splits.append(SplitSummary(split, present, per_class))
        result.where[split] = where
    return result


def _read_splits(voc_root: str, scanner: Scanner) -> dict[str, list[str]]:
    main = os.path.join(voc_root, "ImageSets", "Main")
    if not os.path.isdir(main):
        return {}
    splits: dict[str, list[str]] = {}
    for name in _SPLIT_FILES:
        path = os.path.join(main, f"{name}.txt")
        if os.path.isfile(path):
            text = scanner.read_text(path, limit=1 << 26) or ""
            splits[name] = [line.split()[0] for line in text.splitlines() if line.strip()]
    if "train" in splits and "val" in splits:
        splits.pop("trainval", None)  # the union of the two, not a split of its own
    return splits


def _read_objects(xml: FileRef, scanner: Scanner, log: ProblemLog, where: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    xml_path = xml if isinstance(xml, str) else xml.path
    raw = scanner.read_bytes(xml, _MAX_XML_BYTES)
    if raw is None:  # the scanner said why
        return counts
    try:
        root = ET.fromstring(raw)
    except (ET.ParseError, LookupError):  # LookupError: an unknown declared encoding
        log.add("xml_invalid", where=where, example=xml_path)
        return counts
    for number, obj in enumerate(root.iter("object"), start=1):
        name = (obj.findtext("name") or "").strip()
        box = obj.find("bndbox")
        try:
            xmin, ymin, xmax, ymax = (
                float(box.findtext(k) or "nan") if box is not None else float("nan")
                for k in ("xmin", "ymin", "xmax", "ymax")
            )
        except ValueError:
            xmin = ymin = xmax = ymax = float("nan")
        if not name or not (xmax > xmin and ymax > ymin):
            log.add("bbox_invalid", where=where, example=f"{xml_path} object {number}")
            continue
        counts[name] += 1
    return counts
