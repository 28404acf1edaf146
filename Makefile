# Two commands from a fresh clone: `make run` and `make test`. Both start from nothing
# but Python 3.11; `make setup` is the idempotent step they share.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_SPELLS ?= 20000
DEMO_SEED ?= 2026

.PHONY: setup run test lint migrations-check clean worker

setup: $(STAMP)
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput -v 0
	$(BIN)/pybabel --quiet compile --domain=django --directory=locale
	$(BIN)/pybabel --quiet compile --domain=djangojs --directory=locale

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required, found " + sys.version.split()[0]'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: setup
	$(BIN)/python manage.py demo_setup --spells $(DEMO_SPELLS) --seed $(DEMO_SEED)
	$(BIN)/python manage.py cockpit_summary
	$(BIN)/python manage.py collectstatic --noinput -v 0
	@echo "Serving with DEBUG off, as in production: the real Danish error pages, static files through WhiteNoise."
	DEBUG=false $(BIN)/python manage.py runserver 127.0.0.1:8000

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run

worker: setup
	$(BIN)/celery -A jobcenter worker -l info -Q celery,training,scoring,monitoring

clean:
	rm -rf $(VENV) var
