# The two commands of the README: `make run` and `make test`.
# The first of python3.11, 3.12, 3.13, python3 that runs and is 3.11-3.13 (override:
# make PYTHON=python3.12 install). Running it, not just finding it: a pyenv shim is found for
# every version pyenv knows but fails for those not selected.
PYTHON_OK := import sys; sys.exit(not (3, 11) <= sys.version_info[:2] < (3, 14))
ifndef PYTHON
PYTHON := $(or $(firstword $(foreach p,python3.11 python3.12 python3.13 python3,$(shell $(p) -c '$(PYTHON_OK)' >/dev/null 2>&1 && echo $(p)))),python3.11)
endif
VENV := .venv
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)

.PHONY: install run serve test lint format bench

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c '$(PYTHON_OK)' >/dev/null 2>&1 || { echo "Python 3.11, 3.12 or 3.13 is needed ($(PYTHON) does not run or is another version): install one (Debian: apt-get install python3 python3-venv) or name it: make PYTHON=python3.12 install"; exit 1; }
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: install
	./scripts/run

serve: install
	./scripts/serve

test: install
	./scripts/test

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(VENV)/bin/python bench/run.py
