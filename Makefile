# The front door: `make run` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2

MODEL_STAMP := models/.trained
MODEL_INPUTS := config.yml domain.yml $(shell find nlu_data stories -name '*.yml' 2>/dev/null) $(wildcard bot/nlu/*.py)
CATALOGS := $(wildcard locale/*/LC_MESSAGES/messages.po)

.PHONY: help setup run chat train test test-fast bench check-content translations lock lint clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16

$(VENV)/.installed: requirements.lock
	scripts/make-venv.sh $(VENV)
	touch $@

$(CATALOGS:.po=.mo): %.mo: %.po $(VENV)/.installed
	$(VENV)/bin/pybabel compile -i $< -o $@ --statistics

setup: $(VENV)/.installed $(CATALOGS:.po=.mo)  ## create the venv, install the lock file, compile translations

$(MODEL_STAMP): $(MODEL_INPUTS) | setup
	$(PY) -m bot train
	touch $@

train: setup  ## train a model into models/<timestamp>.tar.gz
	$(PY) -m bot train
	touch $(MODEL_STAMP)

run: setup $(MODEL_STAMP)  ## start the bot: Telegram if TELEGRAM_BOT_TOKEN is set, else a chat in this terminal
	$(PY) -m bot run

test: setup  ## the whole test suite, with real PostgreSQL and Redis
	scripts/services.sh start
	set -o pipefail; trap 'scripts/services.sh stop' EXIT; \
	  source .services/env && \
	  $(PY) -m bot check-content && \
	  $(VENV)/bin/rasa data validate --config config.yml --domain domain.yml --data nlu_data stories --fail-on-warnings && \
	  $(VENV)/bin/hadolint Dockerfile && \
	  $(PY) -m pytest

bench: setup $(MODEL_STAMP)  ## benchmarks: NLU accuracy, speed, load; prints figures
	$(PY) -m bench

check-content: setup  ## validate content/ for editors: file:line: problem
	$(PY) -m bot check-content

translations: setup  ## extract UI strings and update the catalogs in locale/
	$(VENV)/bin/pybabel extract -F babel.cfg -k N_ -o locale/messages.pot --no-location --omit-header .
	$(VENV)/bin/pybabel update -i locale/messages.pot -d locale --no-fuzzy-matching

lock:  ## re-pin requirements.lock from requirements.in
	scripts/make-venv.sh /tmp/lock-venv requirements.in
	/tmp/lock-venv/bin/pip freeze --all --exclude-editable | grep -v -E '^(pip|setuptools|wheel)==' > requirements.lock

clean:  ## remove the venv, models and local data
	rm -rf $(VENV) models data .pytest_cache
