"""WaMPTCP experiments (seed §3.5, issue 4): each script reproduces one table or figure.

    sudo .venv/bin/python -m experiments.wamptcp.aggregation [--quick]    # Table 3.1
    sudo .venv/bin/python -m experiments.wamptcp.handoff [--quick]        # Table 3.2
    sudo .venv/bin/python -m experiments.wamptcp.traces [--quick]         # Figs. 3.9-3.12
    sudo .venv/bin/python -m experiments.wamptcp.intermittent [--quick]   # Tables 3.4, 3.5

Each runs the Mininet scenario of `mininet_topos.wamptcp_net` (root, `make build` first) and
writes results/wamptcp_<name>.csv, .png and .json (settings, machine load, command).
"""
