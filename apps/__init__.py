"""Software that runs on end hosts: Raft servers and clients, network functions, traffic tools."""
