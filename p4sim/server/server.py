"""`make_server`: a gRPC server serving P4Runtime for one switch.

The port is bound in `start()` (so `p4sim run` can report a port in use as it starts) and the
bound port is then available as `port` ("127.0.0.1:0" picks a free one, as tests do).
"""

from __future__ import annotations

from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from p4.config.v1 import p4info_pb2
from p4.v1 import p4runtime_pb2, p4runtime_pb2_grpc

from p4sim.server.request_log import RequestLogger
from p4sim.server.service import P4RuntimeService

# Each StreamChannel holds a worker thread for its lifetime; unary RPCs need the rest.
MAX_WORKERS = 32
DEFAULT_ADDRESS = "127.0.0.1:9559"


class P4RuntimeServer:
    """A P4Runtime gRPC server for one switch."""

    def __init__(self, service: P4RuntimeService, address: str, logger: RequestLogger | None):
        self.service = service
        self.address = address
        self.port = 0
        self._logger = logger
        self._server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="p4rt"),
            interceptors=[logger] if logger is not None else [],
            # gRPC sets SO_REUSEPORT by default, which lets a second switch "bind" a port that
            # is in use and silently steal half the connections; refuse instead.
            options=[("grpc.so_reuseport", 0)],
        )
        p4runtime_pb2_grpc.add_P4RuntimeServicer_to_server(service, self._server)

    def start(self) -> None:
        """Bind the address and serve; RuntimeError when the address cannot be bound."""
        try:
            port = self._server.add_insecure_port(self.address)
        except RuntimeError:
            port = 0
        if port == 0:
            if self._logger is not None:
                self._logger.close()
            raise RuntimeError(f"Failed to bind to address {self.address}")
        self.port = port
        self._server.start()
        self.service.start()

    def stop(self, grace: float | None = None) -> None:
        """Stop serving (open streams are cancelled after `grace` seconds) and wait for it."""
        self._server.stop(grace).wait()
        self.service.stop()
        if self._logger is not None:
            self._logger.close()

    def preload(self, p4info: p4info_pb2.P4Info, device_config: bytes) -> None:
        """Install a pipeline before any controller connects (RuntimeApiError if unusable)."""
        config = p4runtime_pb2.ForwardingPipelineConfig(p4_device_config=device_config)
        config.p4info.CopyFrom(p4info)
        self.service.preload(config)


def make_server(
    switch: Any,
    dataplane: Any,
    address: str = DEFAULT_ADDRESS,
    *,
    request_log: Path | None = None,
) -> P4RuntimeServer:
    """A P4Runtime server for `switch` (packets in and out through `dataplane`), not started.

    It takes over `switch.digest_sink` and `dataplane.packet_in_sink`; `request_log` appends
    every request to that file."""
    logger = RequestLogger(Path(request_log)) if request_log is not None else None
    return P4RuntimeServer(P4RuntimeService(switch, dataplane), address, logger)
