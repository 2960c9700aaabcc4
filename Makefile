# The two commands of the README: `make run` and `make test`. Each installs what it needs into .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck catalog unit clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "MentorBot needs Python 3.11 or newer; set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## run: the bot's main job on the embedded SQLite default (the console, with a demo community)
run: $(STAMP)
	$(BIN)/mentorbot console --demo

## test: lint, type checks, the catalog's content targets and the whole test suite (PostgreSQL tests skip with a reason if it is down;
## the wheel test builds the package and installs it into a fresh venv, from PyPI or pip's cache)
test: lint typecheck catalog unit

lint: $(STAMP)
	$(BIN)/ruff check src adapters tests benchmarks
	$(BIN)/hadolint deploy/Dockerfile

typecheck: $(STAMP)
	$(BIN)/mypy

## catalog: the shipped skills and courses meet the content targets, with no search, homepage or shared address
catalog: $(STAMP)
	$(BIN)/mentorbot catalog check --strict config/courses.toml --skills config/skills.toml

unit: $(STAMP)
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
