#!/usr/bin/env bash
# What CI can build of the production set-up on a machine without a container registry:
# the image's build steps (install.sh) in a clean venv, then the installed copy migrates a
# fresh SQLite database and serves /healthz, /readyz and a translated page. .ci/run runs this;
# the nginx config, the systemd units and compose.yaml are checked by tests/test_deploy.py.
# Where a Docker daemon already has the python:3.11-slim base image, the image is built too.
#
#   docs/deploy/check.sh        (from anywhere; about 30-50 s, most of it pip)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
started=$SECONDS

echo "==> the image's build steps (docs/deploy/install.sh) in a clean venv"
# A copy without build output or compiled catalogues: the build must compile them itself.
mkdir "$work/source"
for name in pyproject.toml setup.py MANIFEST.in README.md babel.cfg server web seeds migrations; do
  cp -r "$root/$name" "$work/source/"
done
find "$work/source" \( -name __pycache__ -o -name '*.mo' -o -name '*.egg-info' \) -prune -exec rm -rf {} +
PYTHON=${PYTHON:-python3} sh "$root/docs/deploy/install.sh" "$work/source" "$work/venv"

echo "==> the installed copy migrates a fresh database and serves"
export DATABASE_URL="sqlite:///$work/data/lianxin.db" LIANXIN_DATA_DIR="$work/data"
export LIANXIN_SWEEP_INTERVAL_SECONDS=0
unset PYTHONPATH
mkdir "$work/run" && cd "$work/run"  # nothing is found relative to the working directory
"$work/venv/bin/lianxin" migrate
port=$("$work/venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$work/venv/bin/lianxin" serve --host 127.0.0.1 --port "$port" --workers 2 >"$work/serve.log" 2>&1 &
server_pid=$!
"$work/venv/bin/python" - "$port" <<'PY' || { cat "$work/serve.log" >&2; exit 1; }
import json
import sys
import time
import urllib.error
import urllib.request

base = f"http://127.0.0.1:{sys.argv[1]}"


def get(path, headers=None):
    request = urllib.request.Request(base + path, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


for _ in range(200):  # the workers start in a few seconds
    try:
        if get("/healthz")[0] == 200:
            break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("check.sh: /healthz never answered")
status, body = get("/readyz")
assert status == 200 and json.loads(body)["status"] == "ready", (status, body)
status, body = get("/login", {"Accept-Language": "zh-TW"})
assert status == 200 and "登入" in body, "the sign-in page is not served translated"
print("check.sh: /healthz 200, /readyz ready, /login translated, from two workers")
PY

if command -v docker >/dev/null && timeout 10 docker image inspect python:3.11-slim >/dev/null 2>&1; then
  echo "==> docker build"
  docker build --quiet -f "$root/docs/deploy/Dockerfile" -t lianxin:check "$root"
else
  echo "==> docker build skipped: no Docker daemon with the python:3.11-slim base image here"
fi
echo "check.sh: passed in $((SECONDS - started)) s"
