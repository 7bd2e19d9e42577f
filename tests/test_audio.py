"""WAV input: every PCM WAV a person might have is heard; anything else is refused clearly."""

from __future__ import annotations

import subprocess
import tracemalloc
from pathlib import Path

import pytest

from voiceassist.audio import RECOGNISER_RATE, Resampler, read_wav
from voiceassist.errors import AudioError

from .audio_tools import speak, synth


def converted_seconds(path: Path) -> float:
    resampler = Resampler()
    total = sum(len(resampler.convert(c)) for c in read_wav(path)) + len(resampler.flush())
    return total / 2 / RECOGNISER_RATE


@pytest.mark.parametrize(
    ("sample_rate", "channels", "bits"),
    [(8000, 1, 16), (16000, 2, 16), (22050, 1, 8), (44100, 2, 32), (48000, 1, 16), (96000, 1, 16)],
)
def test_pcm_wav_of_any_common_format_reaches_the_recogniser_rate(
    tmp_path: Path, sample_rate: int, channels: int, bits: int
) -> None:
    encoding = "unsigned-integer" if bits == 8 else "signed-integer"
    path = speak(
        "hello there",
        tmp_path / "a.wav",
        sample_rate=sample_rate,
        channels=channels,
        bits=bits,
        encoding=encoding,
    )
    expected = float(
        subprocess.run(["soxi", "-D", str(path)], capture_output=True, text=True, check=True).stdout
    )
    assert converted_seconds(path) == pytest.approx(expected, abs=0.02)


def test_float_wav_is_accepted(tmp_path: Path) -> None:
    path = speak("hello", tmp_path / "f.wav", bits=32, encoding="floating-point")
    assert converted_seconds(path) > 0.5


def expect_refused(path: Path, words: str) -> None:
    with pytest.raises(AudioError) as caught:
        list(read_wav(path))
    message = str(caught.value)
    assert message.startswith(str(path)) and words in message and "\n" not in message


def test_a_text_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.wav"
    path.write_text("not audio at all\n")
    expect_refused(path, "not a WAV audio file")


def test_compressed_wav_is_refused(tmp_path: Path) -> None:
    expect_refused(speak("hello", tmp_path / "u.wav", bits=8, encoding="u-law"), "compressed WAV")


def test_an_mp3_or_other_format_is_refused(tmp_path: Path) -> None:
    wav = speak("hello", tmp_path / "a.wav")
    aiff = tmp_path / "a.aiff"
    subprocess.run(["sox", str(wav), str(aiff)], check=True)
    renamed = aiff.rename(tmp_path / "sneaky.wav")
    expect_refused(renamed, "not a WAV file")


def test_truncated_wav_is_refused(tmp_path: Path) -> None:
    path = speak("a longer sentence to cut short", tmp_path / "t.wav")
    path.write_bytes(path.read_bytes()[:2000])
    expect_refused(path, "truncated")


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    expect_refused(path, "empty")


def test_wav_with_no_samples_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "none.wav"
    subprocess.run(
        ["sox", "-n", "-r", "16000", "-c", "1", "-b", "16", str(path), "trim", "0", "0"], check=True
    )
    expect_refused(path, "no audio")


def test_missing_file_is_refused(tmp_path: Path) -> None:
    expect_refused(tmp_path / "nowhere.wav", "not found")


def test_an_hour_long_file_streams_in_bounded_memory(tmp_path: Path) -> None:
    path = synth(tmp_path / "hour.wav", 3600)
    assert path.stat().st_size > 100_000_000
    tracemalloc.start()
    chunks = sum(1 for _ in read_wav(path, chunk_seconds=1.0))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert chunks == 3600 and peak < 5_000_000


def test_a_wav_header_with_zero_channels_is_refused(tmp_path: Path) -> None:
    import struct

    data = b"\x00\x01" * 100
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt "
    header += struct.pack("<IHHIIHH", 16, 1, 0, 16000, 0, 0, 16)  # PCM, 0 channels
    path = tmp_path / "zero.wav"
    path.write_bytes(header + b"data" + struct.pack("<I", len(data)) + data)
    with pytest.raises(AudioError) as caught:
        list(read_wav(path))
    assert str(caught.value).startswith(str(path))
