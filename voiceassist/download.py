"""``voiceassist models download``: the only code that uses the network.

Downloads resume (HTTP Range), are checked against a pinned SHA-256, are unpacked
into a temporary folder and renamed into place, so no partial model is ever left
where voiceassist looks. Archive paths that would escape the folder are refused.
HTTP is requests' and the progress bar tqdm's.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import ModelError
from .models import is_vosk_model

_LOGGER = logging.getLogger(__name__)

CHUNK_BYTES = 1 << 13


@dataclass(frozen=True)
class ModelSpec:
    name: str
    url: str
    sha256: str


DEFAULT_MODEL = "vosk-model-small-en-us-0.15"
CATALOGUE = {
    # Checksum as pinned by other projects' install scripts for this archive.
    DEFAULT_MODEL: ModelSpec(
        DEFAULT_MODEL,
        "https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip",
        "30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498",
    ),
}


def download_model(spec: ModelSpec, models_dir: Path, progress: bool = True) -> Path:
    """Install ``spec`` under ``models_dir``; returns the model folder."""
    target = models_dir / spec.name
    if is_vosk_model(target):
        return target
    if target.exists():
        raise ModelError(
            f"{target}: exists but is not a complete model; remove it and run the download again"
        )
    partial_dir = models_dir / ".downloads"
    partial_dir.mkdir(parents=True, exist_ok=True)
    archive = partial_dir / f"{spec.name}.zip.part"
    _fetch(spec.url, archive, progress)
    digest = _sha256(archive)
    if digest != spec.sha256:
        archive.unlink(missing_ok=True)
        raise ModelError(
            f"{spec.url}: checksum mismatch (got {digest[:12]}..., expected "
            f"{spec.sha256[:12]}...); the download was deleted, try again"
        )
    _install(archive, target, spec.name)
    archive.unlink(missing_ok=True)
    return target


def _fetch(url: str, archive: Path, progress: bool) -> None:
    import requests
    from tqdm import tqdm

    have = archive.stat().st_size if archive.exists() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        with requests.get(url, headers=headers, stream=True, timeout=(10, 30)) as response:
            if response.status_code == 416:  # already complete
                return
            if response.status_code not in (200, 206):
                raise ModelError(f"{url}: download failed (HTTP {response.status_code})")
            if response.status_code == 200:
                have = 0  # the server ignored Range: start again
            total = int(response.headers.get("Content-Length", 0)) + have or None
            mode = "ab" if have else "wb"
            with (
                archive.open(mode) as out,
                tqdm(
                    total=total,
                    initial=have,
                    unit="B",
                    unit_scale=True,
                    desc="Downloading",
                    disable=not progress,
                    leave=False,
                ) as bar,
            ):
                for block in response.iter_content(CHUNK_BYTES):
                    out.write(block)
                    bar.update(len(block))
    except requests.RequestException as err:
        raise ModelError(
            f"{url}: download interrupted ({type(err).__name__}); run the same "
            "command again to resume"
        ) from err


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(CHUNK_BYTES), b""):
            digest.update(block)
    return digest.hexdigest()


def _install(archive: Path, target: Path, name: str) -> None:
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=target.parent))
    try:
        try:
            with zipfile.ZipFile(archive) as bundle:
                for member in bundle.infolist():
                    parts = PurePosixPath(member.filename).parts
                    is_link = (member.external_attr >> 16) & 0o170000 == 0o120000
                    if member.filename.startswith("/") or ".." in parts or is_link:
                        raise ModelError(f"{archive}: unsafe path in archive: {member.filename}")
                bundle.extractall(tmp)
        except zipfile.BadZipFile as err:
            archive.unlink(missing_ok=True)
            raise ModelError(
                f"{archive}: not a valid zip archive; it was deleted, try again"
            ) from err
        roots = [p.parent.parent for p in tmp.rglob("am/final.mdl")]
        if not roots or not is_vosk_model(roots[0]):
            raise ModelError(f"{archive}: the archive holds no Vosk model")
        roots[0].rename(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
