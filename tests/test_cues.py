"""Earcons are short and tell their meaning by shape: rising to listen, falling to stop."""

from __future__ import annotations

import numpy as np

from voiceassist import cues
from voiceassist.tts import Audio


def pitch(audio: Audio, start: float, end: float) -> float:
    samples = np.frombuffer(audio.pcm, dtype="<i2").astype(float)
    part = samples[int(len(samples) * start) : int(len(samples) * end)]
    spectrum = np.abs(np.fft.rfft(part))
    return float(np.argmax(spectrum) * audio.rate / len(part))


def test_listening_cue_rises_and_stopped_cue_falls() -> None:
    up, down = cues.listening(), cues.stopped()
    assert pitch(up, 0.0, 0.4) < pitch(up, 0.6, 1.0)
    assert pitch(down, 0.0, 0.4) > pitch(down, 0.6, 1.0)


def test_cues_are_short_enough_not_to_delay_anything() -> None:
    for cue in (cues.listening(), cues.stopped(), cues.error()):
        assert 0.1 < cue.seconds < 0.4
