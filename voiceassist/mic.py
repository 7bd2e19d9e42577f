"""Microphones: a small Protocol and the PortAudio implementation (sounddevice).

Many devices refuse 16 kHz (a common complaint in SpeechRecognition and Vosk
issues), so the microphone opens at the device's own default rate and the
``Resampler`` converts; nothing here assumes what the recogniser wants.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from .audio import AudioChunk
from .errors import AudioDeviceError

_LOGGER = logging.getLogger(__name__)

CHUNK_SECONDS = 0.03
READ_TIMEOUT = 2.0
"""A device that delivers nothing for this long is treated as gone."""


@dataclass(frozen=True)
class InputDevice:
    index: int
    name: str
    channels: int
    default_rate: int
    is_default: bool


class Microphone(Protocol):
    """A source of audio chunks that can be paused while voiceassist speaks."""

    description: str

    def chunks(self) -> Iterator[AudioChunk]: ...

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    def close(self) -> None: ...


def _sounddevice() -> Any:
    try:
        import sounddevice
    except OSError as err:  # PortAudio library missing
        raise AudioDeviceError(
            f"PortAudio is not installed ({err}); "
            "install it with: sudo apt-get install libportaudio2"
        ) from err
    return sounddevice


def list_input_devices() -> list[InputDevice]:
    sd = _sounddevice()
    try:
        devices = sd.query_devices()
        default_in = sd.default.device[0]
    except Exception as err:  # PortAudio raises its own error types
        raise AudioDeviceError(f"cannot list audio devices: {err}") from err
    return [
        InputDevice(
            i,
            str(d["name"]),
            int(d["max_input_channels"]),
            int(d["default_samplerate"]),
            i == default_in,
        )
        for i, d in enumerate(devices)
        if d["max_input_channels"] > 0
    ]


def resolve_device(spec: str | None) -> InputDevice:
    """An input device by index or by part of its name; the default when ``spec`` is None."""
    from .tts import refresh_devices

    # PortAudio lists devices once per process; look again so a microphone plugged in
    # since then is found.
    refresh_devices(_sounddevice())
    devices = list_input_devices()
    if not devices:
        raise AudioDeviceError(
            "no microphone found (no audio input devices); use 'voiceassist text' to type instead"
        )
    if spec is None:
        default = [d for d in devices if d.is_default]
        return default[0] if default else devices[0]
    if spec.isdigit():
        for device in devices:
            if device.index == int(spec):
                return device
        raise AudioDeviceError(f"input device {spec}: no such device; see 'voiceassist devices'")
    matches = [d for d in devices if spec.lower() in d.name.lower()]
    if not matches:
        raise AudioDeviceError(
            f"input device '{spec}': no input device has that in its "
            "name; see 'voiceassist devices'"
        )
    exact = [d for d in matches if d.name.lower() == spec.lower()]
    return (exact or matches)[0]


class SoundDeviceMicrophone:
    """PortAudio input at the device's own rate, mono 16-bit, through a bounded queue."""

    def __init__(self, device: str | None = None) -> None:
        self._sd = _sounddevice()
        self.device = resolve_device(device)
        self.rate = self.device.default_rate or 16000
        self.description = f"{self.device.name} (device {self.device.index}, {self.rate} Hz)"
        self._queue: queue.Queue[bytes] = queue.Queue(maxsize=500)
        self._paused = threading.Event()
        self._stream: Any = None

    def _callback(self, data: Any, frames: int, time: Any, status: Any) -> None:
        if status:
            _LOGGER.debug("Microphone status: %s", status)
        if self._paused.is_set():
            return
        try:
            self._queue.put_nowait(bytes(data))
        except queue.Full:  # the reader fell behind; drop rather than grow without bound
            _LOGGER.debug("Dropped a microphone chunk")

    def open(self) -> None:
        try:
            self._stream = self._sd.RawInputStream(
                samplerate=self.rate,
                channels=1,
                dtype="int16",
                device=self.device.index,
                blocksize=int(self.rate * CHUNK_SECONDS),
                callback=self._callback,
            )
            self._stream.start()
        except Exception as err:
            raise AudioDeviceError(f"cannot open microphone {self.description}: {err}") from err
        _LOGGER.debug("Listening on %s", self.description)

    def chunks(self) -> Iterator[AudioChunk]:
        if self._stream is None:
            self.open()
        reopened = False
        while True:
            try:
                data = self._queue.get(timeout=READ_TIMEOUT)
            except queue.Empty:
                if self._paused.is_set():
                    continue
                active = self._running()
                if not active and not reopened:
                    reopened = True
                    self._reopen()
                    continue
                raise AudioDeviceError(
                    f"microphone {self.description} stopped sending audio"
                    + ("" if active else " (was it unplugged?)")
                ) from None
            reopened = False
            yield AudioChunk(data, self.rate, 1)

    def pause(self) -> None:
        """Stop taking audio (while voiceassist speaks), so it never answers itself."""
        self._paused.set()

    def resume(self) -> None:
        while not self._queue.empty():
            self._queue.get_nowait()
        self._paused.clear()
        if self._stream is not None and not self._running():
            try:
                self._reopen()
            except AudioDeviceError as err:  # said by chunks(), where it can be handled
                _LOGGER.debug("%s", err)

    def _running(self) -> bool:
        try:
            return self._stream is not None and bool(self._stream.active)
        except Exception:  # PortAudio restarted: the stream is gone
            return False

    def _reopen(self) -> None:
        """Open the stream again: the speaker restarts PortAudio to find a device plugged
        in since (or one named that is not there), and that ends every open stream."""
        _LOGGER.debug("Microphone stream ended; opening it again")
        self.close()
        self.open()

    def close(self) -> None:
        if self._stream is not None:
            try:
                self._stream.stop()
                self._stream.close()
            except Exception as err:  # closing a vanished device must not mask the real error
                _LOGGER.debug("Closing microphone: %s", err)
            self._stream = None


def make_microphone(device: str | None) -> Microphone:
    """The one place microphones are built; tests replace this seam."""
    mic = SoundDeviceMicrophone(device)
    mic.open()
    return mic
