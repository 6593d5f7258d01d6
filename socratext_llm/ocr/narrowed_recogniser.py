"""RapidOCR's recogniser with its output layer narrowed to the characters French documents print.

PP-OCRv6's recogniser scores 18,710 classes for every 8 pixel columns of a line: its dictionary is mostly
CJK ideographs, kana, hangul and emoji. That last layer (a 120 × 18,710 matrix product, its bias and its
softmax) is a sixth of the model's time, and RapidOCR then takes the best class of each column in Python over
the same 18,710. Only the classes before U+2E80 (Latin with its extensions, Greek, digits, punctuation,
currency, arrows, mathematical signs, box and check marks: 1,748 characters) can be right in a French
document, so the derived model keeps the columns of those, the CTC blank and the space, and nothing else
(docs/speed.md gives the time and accuracy measured). It is derived once from the shipped file, beside the
local models (``Settings.models_dir``), and named by that file's hash: a new RapidOCR model is derived anew.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

CJK_START = 0x2E80  # CJK radicals onward: ideographs, kana, hangul, full-width forms, emoji
DERIVATION = "1"  # bump when the derivation changes


def kept_classes(characters: list[str]) -> list[int]:
    """Output classes kept, given the model's character list (RapidOCR's order: the CTC blank is class 0, the
    listed characters follow, the space is the last class): the blank, the characters before U+2E80, the space."""
    return [0, *(index + 1 for index, character in enumerate(characters)
                 if len(character) == 1 and ord(character) < CJK_START), len(characters) + 1]


def _narrow(source: Path, target: Path) -> None:
    """Write the narrowed copy of ``source``: the matrix and bias of its last layer cut to the kept classes, the
    character list in its metadata cut likewise (RapidOCR reads it from there)."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(source))
    metadata = {entry.key: entry for entry in model.metadata_props}
    if "character" not in metadata:
        raise ValueError("the recogniser has no character list in its metadata")
    characters = metadata["character"].value.splitlines()
    classes = len(characters) + 2
    initialisers = {tensor.name: tensor for tensor in model.graph.initializer}
    heads = [node for node in model.graph.node if node.op_type == "MatMul" and len(node.input) == 2
             and node.input[1] in initialisers and list(initialisers[node.input[1]].dims)[-1:] == [classes]]
    biases = [node for node in model.graph.node if heads and node.op_type == "Add"
              and heads[0].output[0] in node.input
              and any(name in initialisers and list(initialisers[name].dims) == [classes] for name in node.input)]
    if len(heads) != 1 or len(biases) != 1:
        raise ValueError("the recogniser's last layer was not found where expected")
    keep = np.asarray(kept_classes(characters))
    bias_name = next(name for name in biases[0].input if name in initialisers)
    for name, axis in ((heads[0].input[1], -1), (bias_name, 0)):
        values = np.ascontiguousarray(np.take(numpy_helper.to_array(initialisers[name]), keep, axis=axis))
        initialisers[name].CopyFrom(numpy_helper.from_array(values, name))
    metadata["character"].value = "\n".join(characters[index - 1] for index in keep[1:-1])
    for output in model.graph.output:
        last = output.type.tensor_type.shape.dim[-1]
        if last.HasField("dim_value") and last.dim_value == classes:
            last.dim_value = len(keep)
    del model.graph.value_info[:]  # shapes inferred from the old width; the runtime infers them again
    onnx.save(model, str(target))


def narrowed_recogniser(source: Path, sha256: str, folder: Path) -> Path:
    """The narrowed copy of the recogniser at ``source`` (whose SHA-256 RapidOCR's model table gives: the file
    is not read again at each start), derived on first use into ``folder`` (written whole under a temporary
    name, then renamed, so that processes starting together never read half a file)."""
    target = folder / f"{source.stem}-latin-{sha256[:16]}-v{DERIVATION}.onnx"
    if target.is_file():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=folder, suffix=".partial")
    os.close(handle)
    try:
        _narrow(source, Path(partial))
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return target
