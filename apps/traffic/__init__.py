"""The project's MPTCP-capable traffic tool: `python -m apps.traffic server|client ...`.

One server answers every measurement mode; the client asks for one in a short hello line and
prints the measurement (the receiving side's series, whichever host receives). Modes:

- `bulk`: a transfer as fast as the connection allows; goodput per interval.
- `download`: `bulk` from server to client of a fixed size; the summary has the download time.
- `records`: sequence-numbered records at a fixed rate; per-record send and receive times.
- `rr`: back-to-back request/response transactions (netperf TCP_RR); transactions per interval.

Sockets are `IPPROTO_MPTCP` (262) or plain TCP. Times are wall-clock seconds (`time.time()`):
Mininet hosts share one kernel clock, so send and receive times of different hosts compare, and
they line up with the outage schedule and the controller's event log. The metric functions over
these series are in `apps.traffic.metrics`.
"""
