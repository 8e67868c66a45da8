# The README's two commands: `make demo` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DB     ?= demo-out/demo.db

.PHONY: install demo test lint format serve clean

install: $(STAMP)

# Re-installs only when pyproject.toml changes; editable, so code edits need no reinstall.
# (setuptools' note on every editable install, that a folder named like a package could shadow
# it, is silenced: the packages are those folders.)
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	PYTHONWARNINGS="ignore:Editable installation" $(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

demo: install
	$(BIN)/crosspost demo --out demo-out

# The browser test drives Debian's Chromium (no browser download: the registries only).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

# The distributed-crawl tests start their own Debian redis-server on a loopback port.
REDIS_SERVER := /usr/bin/redis-server
$(REDIS_SERVER):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null

test: install $(CHROMIUM) $(REDIS_SERVER)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

serve: install
	@test -f $(DB) || $(MAKE) demo
	$(BIN)/crosspost serve $(DB)

clean:
	rm -rf $(VENV) demo-out build *.egg-info .pytest_cache .ruff_cache
