"""Packet I/O for `p4sim run`: raw AF_PACKET ports, per-port pcap files and the event loop.

The switch itself (p4sim.runtime) only sees `(port, bytes)`; this package is the one place that
knows about Linux interfaces, so a port going down, coming back or disappearing is handled here
and never reaches the pipeline as an exception.
"""
