"""Classic libpcap files (microsecond timestamps, Ethernet link type), one per port and direction.

`p4sim run --pcap DIR` writes `DIR/<ifname>_in.pcap` and `DIR/<ifname>_out.pcap`, the names
simple_switch uses, so scripts that read BMv2's captures read p4sim's unchanged. Every record is
flushed at once: users watch these files while the switch runs, and a crash must not lose them.
"""

from __future__ import annotations

import struct
import sys
import threading
from pathlib import Path
from typing import BinaryIO

PCAP_MAGIC = 0xA1B2C3D4
LINKTYPE_ETHERNET = 1
SNAPLEN = 262144  # libpcap's maximum; frames are never truncated in practice

_GLOBAL_HEADER = struct.Struct("<IHHiIII")
_RECORD_HEADER = struct.Struct("<IIII")


def pcap_paths(directory: Path, ifname: str) -> tuple[Path, Path]:
    """The (input, output) capture files of `ifname`, named as simple_switch names them."""
    return directory / f"{ifname}_in.pcap", directory / f"{ifname}_out.pcap"


class PcapWriter:
    """Appends frames to one pcap file; safe to call from several threads (PacketOut and ports)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._file: BinaryIO | None = open(path, "wb")  # noqa: SIM115 - closed by close()
        self._file.write(_GLOBAL_HEADER.pack(PCAP_MAGIC, 2, 4, 0, 0, SNAPLEN, LINKTYPE_ETHERNET))
        self._file.flush()

    def write(self, frame: bytes, timestamp: float) -> None:
        """Record `frame` seen at `timestamp` (seconds since the epoch)."""
        seconds = int(timestamp)
        micros = min(int(round((timestamp - seconds) * 1_000_000)), 999_999)
        captured = frame[:SNAPLEN]
        with self._lock:
            if self._file is None:
                return
            try:
                self._file.write(_RECORD_HEADER.pack(seconds, micros, len(captured), len(frame)))
                self._file.write(captured)
                self._file.flush()
            except OSError as err:  # disk full, file system gone: keep switching, stop capturing
                print(f"p4sim run: warning: stopped writing {self.path}: {err.strerror}",
                      file=sys.stderr)
                self._file.close()
                self._file = None

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
