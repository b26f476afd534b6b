# `make report` checks the samples and writes reports/; `make test` runs the tests. Both install first.
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: report test install clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check "torch==2.13.0" -e ".[model,test]"
	touch $@

install: $(VENV)/.installed

report: $(VENV)/.installed
	HF_HUB_OFFLINE=1 $(PY) scripts/sample_reports.py

test: $(VENV)/.installed
	HF_HUB_OFFLINE=1 $(PY) -m pytest -q

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
