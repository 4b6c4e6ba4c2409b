"""Register access through BMv2's Thrift runtime service, for what its P4Runtime lacks.

BMv2's P4Runtime server answers RegisterEntry reads and writes with UNIMPLEMENTED, while
`simple_switch_CLI` reaches registers over the switch's Thrift port (default 9090): binary
protocol, buffered transport, multiplexed service "standard". The IDL below declares only
the register calls, with the names, field ids and types of BMv2's `standard.thrift`, so
thriftpy2 speaks the same wire format without BMv2's generated Python package.
"""

from __future__ import annotations

import io
import threading
from types import ModuleType
from typing import Any

import grpc

from controller.errors import SwitchError

#: Subset of BMv2's thrift_src/standard.thrift (service Standard): the register calls only.
STANDARD_REGISTERS_IDL = """
typedef i64 BmRegisterValue

enum RegisterOperationErrorCode {
  INVALID_REGISTER_NAME = 1,
  INVALID_INDEX = 2,
  ERROR = 3
}

exception InvalidRegisterOperation {
  1: RegisterOperationErrorCode code
}

service Standard {
  BmRegisterValue bm_register_read(1: i32 cxt_id, 2: string register_array_name, 3: i32 idx)
    throws (1: InvalidRegisterOperation ouch)
  list<BmRegisterValue> bm_register_read_all(1: i32 cxt_id, 2: string register_array_name)
    throws (1: InvalidRegisterOperation ouch)
  void bm_register_write(1: i32 cxt_id, 2: string register_array_name, 3: i32 index,
                         4: BmRegisterValue value)
    throws (1: InvalidRegisterOperation ouch)
  void bm_register_reset(1: i32 cxt_id, 2: string register_array_name)
    throws (1: InvalidRegisterOperation ouch)
}
"""

#: The multiplexed service name BMv2 registers its standard runtime under.
SERVICE_NAME = "standard"

#: InvalidRegisterOperation codes as the gRPC codes P4Runtime would use for the same fault.
_ERROR_CODES = {
    1: grpc.StatusCode.NOT_FOUND,
    2: grpc.StatusCode.OUT_OF_RANGE,
    3: grpc.StatusCode.UNKNOWN,
}
_ERROR_NAMES = {1: "INVALID_REGISTER_NAME", 2: "INVALID_INDEX", 3: "ERROR"}


def load_idl() -> ModuleType:
    """The thriftpy2 module for `STANDARD_REGISTERS_IDL` (thriftpy2 imported on first use)."""
    from thriftpy2.parser import parse_fp

    return parse_fp(io.StringIO(STANDARD_REGISTERS_IDL), "bmv2_standard_registers_thrift")


class ThriftRegisters:
    """Register read/write/reset on one BMv2 switch; values are unsigned `width`-bit ints.

    BMv2 transfers register cells as signed i64, so registers wider than 64 bits cannot be
    reached this way; values are converted to and from two's complement here.
    """

    def __init__(self, switch: str, host: str, port: int, *, timeout: float = 10.0,
                 context_id: int = 0) -> None:
        self.switch = switch
        self.host = host
        self.port = port
        self.timeout = timeout
        self.context_id = context_id
        self._lock = threading.Lock()
        self._client: Any = None  # a thriftpy2 TClient, created on first use

    def _connect(self) -> Any:
        if self._client is None:
            from thriftpy2.protocol import TBinaryProtocolFactory, TMultiplexedProtocolFactory
            from thriftpy2.rpc import make_client
            from thriftpy2.transport import TBufferedTransportFactory

            idl = load_idl()
            self._client = make_client(
                idl.Standard,
                self.host,
                self.port,
                proto_factory=TMultiplexedProtocolFactory(TBinaryProtocolFactory(), SERVICE_NAME),
                trans_factory=TBufferedTransportFactory(),
                timeout=int(self.timeout * 1000),
            )
        return self._client

    def _call(self, operation: str, method: str, *args: Any) -> Any:
        from thriftpy2.thrift import TApplicationException, TException
        from thriftpy2.transport import TTransportException

        where = f"BMv2 Thrift {self.host}:{self.port}"
        with self._lock:
            try:
                return getattr(self._connect(), method)(self.context_id, *args)
            except (TTransportException, OSError) as exc:
                self._drop_client()
                raise SwitchError(self.switch, operation, grpc.StatusCode.UNAVAILABLE,
                                  f"{where}: {exc}") from None
            except TApplicationException as exc:
                raise SwitchError(self.switch, operation, grpc.StatusCode.UNKNOWN,
                                  f"{where}: {method}: {exc}") from None
            except TException as exc:
                code = getattr(exc, "code", None)
                raise SwitchError(
                    self.switch, operation, _ERROR_CODES.get(code, grpc.StatusCode.UNKNOWN),
                    f"BMv2 Thrift {method}: {_ERROR_NAMES.get(code, repr(exc))}") from None

    def _drop_client(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def read(self, name: str, index: int, width: int) -> int:
        value = self._call("register read", "bm_register_read", name, index)
        return value & ((1 << width) - 1)

    def read_all(self, name: str, width: int) -> list[int]:
        values = self._call("register read", "bm_register_read_all", name)
        return [v & ((1 << width) - 1) for v in values]

    def write(self, name: str, index: int, value: int) -> None:
        if value >> 64:
            raise SwitchError(self.switch, "register write", grpc.StatusCode.OUT_OF_RANGE,
                              f"BMv2 Thrift carries 64-bit register values, got {value:#x}")
        signed = value - (1 << 64) if value >> 63 else value
        self._call("register write", "bm_register_write", name, index, signed)

    def reset(self, name: str) -> None:
        self._call("register reset", "bm_register_reset", name)

    def close(self) -> None:
        with self._lock:
            self._drop_client()
