#!/usr/bin/env bash
# Re-pin requirements.lock (runtime) and requirements-test.lock (runtime + test) from the
# direct dependencies in pyproject.toml, resolved in a throw-away virtual environment.
set -euo pipefail
python=${PYTHON:-python3.11}
deps() { $python -c "import tomllib,sys; p=tomllib.load(open('pyproject.toml','rb'))['project']; print('\n'.join(p['dependencies'] + (p['optional-dependencies']['test'] if sys.argv[1]=='test' else [])))" "$1"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
$python -m venv "$tmp/venv"
deps runtime > "$tmp/runtime.txt"
"$tmp/venv/bin/pip" install -q --disable-pip-version-check -r "$tmp/runtime.txt"
"$tmp/venv/bin/pip" freeze > requirements.lock
deps test > "$tmp/test.txt"
"$tmp/venv/bin/pip" install -q --disable-pip-version-check -r "$tmp/test.txt"
"$tmp/venv/bin/pip" freeze > requirements-test.lock
