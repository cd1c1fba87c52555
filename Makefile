# 우동주 지도 — the two commands a newcomer needs: `make run` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DB ?= $(or $(MAPPING_DB),data/mapping.sqlite)

.PHONY: setup run test lint assets clean system-run system-test
.NOTPARALLEL:  # the system check comes first, then the venv and the map assets

## system-run, system-test: the Debian packages each command needs — installed through apt when run as root,
## otherwise make stops here with the one command to run (tools/system-packages.sh)
system-run system-test:
	@PY="$(PY)" bash tools/system-packages.sh $(@:system-%=%)

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund

static/vendor/.installed: node_modules/.package-lock.json mapping/assets.py $(wildcard mapping/static_src/*) | $(VENV)/.installed
	$(BIN)/python -m mapping assets --dest static/vendor
	touch $@

## setup: Python venv with pinned packages, and the map's front-end files (no CDN needed)
setup: system-run $(VENV)/.installed static/vendor/.installed

assets: static/vendor/.installed

## run: the system packages, set up, load the sample dong on first run, serve the app on http://127.0.0.1:8501
## (server.py: the Streamlit app with the field API /api/v1/ and Open311 /open311/v2/ on the same port;
## in Korean time, TZ=Asia/Seoul: the store keeps local times and the dong's days follow them)
run: setup
	@test -f "$(DB)" || MAPPING_DB="$(DB)" $(BIN)/python -m mapping load data/sample_kit
	TZ=Asia/Seoul MAPPING_DB="$(DB)" $(BIN)/streamlit run server.py --server.address 127.0.0.1 --server.port 8501 --server.headless true

## test: the test tools (Chromium, fonts, poppler, PostgreSQL + PostGIS), set up, lint, run every test
test: system-test setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q
	$(BIN)/python -m bench --quick  # proves the Seoul-scale benchmarks still run (figures: python -m bench)

clean:
	rm -rf $(VENV) node_modules static/vendor .pytest_cache .ruff_cache
