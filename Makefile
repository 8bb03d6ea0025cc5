# Penny's developer entry points. `make test` is what CI runs (.ci/run).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Only the test tiers that exist: a fresh clone has no empty folders.
TEST_DIRS := $(wildcard tests/unit tests/sandbox tests/functional tests/e2e)
PYTEST_ARGS ?=
# The deployed stage (stack "penny-$(STAGE)") and region: package, deploy, redrive, premium.
STAGE ?= prod
REGION ?= us-east-1

.PHONY: venv run test chromium lint bench cost mutate package deploy redrive premium clean

venv: $(VENV)/.installed

# Reinstall only when a requirements file changes (the stamp is older than it).
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(VENV)/bin/pip || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: venv
	$(PY) -m local.stack

test: venv chromium
	$(PY) -m pytest $(PYTEST_ARGS) $(TEST_DIRS)
	$(MAKE) --no-print-directory lint

# The browser tests drive Debian's Chromium (Playwright's own download needs internet).
# Installed here when missing and allowed (root or passwordless sudo); otherwise those
# tests fail with a message saying what to install.
CHROMIUM := $(or $(PENNY_CHROMIUM),/usr/bin/chromium)
chromium:
	@test -x $(CHROMIUM) || { \
		if [ "$$(id -u)" -eq 0 ]; then sudo=; elif sudo -n true 2>/dev/null; then sudo=sudo; \
		else echo "make: no Chromium at $(CHROMIUM); install Debian's chromium package" >&2; \
			exit 0; fi; \
		$$sudo apt-get update && $$sudo env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y --no-install-recommends chromium; }

# lint-imports: the layers' import contract ([tool.importlinter] in pyproject.toml).
lint: venv
	$(PY) -m ruff check .
	$(PY) -m mypy --explicit-package-bases chalicelib app.py local infra bench sandbox
	$(VENV)/bin/lint-imports

bench: venv
	@set -e; for script in bench/*.py; do \
		[ -e "$$script" ] || continue; \
		echo "== $$script"; \
		$(PY) "$$script"; \
	done

# A simulated month through the real handlers, priced (bench/cost.py; bench/prices.json).
# e.g. make cost COST_ARGS="--front-door rest" or COST_ARGS="--hosts 5000 --json"
COST_ARGS ?=
cost: venv
	$(PY) bench/cost.py $(COST_ARGS)

# Mutation testing, not part of `make test`: mutmut changes chalicelib/domain/ and
# chalicelib/services/ one small change at a time, in a copy under mutants/, and runs the
# unit tests that reach it; bench/mutation_score.py then prints the score per module.
# From scratch each time, niced, one worker (MUTATE_JOBS=4 on a machine to spare). TZ is
# neither UTC nor a zone the tests use, so a mutant that drops a zone (astimezone(None):
# local time) shows.
MUTATE_JOBS ?= 1
mutate: venv
	rm -rf mutants
	TZ=Pacific/Chatham nice -n 19 $(VENV)/bin/mutmut run --max-children $(MUTATE_JOBS)
	$(PY) bench/mutation_score.py

# One template (Chalice's functions merged with infra/resources.json) and the zip. The
# regenerated infra/resources.json is byte-for-byte the committed one: the tree stays clean.
package: venv
	$(PY) -m infra.template > infra/resources.json
	AWS_DEFAULT_REGION=$(REGION) $(VENV)/bin/chalice package \
		--stage $(STAGE) --merge-template infra/resources.json build/package
	$(PY) -m infra.prune build/package/deployment.zip
	PYTHONHASHSEED=0 $(PY) -m infra.bytecode build/package/deployment.zip
	$(PY) -m infra.zip_imports build/package/deployment.zip
	$(VENV)/bin/cfn-lint build/package/sam.json
	$(PY) -m infra.check build/package/sam.json
	@ls -l build/package

# From `make package` to a live stack "penny-$(STAGE)": boto3 with your AWS credentials (no
# AWS CLI). A redeploy keeps the last deploy's settings; DEPLOY_ARGS changes them, e.g.
# DEPLOY_ARGS="--pitr on --api-concurrency 20 --public-url https://book.example.com".
deploy: package
	@test -n "$(BUCKET)" || { echo "make deploy BUCKET=<an S3 bucket for the code zip>"; exit 2; }
	$(PY) -m infra.deploy --stage $(STAGE) --bucket $(BUCKET) --region $(REGION) $(DEPLOY_ARGS)

# Replay a dead-letter queue: make redrive CONSUMER=notes (or summary, calendar, payments:
# into its worker; stream: the table stream's failed batches into booking_events, within
# 24 hours).
redrive: venv
	$(PY) -m infra.redrive --stage $(STAGE) --region $(REGION) --consumer $(CONSUMER)

# A host's premium plan (the pre-meeting brief), the operator's switch: make premium
# HOST=<slug> ON=1 (ON=0 turns it off); LOCAL=1 on the `make run` stack instead.
premium: venv
	@test -n "$(HOST)" -a -n "$(filter 1 0,$(ON))" || { echo "make premium HOST=<slug> ON=1|0 [LOCAL=1]"; exit 2; }
	$(PY) -m infra.premium --host $(HOST) $(if $(filter 1,$(ON)),--on,--off) \
		$(if $(filter 1,$(LOCAL)),--local,--stage $(STAGE) --region $(REGION))

# Caches and build output; the venv stays (`rm -rf .venv` to rebuild it from scratch).
clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache .hypothesis test-results build dist
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
