"""WaMPTCP end-host software (seed §3.3.3): IP provisioning that gives a single-NIC host one
address per WAN link, so that every MPTCP session opens one subflow per link."""
