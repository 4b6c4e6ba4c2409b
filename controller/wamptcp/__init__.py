"""WaMPTCP SD-WAN gateway control plane (seed chapter 3, issue 4).

One module per job, data flowing top to bottom: `site` (the site description file) ->
`plan` (the subnet plan of seed §3.3.3, pure) -> `entries` (P4Runtime entries of both gateway
roles and their remaps on link down/up, pure) and `monitor` (BFD-style link monitor, pure,
driven by a clock it is given) -> `agent` (the process: P4Runtime session, probes over
PacketOut/PacketIn, event log).
"""
