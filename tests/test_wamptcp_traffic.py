"""The traffic tool: wire format, interval meter, and every mode over loopback (no root).

Loopback runs are short (a few tenths of a second each) and check exact accounting: bytes
summed over the intervals equal the bytes received, records arrive once each in order,
transactions per interval add up to the total.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator

import pytest

from apps.traffic import cli, transport
from apps.traffic.client import ClientOptions, run_client
from apps.traffic.meter import IntervalMeter, Sample
from apps.traffic.server import Server
from apps.traffic.wire import (
    Hello,
    ProtocolError,
    RecordParser,
    decode_hello,
    encode_hello,
    encode_record,
)

needs_mptcp = pytest.mark.skipif(
    not transport.mptcp_supported(), reason="kernel without MPTCP (net.mptcp.enabled=0?)"
)


def test_hello_round_trip() -> None:
    hello = Hello(mode="records", direction="up", duration=2.5, rate=50, record_size=100)
    line = encode_hello(hello)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert decode_hello(line) == hello


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"mode": "ping"}, "mode must be one of bulk, download, records, rr, not 'ping'"),
        ({"direction": "sideways"}, "direction must be down or up, not 'sideways'"),
        ({"duration": None}, "a duration or a size is needed to know when to stop"),
        ({"mode": "download", "size": None}, "download needs a size and direction down"),
        ({"mode": "records", "duration": None, "size": 9}, "records needs a duration"),
        ({"record_size": 15}, "record size must be at least 16 bytes"),
        ({"color": "red"}, "hello has unknown field(s) color"),
    ],
)
def test_bad_hello_is_refused(fields: dict, message: str) -> None:
    with pytest.raises(ProtocolError) as err:
        decode_hello(json.dumps(fields).encode())
    assert str(err.value) == message


def test_hello_must_be_a_json_object() -> None:
    with pytest.raises(ProtocolError, match="hello is not a JSON object"):
        decode_hello(b"[1]\n")
    with pytest.raises(ProtocolError, match="hello is not JSON"):
        decode_hello(b"GET / HTTP/1.1\r\n")


def test_record_bytes_and_parser_across_arbitrary_cuts() -> None:
    record = encode_record(258, 1.5, 20)
    assert record == bytes.fromhex("0000000000000102" "3ff8000000000000" "00000000")
    stream = b"".join(encode_record(seq, seq / 4, 20) for seq in range(5))
    parser = RecordParser(20)
    got = []
    pieces = [stream[0:7], stream[7:19], stream[19:21], stream[21:55], stream[55:99], stream[99:]]
    for piece in pieces:
        got += parser.feed(piece)
        assert parser.leftover == sum(map(len, pieces[: pieces.index(piece) + 1])) % 20
    assert got == [(seq, seq / 4) for seq in range(5)]


def test_meter_emits_empty_intervals_and_a_short_last_one() -> None:
    meter = IntervalMeter(start=10.0, interval=0.5)
    assert meter.add(10.1, 100) == []
    assert meter.add(10.4, 50) == []
    assert meter.add(10.6, 7) == [Sample(0, 10.5, 0.5, 150)]
    assert meter.close_until(11.9) == [Sample(1, 11.0, 0.5, 7), Sample(2, 11.5, 0.5, 0)]
    assert meter.add(11.8, 1) == []  # earlier than now but in the open interval
    assert meter.finish(12.25) == [Sample(3, 12.0, 0.5, 1), Sample(4, 12.25, 0.25, 0)]
    assert meter.total == 158


@pytest.fixture(params=["tcp", pytest.param("mptcp", marks=needs_mptcp)])
def server(request: pytest.FixtureRequest) -> Iterator[tuple[Server, str]]:
    """A server on 127.0.0.1 with an ephemeral port, and the protocol to test."""
    messages: list[str] = []
    srv = Server("127.0.0.1", 0, request.param, log=messages.append)
    thread = threading.Thread(target=srv.serve, daemon=True)
    thread.start()
    yield srv, request.param
    srv.close()
    thread.join(timeout=5)


def _run(server: tuple[Server, str], **hello: object) -> tuple[list[dict], dict]:
    srv, protocol = server
    return run_client(
        ClientOptions("127.0.0.1", Hello(**hello), port=srv.port, protocol=protocol)
    )


def test_bulk_download_intervals_add_up(server) -> None:
    lines, summary = _run(server, mode="bulk", duration=0.3, interval=0.05)
    assert {line["type"] for line in lines} == {"interval"}
    assert sum(line["bytes"] for line in lines) == summary["bytes"] > 0
    assert all(line["dt"] == 0.05 for line in lines[:-1])
    ends = [line["t"] for line in lines]
    assert ends == sorted(ends) and ends[0] == pytest.approx(summary["start"] + 0.05)
    assert summary["mptcp"] is (server[1] == "mptcp")
    assert summary["subflows"] == 1


def test_bulk_upload_series_comes_back_from_the_server(server) -> None:
    lines, summary = _run(server, mode="bulk", direction="up", duration=0.3, interval=0.1)
    assert sum(line["bytes"] for line in lines) == summary["bytes"] == summary["sent"] > 0


def test_download_of_a_fixed_size(server) -> None:
    lines, summary = _run(server, mode="download", duration=None, size=3_000_000)
    assert summary["bytes"] == 3_000_000
    assert 0 < summary["elapsed"] < 5
    assert summary["goodput_mbps"] == pytest.approx(24 / summary["elapsed"], rel=1e-3)


@pytest.mark.parametrize("direction", ["down", "up"])
def test_records_arrive_once_in_order(server, direction: str) -> None:
    lines, summary = _run(server, mode="records", direction=direction, duration=0.3, rate=50)
    assert [line["seq"] for line in lines] == list(range(15))
    assert summary["records_received"] == 15
    for line in lines:
        assert line["recv"] >= line["sent"]
        assert line["latency"] == pytest.approx(line["recv"] - line["sent"], abs=2e-6)
    sent = [line["sent"] for line in lines]
    assert sent[-1] - sent[0] == pytest.approx(14 / 50, abs=0.03)


def test_rr_counts_every_transaction(server) -> None:
    lines, summary = _run(
        server, mode="rr", duration=0.3, interval=0.1, request_size=10, response_size=100
    )
    assert sum(line["transactions"] for line in lines) == summary["transactions"] > 10
    assert summary["rate"] == pytest.approx(summary["transactions"] / 0.3)


def test_cli_writes_csv_and_the_summary_apart(server, tmp_path) -> None:
    srv, protocol = server
    series, summary = tmp_path / "series.csv", tmp_path / "summary.json"
    argv = ["client", "127.0.0.1", "--port", str(srv.port), "--protocol", protocol]
    argv += ["--time", "0.2", "--interval", "0.1", "--format", "csv"]
    argv += ["--output", str(series), "--summary", str(summary)]
    assert cli.main(argv) == 0
    rows = series.read_text().splitlines()
    assert rows[0] == "t,dt,bytes,mbps"
    assert len(rows) >= 3
    assert json.loads(summary.read_text())["type"] == "summary"


def test_cli_reports_a_refused_connection(capsys) -> None:
    with socket.socket() as probe:  # a port nobody listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    argv = ["client", "127.0.0.1", "--port", str(port), "--protocol", "tcp", "--time", "0.1"]
    assert cli.main(argv) == 1
    assert capsys.readouterr().err == (
        "traffic: error: ConnectionRefusedError: [Errno 111] Connection refused\n"
    )


def test_byte_counts() -> None:
    assert cli.byte_count("1500") == 1500
    assert cli.byte_count("64k") == 65536
    assert cli.byte_count("20M") == 20 * 1024**2
