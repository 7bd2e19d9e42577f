"""Earcons: short, distinct sounds for "listening now", "stopped listening" and "error".

Made on the fly (a few sine tones), so there is nothing to ship or load.
"""

from __future__ import annotations

from .tts import Audio

RATE = 22050


def _tones(*notes: tuple[float, float]) -> Audio:
    import numpy as np

    pieces = []
    for frequency, seconds in notes:
        t = np.arange(int(RATE * seconds)) / RATE
        envelope = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.01)  # no clicks
        pieces.append(0.3 * envelope * np.sin(2 * np.pi * frequency * t))
    samples = (np.concatenate(pieces) * 32767).astype("<i2")
    return Audio(samples.tobytes(), RATE)


def listening() -> Audio:
    """Two rising notes: speak now."""
    return _tones((660.0, 0.07), (880.0, 0.09))


def stopped() -> Audio:
    """Two falling notes: no longer listening."""
    return _tones((880.0, 0.07), (660.0, 0.09))


def error() -> Audio:
    """A low double buzz: something went wrong."""
    return _tones((220.0, 0.12), (0.0, 0.05), (220.0, 0.12))
