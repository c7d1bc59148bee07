# atk.core developer and CI entry points. `make test` runs everything (this is what CI runs).
#
#   make venv          .venv/ (ansible-core 2.19, ansible-lint, molecule, pytest, ...) and
#                      .venv-atk/ (atk-cli 0.4.0, the interoperability peer); idempotent
#   make system-deps   the Debian packages the tests need, as root (git, make, python3-venv, and
#                      openssh-server etc. for the fleet tests); `make test` runs it first
#   make collection    mirror the repo into $(LAYOUT_ROOT)/ansible_collections/atk/core
#   make units-pytest  plain pytest over tests/unit (fast; no tests is not a failure)
#   make lint          ansible-lint --profile production --offline
#   make build         build + install the collection tarball, render every module's docs
#   make sanity        ansible-test sanity --venv (no ignore files allowed)
#   make units         ansible-test units --venv
#   make integration   pytest tests/integration (real git daemon, ansible-playbook, atk); modules on
#                      the local connection run in-process (the default)
#   make module-path   the acceptance and secret-leak suites again, every module on the module path
#                      (atk_core_in_process=false): both execution paths pass the same tests
#   make galaxy-importer  galaxy-importer (Galaxy's upload check) on the built tarball, offline; any
#                      warning or error fails
#   make matrix        the acceptance subset (tests marked `matrix`) on the oldest supported
#                      ansible-core too (ANSIBLE_MATRIX, default 2.17; .venv's 2.19 runs it in `integration`)
#   make molecule      molecule scenarios under extensions/molecule/ (skipped when none)
#   make test          system-deps, then all of the above, fast first, stopping at the first failure
#   make demo          bootstrap a throw-away ATK home from demo/registry/ served on loopback
#   make agent-clis    npm-install the Claude Code, Codex, Gemini and Auggie CLIs into $(AGENT_CLIS_DIR)
#                      (~45 s, ~750 MB; not part of `make test`): tests/integration/test_atk_agent_clis.py
#                      then checks that they read what atk_agent writes (skipped without them)
#
# Variables: PYTHON (interpreter for the venvs), PYTHON_VERSION (for ansible-test),
# PYTEST_ARGS (extra pytest arguments for both pytest steps), UNITS_ARGS / INTEGRATION_ARGS
# (default `-n auto`: pytest-xdist, one worker per CPU; set them empty to run serially),
# ATK_CORE_LAYOUT_ROOT.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

REPO := $(CURDIR)
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
PYTHON_VERSION ?= 3.11

VENV := $(REPO)/.venv
VENV_ATK := $(REPO)/.venv-atk
VBIN := $(VENV)/bin
# Run a tool with the venv first on PATH (ansible-lint and ansible-test call ansible-* by name).
VRUN := env PATH="$(VBIN):$$PATH"

REQS := tests/requirements.txt
REQS_ATK := tests/requirements-atk.txt
VENV_STAMP := $(VENV)/.stamp-$(shell cat $(REQS) | sha256sum | cut -c1-16)
VENV_ATK_STAMP := $(VENV_ATK)/.stamp-$(shell cat $(REQS_ATK) | sha256sum | cut -c1-16)

# Where `make collection` puts ansible_collections/atk/core (outside the repo, keyed on its path).
ATK_CORE_LAYOUT_ROOT ?= /tmp/atk-core-$(shell printf '%s' "$$(realpath '$(REPO)')" | sha1sum | cut -c1-8)
export ATK_CORE_LAYOUT_ROOT
LAYOUT_ROOT := $(ATK_CORE_LAYOUT_ROOT)
COLLECTION_DIR := $(LAYOUT_ROOT)/ansible_collections/atk/core

PYTEST_ARGS ?=
# Both suites pass under pytest-xdist (ansible-test units uses it too); `make integration
# INTEGRATION_ARGS=` runs serially (easier to read when debugging one test).
UNITS_ARGS ?= -n auto
INTEGRATION_ARGS ?= -n auto
# tmp_path_retention_policy=failed: pytest deletes a passing test's temp folders (homes, repos,
# daemons' files) right away and the whole run's at the end; a failure keeps its folders to look at.
PYTEST := $(VRUN) $(VBIN)/python -m pytest -p no:cacheprovider -ra -o tmp_path_retention_policy=failed
# The unit tests that compare with the real atk skip when they cannot find .venv-atk; under make
# it always exists (venv builds it), so such a skip means the tests looked in the wrong place.
CHECK_ATK_SKIPS = if grep -qE 'SKIPPED.*(\.venv-atk|differential oracle)' "$$out"; then \
	echo "$@: the tests above skipped for want of the atk peer, but $(VENV_ATK) exists: they must find it"; exit 1; fi

TEST_STEPS := venv collection units-pytest lint build galaxy-importer sanity units integration module-path matrix molecule

.PHONY: help venv system-deps collection units-pytest lint build sanity sanity-seed units \
        integration module-path molecule test demo changelog clean agent-clis

help:
	@sed -n '1,/^$$/p' Makefile | sed 's/^# \{0,1\}//'

# ---------------------------------------------------------------------------------------------
# Environments

system-deps:
	@bash tests/utils/ensure-system-deps.sh --fleet "$(PYTHON)"

venv: $(VENV_STAMP) $(VENV_ATK_STAMP)

$(VENV_STAMP): $(REQS)
	@bash tests/utils/ensure-system-deps.sh "$(PYTHON)"
	@echo "==> building $(VENV) from $(REQS)"
	@if [ ! -x "$(VBIN)/python" ] || ! "$(VBIN)/python" -c 'import sys; sys.exit(sys.version_info[:2] != tuple(map(int, "$(PYTHON_VERSION)".split("."))))'; then \
	    rm -rf "$(VENV)"; "$(PYTHON)" -m venv "$(VENV)"; \
	fi
	@"$(VBIN)/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
	@"$(VBIN)/python" -m pip install --quiet --disable-pip-version-check -r $(REQS)
	@rm -f "$(VENV)"/.stamp-*
	@touch "$@"
	@out=$$("$(VBIN)/ansible" --version); echo "$${out%%$$'\n'*}"

$(VENV_ATK_STAMP): $(REQS_ATK)
	@bash tests/utils/ensure-system-deps.sh "$(PYTHON)"
	@echo "==> building $(VENV_ATK) from $(REQS_ATK)"
	@if [ ! -x "$(VENV_ATK)/bin/python" ]; then "$(PYTHON)" -m venv "$(VENV_ATK)"; fi
	@"$(VENV_ATK)/bin/python" -m pip install --quiet --disable-pip-version-check -r $(REQS_ATK)
	@rm -f "$(VENV_ATK)"/.stamp-*
	@touch "$@"
	@out=$$("$(VENV_ATK)/bin/atk" --version); grep "atk v" <<<"$$out"

# ---------------------------------------------------------------------------------------------
# The ansible_collections/atk/core layout (ansible-test and ansible-playbook need it)

collection:
	@python3 tests/utils/collection_layout.py --repo "$(REPO)"

# ---------------------------------------------------------------------------------------------
# Tests

units-pytest: venv
	@out=$$(mktemp); trap 'rm -f "$$out"' EXIT; \
	rc=0; $(PYTEST) --import-mode=importlib tests/unit $(UNITS_ARGS) $(PYTEST_ARGS) | tee "$$out" || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "units-pytest: no unit tests collected (ok)"; rc=0; fi; \
	if [ $$rc -ne 0 ]; then exit $$rc; fi; \
	$(CHECK_ATK_SKIPS)

lint: venv collection
	@ANSIBLE_COLLECTIONS_PATH="$(LAYOUT_ROOT)" NO_COLOR=1 $(VRUN) $(VBIN)/ansible-lint --profile production --offline

build: venv collection
	@tmp=$$(mktemp -d /tmp/atk-core-build.XXXXXX); trap 'rm -rf "$$tmp"' EXIT; \
	cd "$(COLLECTION_DIR)"; \
	$(VRUN) $(VBIN)/ansible-galaxy collection build --force --output-path "$$tmp/dist"; \
	ANSIBLE_COLLECTIONS_PATH="$$tmp/collections" $(VRUN) $(VBIN)/ansible-galaxy collection install --force --offline -p "$$tmp/collections" "$$tmp"/dist/atk-core-*.tar.gz; \
	$(VRUN) $(VBIN)/python "$(REPO)/tests/utils/check_docs.py" --collections-path "$$tmp/collections" --source "$(REPO)"

sanity-seed: venv
	@bash tests/utils/seed-ansible-test-pip.sh "$(VBIN)/python"

sanity: venv collection sanity-seed
	@command -v shellcheck >/dev/null || { echo "sanity: shellcheck is needed (ansible-test skips its shellcheck test without it); make system-deps installs it"; exit 1; }
	@if ls tests/sanity/ignore-*.txt >/dev/null 2>&1; then \
	    echo "sanity: tests/sanity/ must not contain ignore files: $$(ls tests/sanity/ignore-*.txt)"; exit 1; \
	fi
	@cd "$(COLLECTION_DIR)" && $(VRUN) $(VBIN)/ansible-test sanity --venv --python $(PYTHON_VERSION) --color no

units: venv collection sanity-seed
	@out=$$(mktemp); trap 'rm -f "$$out"' EXIT; \
	(cd "$(COLLECTION_DIR)" && $(VRUN) $(VBIN)/ansible-test units --venv --python $(PYTHON_VERSION) --color no) | tee "$$out"; \
	$(CHECK_ATK_SKIPS)

integration: venv collection
	@rc=0; $(PYTEST) tests/integration $(INTEGRATION_ARGS) $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "integration: no tests collected (ok)"; rc=0; fi; exit $$rc

# The same acceptance and secret suites on the module path (AnsiballZ), which SSH hosts, become and
# other interpreters take: the in-process path must give the same results.
MODULE_PATH_TESTS := tests/integration/test_atk_plugin.py tests/integration/test_role.py \
	tests/integration/test_world_moves.py tests/integration/robustness/test_robust_secrets.py

module-path: venv collection
	@ATK_CORE_EXECUTION=module $(PYTEST) $(MODULE_PATH_TESTS) $(INTEGRATION_ARGS) $(PYTEST_ARGS)

# The agents' own CLIs, pinned to the versions test_atk_agent_clis.py was written against.
AGENT_CLIS_DIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/atk-core/agent-clis
AGENT_CLIS ?= @anthropic-ai/claude-code@2.1.197 @openai/codex@0.169.0 @google/gemini-cli@0.61.0 @augmentcode/auggie@0.36.0

agent-clis:
	@command -v npm >/dev/null || { echo "agent-clis: npm (Node.js >= 20) is needed"; exit 1; }
	@mkdir -p "$(AGENT_CLIS_DIR)"
	@start=$$(date +%s); npm install --prefix "$(AGENT_CLIS_DIR)" --no-audit --no-fund --loglevel=error $(AGENT_CLIS); \
	for cli in claude codex gemini auggie; do printf '%s: ' "$$cli"; "$(AGENT_CLIS_DIR)/node_modules/.bin/$$cli" --version 2>/dev/null | head -n1; done; \
	echo "agent-clis: installed in $(AGENT_CLIS_DIR) in $$(( $$(date +%s) - start ))s"

# Scenarios: extensions/molecule/<name>/molecule.yml, default driver (managed: false), `prerun: false`.
# The collection comes from the layout (molecule.yml reads ATK_CORE_LAYOUT_ROOT); each scenario gets
# its own MOLECULE_EPHEMERAL_DIRECTORY, ANSIBLE_HOME, XDG_CACHE_HOME and TMPDIR, in a temp dir removed
# at the end; hosts without their own ansible_python_interpreter use the venv's Python.
molecule: venv collection
	@scenarios=$$(ls extensions/molecule/*/molecule.yml 2>/dev/null || true); \
	if [ -z "$$scenarios" ]; then echo "molecule: no scenarios under extensions/molecule/, skipping"; exit 0; fi; \
	work=$$(mktemp -d /tmp/atk-core-molecule.XXXXXX); trap 'rm -rf "$$work"' EXIT; \
	cd extensions; \
	for file in $$scenarios; do \
	    scenario=$$(basename "$$(dirname "$$file")"); \
	    mkdir -p "$$work/$$scenario/tmp"; \
	    ANSIBLE_COLLECTIONS_PATH="$(LAYOUT_ROOT)" ANSIBLE_HOME="$$work/$$scenario/ansible" TMPDIR="$$work/$$scenario/tmp" \
	        MOLECULE_EPHEMERAL_DIRECTORY="$$work/$$scenario/ephemeral" XDG_CACHE_HOME="$$work/$$scenario/cache" \
	        ATK_PEER_BIN="$(VENV_ATK)/bin/atk" ANSIBLE_PYTHON_INTERPRETER="$(VBIN)/python" NO_COLOR=1 \
	        $(VRUN) $(VBIN)/molecule test --scenario-name "$$scenario"; \
	done

# ---------------------------------------------------------------------------------------------
# Galaxy: galaxy-importer, the check Ansible Galaxy and Automation Hub run on every upload, on the
# tarball `ansible-galaxy collection build` makes. Its own virtualenv (its pins would move .venv's
# packages); offline (ansible-lint --offline, no ansible-test: `make sanity` runs that), HOME and
# temp folders in a throw-away directory. Any WARNING or ERROR line (ansible-lint findings are
# warnings) fails the step, and so does a result without a role readme or module docs.

REQS_IMPORTER := tests/requirements-galaxy-importer.txt
VENV_IMPORTER := $(REPO)/.cache/venv-galaxy-importer
VENV_IMPORTER_STAMP := $(VENV_IMPORTER)/.stamp-$(shell cat $(REQS_IMPORTER) | sha256sum | cut -c1-16)

$(VENV_IMPORTER_STAMP): $(REQS_IMPORTER)
	@echo "==> building $(VENV_IMPORTER) from $(REQS_IMPORTER)"
	@if [ ! -x "$(VENV_IMPORTER)/bin/python" ]; then "$(PYTHON)" -m venv "$(VENV_IMPORTER)"; fi
	@"$(VENV_IMPORTER)/bin/python" -m pip install --quiet --disable-pip-version-check -r $(REQS_IMPORTER)
	@rm -f "$(VENV_IMPORTER)"/.stamp-*
	@touch "$@"

.PHONY: galaxy-importer
galaxy-importer: venv collection $(VENV_IMPORTER_STAMP)
	@tmp=$$(mktemp -d /tmp/atk-core-galaxy.XXXXXX); trap 'rm -rf "$$tmp"' EXIT; mkdir -p "$$tmp/home"; \
	cd "$(COLLECTION_DIR)"; \
	$(VRUN) $(VBIN)/ansible-galaxy collection build --force --output-path "$$tmp/dist" >/dev/null; \
	cd "$$tmp"; \
	env PATH="$(VENV_IMPORTER)/bin:$$PATH" HOME="$$tmp/home" XDG_CACHE_HOME="$$tmp/home/.cache" NO_COLOR=1 \
	    GALAXY_IMPORTER_CONFIG="$(REPO)/tests/galaxy-importer.cfg" \
	    GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP="$$tmp/ansible-tmp" GALAXY_IMPORTER_TMP_ROOT_DIR="$$tmp" \
	    "$(VENV_IMPORTER)/bin/python" "$(REPO)/tests/utils/galaxy_import.py" --source "$(REPO)" "$$tmp"/dist/atk-core-*.tar.gz

# ---------------------------------------------------------------------------------------------
# Version matrix: the acceptance subset (integration tests marked `matrix`: bootstrap, no-op,
# upgrade preview, env with Vault) through the ansible-playbook of each ansible-core line in
# ANSIBLE_MATRIX, each in its own virtualenv .cache/venv-ansible-<X.Y>/ (the newest release of
# the line, from PyPI; rebuilt when $(REQS_MATRIX) changes). The default is the oldest line
# meta/runtime.yml claims; the newest line this Python runs (.venv's 2.19) runs the whole suite,
# the subset included, in `make integration`. `make matrix ANSIBLE_MATRIX='2.17 2.18'` adds lines.

ANSIBLE_MATRIX ?= 2.17
REQS_MATRIX := tests/requirements-ansible-matrix.txt
MATRIX_STAMP := .stamp-$(shell cat $(REQS_MATRIX) | sha256sum | cut -c1-16)

$(REPO)/.cache/venv-ansible-%/$(MATRIX_STAMP): $(REQS_MATRIX)
	@echo "==> building $(REPO)/.cache/venv-ansible-$* (ansible-core $*.x) from $(REQS_MATRIX)"
	@if [ ! -x "$(@D)/bin/python" ]; then "$(PYTHON)" -m venv "$(@D)"; fi
	@"$(@D)/bin/python" -m pip install --quiet --disable-pip-version-check -r $(REQS_MATRIX) "ansible-core==$*.*"
	@rm -f "$(@D)"/.stamp-*
	@touch "$@"

.PHONY: matrix
matrix: venv collection $(foreach version,$(ANSIBLE_MATRIX),$(REPO)/.cache/venv-ansible-$(version)/$(MATRIX_STAMP))
	@for version in $(ANSIBLE_MATRIX); do \
	    bin="$(REPO)/.cache/venv-ansible-$$version/bin"; \
	    out=$$("$$bin/ansible" --version); echo "==> acceptance subset on $${out%%$$'\n'*}"; \
	    ATK_CORE_ANSIBLE_BIN="$$bin" $(PYTEST) tests/integration -m matrix $(INTEGRATION_ARGS) $(PYTEST_ARGS); \
	done

# Everything, fast first; stops at the first failing step and prints how long each step took.
# First the Debian packages (as root): openssh-server and friends are for the fleet tests only,
# which is why `make demo` and `make venv` do not install them.
test:
	@bash tests/utils/ensure-system-deps.sh --fleet "$(PYTHON)"
	@total=$$(date +%s); summary=""; \
	for step in $(TEST_STEPS); do \
	    start=$$(date +%s); echo "==> make $$step"; \
	    if ! $(MAKE) $$step; then \
	        printf "$$summary"; echo "==> make $$step FAILED after $$(( $$(date +%s) - start ))s"; exit 1; \
	    fi; \
	    echo "<== make $$step: $$(( $$(date +%s) - start ))s"; \
	    summary="$$summary  $$step: $$(( $$(date +%s) - start ))s\n"; \
	done; \
	printf "==> all test steps passed in %ss\n$$summary" "$$(( $$(date +%s) - total ))"

# ---------------------------------------------------------------------------------------------
# Demo: the bootstrap playbook against the bundled demo registry (git daemon on 127.0.0.1), with
# HOME, ATK_HOME and the global git config inside $(DEMO_DIR); shows the result and `atk status`.

DEMO_DIR ?= $(LAYOUT_ROOT)-demo

demo: venv collection
	@bash demo/demo.sh "$(VBIN)" "$(VENV_ATK)/bin/atk" "$(LAYOUT_ROOT)" "$(DEMO_DIR)"

# ---------------------------------------------------------------------------------------------
# Housekeeping

changelog: venv
	@$(VRUN) $(VBIN)/antsibull-changelog lint

clean:
	rm -rf "$(LAYOUT_ROOT)" "$(DEMO_DIR)" tests/output .pytest_cache .hypothesis

# ---------------------------------------------------------------------------------------------
# Benchmark, not a test: atk.core against the real atk 0.4.0 on the same work (loopback git daemon,
# fresh clones, empty caches), medians and ratios printed and written to benchmarks/results/<time>.md
# (git-ignored). See benchmarks/README.md and docs/performance.md.
#   make bench                               the 7 goals of issue 13, 5 repetitions per side
#   make bench QUICK=1                       --quick: 3 repetitions, no diagnostic sides (< 5 min)
#   make bench BENCH_ARGS='--only 1,6 --reps 3'
.PHONY: bench
bench: venv
	@$(VRUN) $(VBIN)/python benchmarks/bench.py $(if $(QUICK),--quick) $(BENCH_ARGS)
