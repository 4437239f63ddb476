# Ante's build. `make demo` runs a full bounty lifecycle on a local chain; `make test` runs every test.
# Each target installs what it needs: Python packages into .venv (pinned in requirements.lock) and npm
# packages into node_modules (pinned in package-lock.json). Nothing is downloaded from anywhere else.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
NETWORK := ethereum:local:foundry

# ape-solidity finds the compiler front through py-solc-x, which lists $(SOLCX_BINARY_PATH)/solc-v<version>.
export SOLCX_BINARY_PATH := $(CURDIR)/.solc
# toolchain/bin/anvil wraps the npm anvil so that long runs keep no chain history on disk.
export PATH := $(CURDIR)/$(VENV)/bin:$(CURDIR)/toolchain/bin:$(PATH)
# Ape keeps its data (compiled dependencies, accounts) inside the project unless told otherwise.
export APE_DATA_FOLDER ?= $(CURDIR)/.ape

PY_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
SOLC_STAMP := .solc/.installed

.PHONY: help install demo node test test-fast slither bench compile artifacts clean browser screenshots dependency-cache mutants

help:
	@echo "make demo   - six bounty stories through the ante command and the oracle, then the dashboard (DEMO_EXIT=1: end at once; DEMO_BLOCK_TIME=2: a slow chain)"
	@echo "make node   - a local anvil node on port 8545 for trying ante by hand"
	@echo "make test   - static analysis and the whole test suite against anvil and a headless Chromium"
	@echo "make screenshots - refresh the dashboard screenshots in docs/"
	@echo "make bench  - gas per operation, CLI, oracle and dashboard timings (writes bench/*.json)"
	@echo "make mutants - mutation testing of the contract: every mutant in mutants/mutants.json must fail a test"
	@echo "make clean  - remove everything the build installed or produced"

install: $(PY_STAMP) $(NPM_STAMP) $(SOLC_STAMP) dependency-cache

$(PY_STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check pip==26.3
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The compiler is named after the version npm installed, so bumping `solc` in package.json is enough.
$(SOLC_STAMP): $(NPM_STAMP) toolchain/solc-front.js
	rm -rf .solc && mkdir -p .solc
	ln -s ../toolchain/solc-front.js .solc/solc-v$$(node -p "require('solc/package.json').version")
	touch $@

# ape-solidity copies OpenZeppelin's 507 files into contracts/.cache, and Ape lists at most 500 files of
# the contracts folder, in the file system's order: our own contracts could be cut off the list. So the
# copy lives in .cache/solidity-dependencies, behind a link that Ape's listing does not follow.
dependency-cache:
	@mkdir -p .cache/solidity-dependencies
	@if [ ! -L contracts/.cache ]; then rm -rf contracts/.cache && ln -s ../.cache/solidity-dependencies contracts/.cache; fi

compile: install
	ape compile

# DEMO_PORT (default 8545): a node already answering there is reused, else anvil is started and stopped.
# DEMO_ORACLE_PORT (default 8700): the oracle and its dashboard, served until Ctrl-C unless DEMO_EXIT=1.
# DEMO_BLOCK_TIME=N: the anvil the demo starts mines a block every N seconds, as a public network would.
demo: install
	python scripts/demo.py

# A local node for trying the `ante` command by hand (Ctrl-C stops it; the chain is lost).
node: install
	anvil --port $${DEMO_PORT:-8545}

slither: install
	python toolchain/slither_gate.py

# The dashboard's browser tests drive Debian's Chromium headless (never a downloaded browser).
browser:
	@if ! command -v chromium >/dev/null; then \
		echo "Installing Debian's chromium for the dashboard's browser tests..."; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; \
		else echo "chromium is missing and neither root nor sudo can install it: apt-get install chromium" >&2; exit 1; fi; \
		$$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends chromium \
			|| { echo "could not install chromium with apt-get; install it by hand (Debian package chromium)" >&2; exit 1; }; \
	fi

test: install slither browser
	APE_FOUNDRY_HOST=auto ape test --network $(NETWORK)

# Refresh the dashboard's screenshots in docs/ (the README shows them) from the browser tests.
screenshots: install browser
	ANTE_SCREENSHOTS=$(CURDIR)/docs APE_FOUNDRY_HOST=auto ape test tests/test_dashboard_browser.py --network $(NETWORK)

# A quick run: fewer stateful examples and no static analysis.
test-fast: install browser
	APE_FOUNDRY_HOST=auto HYPOTHESIS_PROFILE=dev ape test --network $(NETWORK)

bench: install
	APE_FOUNDRY_HOST=auto python bench/gas.py --network $(NETWORK)
	python bench/cli.py
	python bench/oracle.py
	python bench/dashboard.py

# Refresh the contracts packaged for the installed `ante` command: Ante's from a fresh compile, EAS's and its
# published addresses from the npm package in node_modules (tests/test_artifact.py checks them all).
artifacts: install
	ape compile
	python toolchain/export_artifact.py

# Mutation testing of contracts/Ante.sol in a scratch copy (slow, so not part of `make test`):
# MUTANTS=id,id runs only those; MUTANT_TIMEOUT=seconds bounds each mutant (default 600).
mutants: install
	python mutants/run.py $(if $(MUTANTS),--only $(MUTANTS)) --timeout $${MUTANT_TIMEOUT:-600}

clean:
	rm -rf $(VENV) node_modules .solc .ape .build .demo contracts/.cache .cache/solidity-dependencies .pytest_cache .hypothesis
