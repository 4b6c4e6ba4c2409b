# The project's front door: `make run` and `make test` are all the set-up a fresh machine needs.
# `make help` lists the targets. Variables: TARGET=auto|bmv2|p4sim, SCENARIO, PYTEST_ARGS.

SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
.SUFFIXES:

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALL_STAMP := $(VENV)/.installed

TARGET ?= auto
# The Mininet scenario `make run` starts: mininet_topos/topologies/$(SCENARIO).yaml.
SCENARIO ?= basic
# wamptcp* files are WaMPTCP site descriptions with a runner of their own (gateway agents, demo
# traffic); every other scenario file is a topology for mininet_topos.run.
WAMPTCP_RUNNER := mininet_topos.wamptcp --site
TOPOLOGY_RUNNER := mininet_topos.run --topology
SCENARIO_RUNNER = $(if $(filter wamptcp%,$(SCENARIO)),$(WAMPTCP_RUNNER),$(TOPOLOGY_RUNNER))
# CLI=1: `make run` opens the Mininet CLI after the ping instead of stopping the network.
CLI ?=
PYTEST_ARGS ?=
# `make test` leaves out long runs (marked slow); `make test-all` runs them. The short Mininet
# integration tests run with it when this machine has root and Mininet, and skip (saying why)
# when not.
DEFAULT_MARKERS := not slow

P4SRC := p4src
BUILD := build
PROGRAMS := $(sort $(basename $(notdir $(wildcard $(P4SRC)/*.p4))))
P4_INCLUDES := $(wildcard $(P4SRC)/include/*.p4)
P4_INCFLAGS := $(if $(wildcard $(P4SRC)/include),-I $(P4SRC)/include)
# A change to the p4sim compiler can change what it emits, so p4sim builds depend on its sources.
P4SIM_SOURCES := $(shell find p4sim -type f \( -name '*.py' -o -name '*.p4' -o -name '*.lark' \) 2>/dev/null)

SYSTEM_PACKAGES := mininet iproute2 iputils-ping iperf3 tcpdump ethtool

# Debian's mininet package installs into the system Python's dist-packages, which .venv does
# not see. Rather than --system-site-packages (every Debian Python module would then be
# importable, hiding dependencies missing from pyproject.toml), a .pth file in .venv adds a
# directory that holds only a symlink to that one package. $(1) names the calling target.
define link_mininet
	src=$$(dpkg -L mininet 2>/dev/null | sed -n 's|/__init__\.py$$||p' | grep -m1 '/mininet$$'); \
	if [ -z "$$src" ]; then echo "$(1): Mininet is not installed; run: sudo make system-deps" >&2; exit 1; fi; \
	site=$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))') && \
	mkdir -p $(VENV)/system-mininet && ln -sfn "$$src" $(VENV)/system-mininet/mininet && \
	echo "$(abspath $(VENV))/system-mininet" > "$$site/system-mininet.pth"
endef

# TARGET=auto picks the reference toolchain only when both its compiler and its switch exist.
HAVE_BMV2 := $(and $(shell command -v p4c-bm2-ss 2>/dev/null),$(shell command -v simple_switch_grpc 2>/dev/null))
ifeq ($(TARGET),auto)
  RESOLVED_TARGET := $(if $(HAVE_BMV2),bmv2,p4sim)
else ifneq ($(filter bmv2 p4sim,$(TARGET)),)
  RESOLVED_TARGET := $(TARGET)
else
  $(error TARGET must be auto, bmv2 or p4sim, not '$(TARGET)')
endif

# One stamp per program and target: switching TARGET rebuilds, an unchanged program does not.
BUILD_STAMPS := $(PROGRAMS:%=$(BUILD)/%/.built-$(RESOLVED_TARGET))

.PHONY: help install test test-all lint build run bench clean distclean system-deps show-target \
	announce-target doctor

help: ## list the targets
	@echo "usage: make GOAL [TARGET=auto|bmv2|p4sim] [SCENARIO=$(SCENARIO)] [CLI=1] [PYTEST_ARGS=...]"
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' \
		$(firstword $(MAKEFILE_LIST))

install: $(INSTALL_STAMP) ## create .venv and install the project with its dev tools
	@:

$(INSTALL_STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "install: $(PYTHON) is older than 3.11; pass PYTHON=python3.11 or newer" >&2; exit 1; }
	@if [ -x $(BIN)/pip ]; then \
		echo "install: pyproject.toml changed, updating $(VENV) (log: $(VENV)/install.log)"; \
	else \
		echo "install: creating $(VENV) and installing the project (log: $(VENV)/install.log)"; \
		rm -rf $(VENV); \
		$(PYTHON) -m venv $(VENV) || { echo "install: '$(PYTHON) -m venv' failed;" \
			"on Debian/Ubuntu install the python3-venv package" >&2; exit 1; }; \
	fi
	@$(BIN)/python -m pip install --disable-pip-version-check -e '.[dev]' \
		> $(VENV)/install.log 2>&1 || \
		{ cat $(VENV)/install.log >&2; echo "install: pip install failed (log above)" >&2; exit 1; }
	@touch $@

test: install ## lint, then run the tests except those marked slow
	@( $(call link_mininet,test) ) 2>/dev/null || \
		echo "test: Mininet not installed, its tests will be skipped (sudo make system-deps)"
	$(BIN)/ruff check .
	@echo "test: deselecting tests marked 'slow' (make test-all runs them)"
	$(BIN)/python -m pytest -q -m "$(DEFAULT_MARKERS)" $(PYTEST_ARGS)

test-all: install ## lint, then run every test (mininet tests need root)
	@( $(call link_mininet,test-all) ) 2>/dev/null || \
		echo "test-all: Mininet not installed, its tests will be skipped (sudo make system-deps)"
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: install ## ruff over the whole tree
	$(BIN)/ruff check .

show-target: ## print the target TARGET resolves to (bmv2 or p4sim)
	@echo $(RESOLVED_TARGET)

announce-target:
	@echo "build: TARGET=$(TARGET) -> $(RESOLVED_TARGET)"
ifeq ($(RESOLVED_TARGET),bmv2)
	@command -v p4c-bm2-ss >/dev/null || { echo "build: TARGET=bmv2 needs p4c-bm2-ss on PATH" >&2; exit 1; }
endif

build: announce-target $(BUILD_STAMPS) ## compile every p4src/*.p4 into build/<name>/
	@echo "build: $(if $(PROGRAMS),$(PROGRAMS) up to date in $(BUILD)/,no programs in $(P4SRC)/)"

$(BUILD)/%/.built-bmv2: $(P4SRC)/%.p4 $(P4_INCLUDES) | announce-target
	@rm -rf $(@D) && mkdir -p $(@D)
	p4c-bm2-ss --arch v1model $(P4_INCFLAGS) -o $(@D)/$*.json \
		--p4runtime-files $(@D)/$*.p4info.txtpb $<
	@touch $@

$(BUILD)/%/.built-p4sim: $(P4SRC)/%.p4 $(P4_INCLUDES) $(P4SIM_SOURCES) | $(INSTALL_STAMP) announce-target
	@rm -rf $(@D) && mkdir -p $(@D)
	$(BIN)/p4sim compile $< -o $(@D) $(P4_INCFLAGS)
	@touch $@

run: system-deps install build ## start Mininet scenario SCENARIO as root: routes, pingall (CLI=1: then the CLI)
	@$(call link_mininet,run)
	$(BIN)/python -m $(SCENARIO_RUNNER) mininet_topos/topologies/$(SCENARIO).yaml \
		--target $(RESOLVED_TARGET) $(if $(filter 1 yes true,$(CLI)),--cli)

doctor: install ## report p4c, BMv2, Mininet, root, MPTCP, netem, Python deps and what TARGET=auto picks
	@$(BIN)/python -m mininet_topos.doctor --target $(TARGET)

bench: install ## compile times, forwarding rates (in process, veths as root) and switch RSS
	$(BIN)/python experiments/bench_compile.py
	$(BIN)/python experiments/bench_forwarding.py

clean: ## remove build/
	rm -rf $(BUILD)

distclean: clean ## also remove .venv and tool caches
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis *.egg-info
	find . -path ./.git -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

system-deps: ## apt-get install Mininet, ethtool and traffic tools (needs root); expose Mininet to .venv
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
		dpkg-query -W -f='$${db:Status-Abbrev}' $$p 2>/dev/null | grep -q '^ii' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "system-deps: $(SYSTEM_PACKAGES) already installed"; \
	elif [ "$$(id -u)" -ne 0 ]; then \
		echo "system-deps: installing$$missing needs root; run: sudo make system-deps" >&2; exit 1; \
	elif ! command -v apt-get >/dev/null; then \
		echo "system-deps: no apt-get here; install$$missing with the system's package manager" >&2; exit 1; \
	else \
		echo "system-deps: apt-get install$$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@if [ -x $(BIN)/python ]; then $(call link_mininet,system-deps); fi
