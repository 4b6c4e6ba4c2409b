"""install_routes against a recording P4Runtime service: the exact requests a switch receives.

The fake service (harness.fake_p4runtime) records SetForwardingPipelineConfig and Write, so
this checks the client side (ids from P4Info, canonical bytestrings, one batch) on any
machine, independently of p4sim's server.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import text_format
from p4.v1 import p4runtime_pb2

from controller.errors import SwitchError
from harness.fake_p4runtime import FakeP4Runtime, fake_p4runtime
from mininet_topos.routes import Route, install_routes

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def recording_server() -> Iterator[tuple[FakeP4Runtime, str]]:
    with fake_p4runtime() as served:
        yield served


@pytest.fixture
def basic_program(tmp_path: Path) -> tuple[Path, Path]:
    from p4sim.compiler import compile_file, write_outputs

    p4info, config = write_outputs(compile_file(REPO / "p4src" / "basic.p4"), tmp_path)
    return p4info, config


def test_install_routes_pushes_pipeline_then_one_batch(recording_server, basic_program) -> None:
    service, address = recording_server
    p4info_path, config_path = basic_program
    routes = [
        Route("10.0.1.1/32", "08:00:00:00:01:11", 1),
        Route("10.0.2.0/24", "02:00:00:00:00:02", 258),
    ]

    install_routes(address, 3, p4info_path, config_path, routes)

    assert len(service.pipelines) == 1
    pipeline = service.pipelines[0]
    assert (pipeline.device_id, pipeline.election_id.high, pipeline.election_id.low) == (3, 0, 1)
    assert pipeline.action == p4runtime_pb2.SetForwardingPipelineConfigRequest.VERIFY_AND_COMMIT
    assert pipeline.config.p4_device_config == config_path.read_bytes()
    assert pipeline.config.p4info.tables[0].preamble.name == "MyIngress.ipv4_lpm"

    expected = p4runtime_pb2.WriteRequest()
    text_format.Parse(
        """
        device_id: 3
        election_id { low: 1 }
        updates { type: INSERT entity { table_entry {
          table_id: 37375156
          match { field_id: 1 lpm { value: "\\n\\000\\001\\001" prefix_len: 32 } }
          action { action { action_id: 28792405
            params { param_id: 1 value: "\\010\\000\\000\\000\\001\\021" }
            params { param_id: 2 value: "\\001" } } } } } }
        updates { type: INSERT entity { table_entry {
          table_id: 37375156
          match { field_id: 1 lpm { value: "\\n\\000\\002\\000" prefix_len: 24 } }
          action { action { action_id: 28792405
            params { param_id: 1 value: "\\002\\000\\000\\000\\000\\002" }
            params { param_id: 2 value: "\\001\\002" } } } } } }
        """,
        expected,
    )
    assert service.writes == [expected]


def test_install_routes_reports_a_switch_that_does_not_answer(basic_program) -> None:
    p4info_path, config_path = basic_program
    with pytest.raises(SwitchError) as err:
        install_routes("127.0.0.1:9", 0, p4info_path, config_path, [])
    assert err.value.code == grpc.StatusCode.UNAVAILABLE
    assert "127.0.0.1:9" in str(err.value)
