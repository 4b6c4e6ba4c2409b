"""Socket buffer sizing of the WaMPTCP scenario (mininet_topos/mptcp_buffers.py) and the
experiments' --socket-buffer option."""

from __future__ import annotations

import pytest

from experiments.wamptcp.common import parser
from mininet_topos.mptcp_buffers import (
    CEILING_BYTES,
    FLOOR_BYTES,
    buffer_sysctls,
    required_buffer,
)

MIB = 1 << 20


def test_two_ten_megabit_links_get_the_floor() -> None:
    # 2 x 20 Mbit/s x 1 s = 5,000,000 bytes -> 5 MiB, above the 4 MiB floor
    assert required_buffer([10.0, 10.0]) == 5 * MIB
    assert required_buffer([1.0]) == FLOOR_BYTES


def test_rates_add_up_and_round_up_to_whole_mebibytes() -> None:
    # 2 x 60 Mbit/s x 1 s = 15,000,000 bytes = 14.3 MiB -> 15 MiB
    assert required_buffer([10.0, 20.0, 30.0]) == 15 * MIB
    assert required_buffer([10.0, 10.0], hold=2.0) == 10 * MIB


def test_unlimited_links_count_as_a_fixed_rate_and_the_result_is_capped() -> None:
    # counted as UNLIMITED_MBPS (100): 2 x 100 Mbit/s x 1 s = 25,000,000 bytes = 23.8 MiB -> 24 MiB
    assert required_buffer([None]) == 24 * MIB
    assert required_buffer([None] * 10) == CEILING_BYTES


def test_hold_must_be_positive() -> None:
    with pytest.raises(ValueError, match="hold"):
        required_buffer([10.0], hold=0)


def test_sysctls_set_the_starting_size_and_keep_room_to_grow() -> None:
    assert buffer_sysctls(5 * MIB) == [
        "net.ipv4.tcp_rmem=4096 5242880 16777216",
        "net.ipv4.tcp_wmem=4096 5242880 16777216",
    ]
    assert buffer_sysctls(32 * MIB)[0] == "net.ipv4.tcp_rmem=4096 33554432 33554432"
    with pytest.raises(ValueError):
        buffer_sysctls(0)


@pytest.mark.parametrize(
    ("given", "expected"), [([], 0), (["--socket-buffer", "auto"], None),
                            (["--socket-buffer", "4194304"], 4194304)],
)  # fmt: skip
def test_experiments_option(given: list[str], expected: int | None) -> None:
    assert parser("x").parse_args(given).socket_buffer == expected


@pytest.mark.parametrize("bad", ["-1", "4M", ""])
def test_experiments_option_refuses_other_values(bad: str, capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        parser("x").parse_args(["--socket-buffer", bad])
    assert stop.value.code == 2
    assert "--socket-buffer" in capsys.readouterr().err


