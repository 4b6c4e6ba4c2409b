"""Checksum externs (tests/p4/runtime/feat_checksum.p4): verify_checksum and
verify_checksum_with_payload set standard_metadata.checksum_error, update_checksum and
update_checksum_with_payload rewrite the checksum fields before the deparser.

BMv2 facts (checksums.cpp, calculations.cpp, simple_switch.md): verification runs at the end
of the parser (also after a parser error) and is skipped when the condition is false or the
checksum field's header is invalid; a mismatch sets checksum_error to 1 and nothing else (no
drop); `_with_payload` appends the bytes the parser did not consume; updates run after egress,
in program order, when their condition holds; csum16 is the Internet checksum.
"""

from __future__ import annotations

import pytest
from checksums import csum16
from executor_switch import feature_switch

SRC, DST = bytes([10, 0, 0, 1]), bytes([10, 0, 1, 2])


def _ipv4(tos: int, ttl: int, proto: int, total_len: int, csum: int | None = None) -> bytes:
    head = bytes([0x45, tos]) + total_len.to_bytes(2, "big") + bytes([0x12, 0x34, 0x40, 0])
    head += bytes([ttl, proto])
    rest = SRC + DST
    value = csum16(head + rest) if csum is None else csum
    return head + value.to_bytes(2, "big") + rest


def _udp(payload: bytes, csum: int | None = None) -> bytes:
    length = (8 + len(payload)).to_bytes(2, "big")
    ports = (1234).to_bytes(2, "big") + (80).to_bytes(2, "big")
    pseudo = SRC + DST + bytes([0, 17]) + length
    value = csum16(pseudo + ports + length + payload) if csum is None else csum
    return ports + length + value.to_bytes(2, "big")


def _run(frame: bytes) -> bytes:
    sw = feature_switch("checksum")
    [(port, data)] = sw.process_packet(1, frame)
    assert port == 1
    return data


@pytest.mark.parametrize("payload", [b"hello", b"even", b""])
def test_good_checksums_verified_and_updated(payload: bytes) -> None:
    frame = _ipv4(0, 64, 17, 28 + len(payload)) + _udp(payload) + payload
    expected = _ipv4(0, 63, 17, 28 + len(payload)) + _udp(payload) + payload
    assert _run(frame) == expected


def test_bad_ipv4_checksum_sets_checksum_error_and_is_fixed() -> None:
    payload = b"data"
    frame = _ipv4(0, 64, 17, 32, csum=0xBEEF) + _udp(payload) + payload
    assert _run(frame) == _ipv4(1, 63, 17, 32) + _udp(payload) + payload


def test_bad_udp_checksum_with_payload_sets_checksum_error() -> None:
    payload = b"data!"
    frame = _ipv4(0, 64, 17, 33) + _udp(payload, csum=0x1111) + payload
    assert _run(frame) == _ipv4(1, 63, 17, 33) + _udp(payload) + payload


def test_payload_change_detected() -> None:
    """The payload is part of verify_checksum_with_payload's data."""
    frame = _ipv4(0, 64, 17, 31) + _udp(b"abc") + b"abd"
    assert _run(frame)[1] == 1


def test_checksum_of_invalid_header_not_verified() -> None:
    """Not UDP: the UDP checksum's header is invalid, so its verification (condition `true`)
    is skipped and no error is reported; the update's condition is false."""
    frame = _ipv4(0, 64, 6, 24) + b"tcp?"
    assert _run(frame) == _ipv4(0, 63, 6, 24) + b"tcp?"


def test_verification_after_parser_error() -> None:
    """A packet too short for the UDP header: the IPv4 checksum is still verified (good
    here), the UDP one is skipped (header invalid), the leftover bytes are payload."""
    frame = _ipv4(0, 64, 17, 23) + b"\x01\x02\x03"
    assert _run(frame) == _ipv4(0, 63, 17, 23) + b"\x01\x02\x03"
