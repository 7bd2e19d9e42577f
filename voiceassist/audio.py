"""Audio chunks, WAV files and conversion to what recognisers take (16 kHz mono 16-bit).

The microphone and WAV files both produce ``AudioChunk``s and go through the same
``Resampler``, so a test fed from a file exercises the path a microphone uses.
Decoding is libsndfile's (soundfile) and resampling libsoxr's (soxr): both are
solved problems with well-kept libraries.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile
import soxr

from .errors import AudioError

_LOGGER = logging.getLogger(__name__)

RECOGNISER_RATE = 16000
PCM_SUBTYPES = frozenset({"PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE"})
MIN_RATE, MAX_RATE = 8000, 192000


@dataclass(frozen=True)
class AudioChunk:
    """A piece of 16-bit signed little-endian PCM audio."""

    audio: bytes
    rate: int
    """Samples per second (Hz)."""
    channels: int = 1

    @property
    def frames(self) -> int:
        return len(self.audio) // (2 * self.channels)

    @property
    def seconds(self) -> float:
        return self.frames / self.rate


class Resampler:
    """Streams chunks of any rate and channel count to 16 kHz mono 16-bit bytes."""

    def __init__(self, rate: int = RECOGNISER_RATE) -> None:
        self.rate = rate
        self._stream: soxr.ResampleStream | None = None
        self._in_rate = 0

    def convert(self, chunk: AudioChunk, last: bool = False) -> bytes:
        samples = np.frombuffer(chunk.audio, dtype="<i2")
        if chunk.channels > 1:
            frames = samples[: chunk.frames * chunk.channels].reshape(-1, chunk.channels)
            samples = frames.mean(axis=1).astype(np.int16)
        if chunk.rate == self.rate:
            return samples.astype("<i2").tobytes()
        if self._stream is None or self._in_rate != chunk.rate:
            self._stream = soxr.ResampleStream(chunk.rate, self.rate, 1, dtype="int16")
            self._in_rate = chunk.rate
        out = self._stream.resample_chunk(samples.astype(np.int16), last=last)
        return np.asarray(out, dtype="<i2").tobytes()

    def flush(self) -> bytes:
        """The resampler's last samples, at the end of a stream."""
        if self._stream is None:
            return b""
        out = self._stream.resample_chunk(np.zeros(0, dtype=np.int16), last=True)
        self._stream = None
        return np.asarray(out, dtype="<i2").tobytes()


def read_wav(path: Path, chunk_seconds: float = 0.1) -> Iterator[AudioChunk]:
    """Stream a WAV file as chunks; memory stays bounded however long the file is.

    Raises AudioError, naming the file, for anything that is not usable PCM WAV audio.
    """
    if not path.is_file():
        raise AudioError(f"{path}: file not found")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: the file is empty")
    try:
        info = soundfile.info(str(path))
    except (RuntimeError, soundfile.LibsndfileError, OSError) as err:
        raise AudioError(f"{path}: not a WAV audio file ({_reason(err)})") from err
    if info.format not in ("WAV", "WAVEX"):
        raise AudioError(f"{path}: not a WAV file ({info.format_info}); convert it to PCM WAV")
    if info.subtype not in PCM_SUBTYPES:
        raise AudioError(
            f"{path}: compressed WAV ({info.subtype_info}) is not supported; "
            "convert it to PCM, e.g. sox in.wav -e signed -b 16 out.wav"
        )
    if info.channels not in (1, 2):
        raise AudioError(f"{path}: {info.channels} channels; only mono or stereo is supported")
    if not MIN_RATE <= info.samplerate <= MAX_RATE:
        raise AudioError(
            f"{path}: sample rate {info.samplerate} Hz is outside {MIN_RATE}-{MAX_RATE} Hz"
        )
    if info.frames <= 0:
        raise AudioError(f"{path}: the file holds no audio")
    missing = _missing_data_bytes(path)
    if missing > 0:
        raise AudioError(f"{path}: file is truncated ({missing} bytes of audio missing)")
    block = max(1, int(info.samplerate * chunk_seconds))
    read = 0
    try:
        with soundfile.SoundFile(str(path)) as wav:
            for data in wav.blocks(blocksize=block, dtype="int16", always_2d=True):
                read += len(data)
                yield AudioChunk(data.astype("<i2").tobytes(), info.samplerate, info.channels)
    except (RuntimeError, soundfile.LibsndfileError) as err:
        raise AudioError(f"{path}: cannot read audio ({_reason(err)})") from err
    if read < info.frames:
        raise AudioError(f"{path}: file is truncated ({read} of {info.frames} frames)")


def _missing_data_bytes(path: Path) -> int:
    """How many bytes the WAV's data chunk claims beyond the end of the file.

    libsndfile quietly plays what is there; a cut-off recording deserves a word.
    Streamed WAVs declare 0 or 0xFFFFFFFF ("unknown"), which is not truncation.
    """
    size = path.stat().st_size
    with path.open("rb") as handle:
        header = handle.read(12)
        if len(header) < 12 or header[:4] not in (b"RIFF", b"RF64") or header[8:12] != b"WAVE":
            return 0
        offset = 12
        while offset + 8 <= size:
            handle.seek(offset)
            chunk = handle.read(8)
            declared = int.from_bytes(chunk[4:8], "little")
            if chunk[:4] == b"data":
                if declared in (0, 0xFFFFFFFF) or header[:4] == b"RF64":
                    return 0
                return max(0, offset + 8 + declared - size)
            offset += 8 + declared + (declared & 1)
    return 0


def _reason(err: BaseException) -> str:
    text = str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__
    return text.split(": ", 1)[-1][:120]
