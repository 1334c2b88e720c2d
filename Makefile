# Expio Center publication site. `make` lists the targets.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
export PYTHONPATH := $(CURDIR):$(CURDIR)/plugins
ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help html publish check serve devserver clean test bench related-report digest \
        digest-send newsletter-setup newsletter-flush lock test-setup lint deploy rollback \
        serve-production server-config newsletter-backup new cms

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

# The web editor's npm packages (package.json "dependencies"; devDependencies are test tools).
# Skipped when a full install (make test-setup) already brought them.
CMS_STAMP := node_modules/.cms-installed
$(CMS_STAMP): package-lock.json
	if [ -f node_modules/decap-cms/dist/decap-cms.js ] && [ node_modules/.package-lock.json -nt package-lock.json ]; \
	then :; else npm ci --omit=dev --no-audit --no-fund --loglevel=error; fi
	touch $@

$(STAMP): requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.lock
	touch $@

html: $(STAMP) ## build the site into output/ (warnings reported, build continues)
	$(PY) -m sitebuild html $(ARGS)

publish: $(STAMP) $(CMS_STAMP) ## production build with publishconf.py; any warning fails it
	$(PY) -m sitebuild publish $(ARGS)

check: $(STAMP) ## every content check and a strict build; non-zero exit on any warning
	$(PY) -m sitebuild check $(ARGS)

serve: $(STAMP) ## build, then serve the site and the subscribe endpoint on http://127.0.0.1:8000
	$(PY) -m sitebuild serve $(ARGS)

devserver: $(STAMP) ## serve, rebuild on every change and reload the browser
	$(PY) -m sitebuild devserver $(ARGS)

# LANG only when given on the command line: the shell's own LANG (a locale) is not a language.
new: $(STAMP) ## new article: make new TITLE="…" CATEGORY=ptsd [LANG=uk,en] [SLUG=…]; prints the paths
	@$(PY) -m sitebuild new --title '$(subst ','\'',$(TITLE))' --category '$(CATEGORY)' \
	  $(if $(filter command line,$(origin LANG)),--lang '$(LANG)') \
	  $(if $(SLUG),--slug '$(SLUG)') $(ARGS)

cms: $(STAMP) $(CMS_STAMP) ## the devserver plus the web editor at /admin/, editing these files
	$(PY) -m sitebuild cms $(ARGS)

related-report: $(STAMP) ## write output/reports/related.html and .csv for editors
	$(PY) -m sitebuild related-report $(ARGS)

digest: $(STAMP) ## render the email digest previews into output/newsletter/
	$(PY) -m newsletter digest $(ARGS)

digest-send: $(STAMP) ## send the digest (ARGS="--dry-run", "--test-to a@b.c", "--schedule ...")
	$(PY) -m newsletter digest-send $(ARGS)

newsletter-setup: $(STAMP) ## create the Mailchimp topic interests if missing; print the mapping
	$(PY) -m newsletter setup-mailchimp $(ARGS)

newsletter-flush: $(STAMP) ## retry queued subscriptions now
	$(PY) -m newsletter flush-queue $(ARGS)

$(TEST_STAMP): $(STAMP) requirements-test.lock package-lock.json
	$(PY) -m pip install --disable-pip-version-check -q -r requirements-test.lock
	./.ci/install-system-packages
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

test-setup: $(TEST_STAMP) ## install what the tests need (Chromium, jing, Java, npm tools)

test: $(TEST_STAMP) ## run every test
	$(PY) -m pytest $(ARGS)

bench: $(TEST_STAMP) ## run the benchmarks; prints and writes bench/results.md and .json
	$(PY) -m bench $(ARGS)

lock: ## re-pin requirements*.lock from pyproject.toml (needs the package index)
	PYTHON=$(PYTHON) ./tools/lock.sh

.PHONY: import-wordpress
import-wordpress: $(STAMP) ## import a WordPress export: WXR=export.xml UPLOADS=wp-content/uploads
	@test -n "$(WXR)" -a -n "$(UPLOADS)" || { echo "usage: make import-wordpress WXR=export.xml UPLOADS=path/to/wp-content/uploads [CATEGORIES=map.toml] [ARGS=...]"; exit 2; }
	$(PY) -m importers.wordpress --wxr "$(WXR)" --uploads "$(UPLOADS)" $(if $(CATEGORIES),--categories "$(CATEGORIES)") $(ARGS)

clean: ## remove the build output, caches and the virtual environment
	rm -rf output .output-* .cache $(VENV) node_modules

# --- production: make publish first; these use its output, never build ------------------------
PORT ?= 8080
DEPLOY_MODE ?= releases

deploy: $(STAMP) ## rsync the last publish to DEPLOY_TARGET=/path or user@host:/path (releases + current)
	@test -n "$(DEPLOY_TARGET)" || { echo "make deploy: set DEPLOY_TARGET=/srv/expio or user@host:/srv/expio"; exit 2; }
	$(PY) -m sitebuild deploy --target "$(DEPLOY_TARGET)" --mode $(DEPLOY_MODE) $(ARGS)

rollback: $(STAMP) ## point DEPLOY_TARGET's current release back at the previous one
	@test -n "$(DEPLOY_TARGET)" || { echo "make rollback: set DEPLOY_TARGET"; exit 2; }
	$(PY) -m sitebuild rollback --target "$(DEPLOY_TARGET)" $(ARGS)

serve-production: $(STAMP) ## Caddy + subscribe service on http://127.0.0.1:$(PORT), serving the last publish
	$(PY) -m sitebuild serve-production --port $(PORT) $(ARGS)

server-config: $(STAMP) ## regenerate deploy/Caddyfile and deploy/nginx.conf from the settings
	$(PY) -m sitebuild server-config caddy > deploy/Caddyfile
	$(PY) -m sitebuild server-config nginx > deploy/nginx.conf

newsletter-backup: $(STAMP) ## online copy of the newsletter's SQLite data into BACKUP_DIR (var/backups)
	$(PY) -m newsletter backup --into "$(or $(BACKUP_DIR),var/backups)" $(ARGS)
