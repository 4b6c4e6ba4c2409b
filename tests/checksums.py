"""Reference versions of BMv2's hash and checksum algorithms, for computing expected outputs.

Written from each algorithm's definition and deliberately independent of
p4sim/runtime/hashes.py: a test that checks the switch against these references would prove
nothing if both sides shared the code under test.
"""

from __future__ import annotations


def crc16_arc(data: bytes) -> int:
    """CRC-16/ARC (polynomial 0x8005 reflected, initial value 0), bit by bit: BMv2's `crc16`,
    and `crc16_custom` with its default parameters."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def _words(data: bytes) -> list[int]:
    """Big-endian 16-bit words, an odd last byte padded with a zero byte."""
    data = data + bytes(len(data) % 2)
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


def csum16(data: bytes) -> int:
    """The Internet checksum (RFC 1071): BMv2's `csum16`."""
    total = sum(_words(data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def xor16(data: bytes) -> int:
    """The XOR of the data's 16-bit words: BMv2's `xor16`."""
    out = 0
    for word in _words(data):
        out ^= word
    return out
