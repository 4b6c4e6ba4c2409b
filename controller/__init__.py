"""P4Runtime control plane.

The base modules drive any P4Runtime switch (p4sim or BMv2) by P4 control-plane names:
`schema` (P4Info lookups), `encoding` (values <-> bytestrings), `entities` (request
building and decoding), `errors` (SwitchError), `bmv2_thrift` (BMv2 register access) and
`switch` (SwitchConnection). Each system (SD-WAN gateway, Raft cache, HydraNF) gets its own
subpackage on top of them.
"""

from controller.errors import SwitchError, UpdateError
from controller.schema import P4Schema, UnknownNameError
from controller.switch import SwitchConnection

__all__ = ["P4Schema", "SwitchConnection", "SwitchError", "UnknownNameError", "UpdateError"]
