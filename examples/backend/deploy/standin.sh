#!/usr/bin/env bash
# A local stand-in for a hosting platform, used as deploy.yml's deploy command: it "deploys"
# commit $DEPLOY_SHA of this repository by unpacking its app/ into $STANDIN_ROOT/releases/<sha>,
# stopping the version that runs, starting the new one on 127.0.0.1:$STANDIN_PORT, and
# returning once it listens (as a platform's deploy returns once the new version is live).
# Whether it is healthy is for deploy.yml's health check to say.
#
#   STANDIN_ROOT=/tmp/standin STANDIN_PORT=8000 DEPLOY_SHA=$(git rev-parse HEAD) bash deploy/standin.sh
#
# Needs python3 with the packages of requirements.txt (fastapi, uvicorn), and git history that
# holds DEPLOY_SHA (actions/checkout with fetch-depth: 0).
set -euo pipefail

root=${STANDIN_ROOT:-${RUNNER_TEMP:-/tmp}/standin}
port=${STANDIN_PORT:-8000}
python=${STANDIN_PYTHON:-python3}
sha=${DEPLOY_SHA:?DEPLOY_SHA is not set: deploy.yml sets it to the commit to deploy}

if ! git cat-file -e "$sha^{commit}" 2>/dev/null; then
  echo "::error::standin: commit $sha is not in this checkout; check out with fetch-depth: 0" >&2
  exit 1
fi

release="$root/releases/$sha"
if [[ ! -d $release ]]; then
  mkdir -p "$release.tmp"
  git archive "$sha" app | tar -x -C "$release.tmp"
  mv "$release.tmp" "$release"
fi

# Stop what runs now and wait for the port to be free.
if [[ -f $root/current.pid ]]; then
  kill "$(cat "$root/current.pid")" 2>/dev/null || true
  rm -f "$root/current.pid"
fi
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
  sleep 0.1
done

# Started in its own session, with its output in a log, so this step can end while it runs.
setsid "$python" "$release/app/main.py" --host 127.0.0.1 --port "$port" \
  </dev/null >>"$root/service.log" 2>&1 &
echo $! >"$root/current.pid"
ln -sfn "$release" "$root/current"
echo "${DEPLOY_VERSION:-$sha}" >"$root/current.version"

for _ in $(seq 1 200); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "standin: ${DEPLOY_VERSION:-$sha} ($sha) listens on 127.0.0.1:$port (rollback: ${DEPLOY_ROLLBACK:-false})"
    exit 0
  fi
  if ! kill -0 "$(cat "$root/current.pid")" 2>/dev/null; then
    echo "::error::standin: ${DEPLOY_VERSION:-$sha} exited before listening; see $root/service.log" >&2
    tail -n 20 "$root/service.log" >&2 || true
    exit 1
  fi
  sleep 0.1
done
echo "::error::standin: ${DEPLOY_VERSION:-$sha} did not listen on port $port within 20s" >&2
exit 1
