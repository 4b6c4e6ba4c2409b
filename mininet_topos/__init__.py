"""Mininet topologies and the P4 switch node that starts bmv2 or p4sim."""
