# The two commands of the README:
#   make demo   set up and run xennet on the bundled demo (a support bundle of the VLAN/fragment case)
#   make test   set up and run the whole test suite (as root it also installs the Debian packages
#               the tests use; without root it says what is missing and those tests skip)
VENV ?= .venv
PYTHON ?= python3
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint bench system-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $(STAMP)

system-deps:
	@sh scripts/system-deps.sh

demo: $(STAMP)
	@echo "== xennet bundle fixtures/demo  (a customer's support bundle: dom0 and two guests as sosreport"
	@echo "   archives, captures of both guests' vifs; the field case 'ping dies above 1472 bytes on VLAN 3')"
	@$(VENV)/bin/xennet bundle --html xennet-demo.html fixtures/demo; status=$$?; \
	  echo "== exit status $$status (1: findings at or above --fail-on); the HTML report is xennet-demo.html"; \
	  test $$status -le 1

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP) system-deps
	$(VENV)/bin/python benchmarks/bench_capture.py --output BENCHMARKS.md

test: $(STAMP) system-deps lint
	$(VENV)/bin/pytest -q -rs

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .hypothesis
