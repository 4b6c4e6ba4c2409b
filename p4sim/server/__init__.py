"""p4sim's P4Runtime server (`p4.v1.P4Runtime` over gRPC, P4Runtime 1.4).

One job per module, in the order a request flows:
`server` (gRPC server, `make_server`) -> `request_log` (interceptor writing every request to
a file) -> `service` (RPC checks, locks) -> `arbitration` (primary per role) / `stream`
(StreamChannel queues) / `pipeline` (Set/GetForwardingPipelineConfig, `reconcile`) ->
`entities` (dispatch per entity kind) -> `table_entries`, `profile_entries`,
`extern_entries`, `pre_entries`, `value_set_entries`, `digests` -> `match`, `actions`,
`resources`, `p4data`, `packet_io` -> `codec` (bytestrings) and `schema` (P4Info index).
Errors are `RuntimeApiError`s until `status` turns them into gRPC statuses.
"""

from p4sim.server.server import P4RuntimeServer, make_server

__all__ = ["P4RuntimeServer", "make_server"]
