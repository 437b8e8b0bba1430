#!/usr/bin/env bash
# Container smoke test for D011DL's Docker deployment (issue 6).
#
#   eval "$(../shared/tools/docker-offline.sh up)"    # or any reachable Docker engine (DOCKER_HOST)
#   ../shared/tools/docker-offline.sh base            # local node:24-slim when Docker Hub is unreachable
#   deploy/smoke.sh
#
# Builds both images from the real Dockerfiles with `docker-compose build`, starts the compose
# `postgres` profile (image $POSTGRES_IMAGE; when it cannot be pulled, a stand-in is built from
# deploy/postgres/Dockerfile) and bootstraps it with db/bootstrap.sql, starts api + web with
# `docker-compose up -d`, waits for both healthchecks, runs the hub simulator where the api container
# reaches it, then through the web portal on :32001 registers, logs in, downloads acme/tiny-model and
# checks the bytes in the host's bind-mounted models directory, that the web container cannot write
# there, and that web reached the api by the name `api`. Always tears everything down.
#
# The hub simulator runs in a container sharing the api container's network namespace (HF_ENDPOINT
# http://127.0.0.1:$HUB_PORT): hubsim redirects large (LFS) files to its CDN at http://127.0.0.1:<port>,
# an address only reachable from inside the same network namespace.
#
# Knobs: COMPOSE (default: docker-compose), POSTGRES_IMAGE, HUB_PORT (default 32090), SMOKE_ENGINE=hf
# (download with the image's `hf download` instead of D011DL's engine), KEEP=1 (leave
# the stack running for inspection; tear down later with the printed command).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
COMPOSE=${COMPOSE:-docker-compose}
HUB_PORT=${HUB_PORT:-32090}
WEB=http://127.0.0.1:32001
started=$(date +%s)

log() { printf '[smoke %3ss] %s\n' "$(($(date +%s) - started))" "$*"; }
fail() { log "FAIL: $*"; exit 1; }

docker info >/dev/null 2>&1 || fail "no Docker engine reachable (DOCKER_HOST=${DOCKER_HOST:-unset})"

WORK=$(mktemp -d /tmp/d011dl-smoke.XXXXXX)
chmod 755 "$WORK"
export COMPOSE_PROJECT_NAME=d011dl-smoke
export COMPOSE_PROFILES=postgres
export MODELS_DIR=$WORK/models
export D011DL_ENV_FILE=$WORK/env
export POSTGRES_PASSWORD=smoke-superuser-$RANDOM$RANDOM
# POSTGRES_IMAGE set (e.g. postgres:17): use/pull it. Unset: build the stand-in from deploy/postgres.
export POSTGRES_IMAGE=${POSTGRES_IMAGE:-}
APP_PASS=smoke-app-$RANDOM$RANDOM
HUB_NAME=d011dl-smoke-hubsim
JAR=$WORK/cookies
dc() { $COMPOSE "$@"; }

teardown() {
  local rc=$?
  if [[ ${KEEP:-} == 1 ]]; then
    log "KEEP=1: stack left running. Tear down: docker rm -f $HUB_NAME; COMPOSE_PROJECT_NAME=$COMPOSE_PROJECT_NAME COMPOSE_PROFILES=postgres MODELS_DIR=$MODELS_DIR D011DL_ENV_FILE=$D011DL_ENV_FILE POSTGRES_IMAGE=$POSTGRES_IMAGE $COMPOSE down -v; rm -rf $WORK"
    return
  fi
  if ((rc != 0)); then
    log "logs of the failed run:"
    dc logs --no-color --tail=60 2>&1 | sed 's/^/  /' || true
    docker logs --tail=20 "$HUB_NAME" 2>&1 | sed 's/^/  hubsim | /' || true
  fi
  docker rm -f "$HUB_NAME" >/dev/null 2>&1 || true
  dc down -v --remove-orphans >/dev/null 2>&1 || true
  rm -rf "$WORK"
  log "torn down (exit $rc)"
}
trap teardown EXIT

# --- settings: models dir writable by the image's `node` user (uid 1000), an env file for the API ---
mkdir -p "$MODELS_DIR"
chown 1000:1000 "$MODELS_DIR" 2>/dev/null || chmod 0777 "$MODELS_DIR"
cat >"$D011DL_ENV_FILE" <<EOF
NODE_ENV=production
LOG_LEVEL=info
JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
BCRYPT_ROUNDS=10
PGHOST=postgres
PGPORT=5432
PGUSER=d011dl_app
PGPASSWORD=$APP_PASS
PGDATABASE=d011dl
HF_ENDPOINT=http://127.0.0.1:$HUB_PORT
DISK_RESERVE_MB=16
DOWNLOAD_ENGINE=${SMOKE_ENGINE:-node}
EOF

# --- images ---
if [[ -n $POSTGRES_IMAGE ]]; then
  docker image inspect "$POSTGRES_IMAGE" >/dev/null 2>&1 || docker pull -q "$POSTGRES_IMAGE" >/dev/null
else
  export POSTGRES_IMAGE=d011dl-postgres:15
  base=debian:bookworm-slim
  docker image inspect "$base" >/dev/null 2>&1 || base=localhost/bookworm-base # docker-offline.sh's Debian root
  log "building PostgreSQL stand-in $POSTGRES_IMAGE from deploy/postgres (FROM $base)"
  docker build -q --build-arg BASE="$base" -t "$POSTGRES_IMAGE" deploy/postgres >/dev/null
fi
log "docker-compose build"
dc build >"$WORK/build.log" 2>&1 || { tail -n 40 "$WORK/build.log"; fail "docker-compose build"; }
grep -E '^Successfully tagged' "$WORK/build.log" | sed 's/^/  /'

# --- PostgreSQL (the optional profile) + db/bootstrap.sql ---
log "starting postgres"
dc up -d postgres >/dev/null 2>&1
wait_healthy() { # service timeout_s
  local id status
  id=$(dc ps -q "$1")
  for _ in $(seq "$2"); do
    status=$(docker inspect -f '{{.State.Health.Status}}' "$id" 2>/dev/null || echo missing)
    [[ $status == healthy ]] && return 0
    sleep 1
  done
  fail "$1 not healthy after $2 s (status: $status)"
}
wait_healthy postgres 60
log "bootstrapping with db/bootstrap.sql"
dc exec -T postgres psql -q -U postgres -v DB_NAME=d011dl -v DB_USER=d011dl_app -v DB_PASS="$APP_PASS" \
  -f /d011dl-db/bootstrap.sql | sed 's/^/  psql | /'

# --- api + web ---
log "docker-compose up -d"
dc up -d 2>&1 | sed 's/^/  /'
wait_healthy api 90
log "api healthy"
wait_healthy web 60
log "web healthy"

# --- hub simulator, in the api container's network namespace ---
api_id=$(dc ps -q api)
docker run -d --rm --name "$HUB_NAME" --network "container:$api_id" --user 1000:1000 \
  -v "$ROOT/hubsim:/hubsim:ro" node:24-slim node /hubsim/src/cli.ts --host 127.0.0.1 --port "$HUB_PORT" >/dev/null
hub() { docker exec "$HUB_NAME" node -e "$@"; }
hub_up=
for _ in $(seq 30); do
  hub "fetch('http://127.0.0.1:$HUB_PORT/api/models/acme/tiny-model').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))" 2>/dev/null && hub_up=1 && break
  sleep 0.5
done
[ -n "$hub_up" ] || fail "the hub simulator did not answer (see its log below)"
log "hub simulator up (HF_ENDPOINT=http://127.0.0.1:$HUB_PORT inside the api container)"

# --- through the portal: register, log in, download ---
csrf_of() { sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -n1; }
form() { # path, then curl --data-urlencode args; prints "status location"
  local path=$1; shift
  curl -sS -o "$WORK/last.html" -w '%{http_code} %{redirect_url}' -b "$JAR" -c "$JAR" "$@" "$WEB$path"
}
USER_NAME=smoke
USER_PASS=smoke-password-$RANDOM
token=$(curl -sS -b "$JAR" -c "$JAR" "$WEB/register" | csrf_of)
[[ -n $token ]] || fail "no CSRF token on /register (registration not open?)"
r=$(form /register --data-urlencode "_csrf=$token" --data-urlencode "username=$USER_NAME" --data-urlencode "password=$USER_PASS")
[[ $r == "303 "* ]] || fail "register: $r $(head -c 400 "$WORK/last.html")"
log "registered '$USER_NAME' through the portal"
token=$(curl -sS -b "$JAR" -c "$JAR" "$WEB/" | csrf_of)
form /logout --data-urlencode "_csrf=$token" >/dev/null
token=$(curl -sS -b "$JAR" -c "$JAR" "$WEB/login" | csrf_of)
r=$(form /login --data-urlencode "_csrf=$token" --data-urlencode "username=$USER_NAME" --data-urlencode "password=$USER_PASS" --data-urlencode "next=/")
[[ $r == "303 "* ]] || fail "login: $r $(head -c 400 "$WORK/last.html")"
log "logged in through the portal"

FILES=(config.json model.safetensors 'with space/file name.txt' README.md)
token=$(curl -sS -b "$JAR" -c "$JAR" "$WEB/?url=https://huggingface.co/acme/tiny-model" | csrf_of)
args=(--data-urlencode "_csrf=$token" --data-urlencode author=acme --data-urlencode repo=tiny-model --data-urlencode revision=main)
for f in "${FILES[@]}"; do args+=(--data-urlencode "sel=file:$f"); done
r=$(form /downloads "${args[@]}")
[[ $r =~ ^303\ .*/jobs/([0-9a-f-]{36})$ ]] || fail "download not started: $r $(head -c 600 "$WORK/last.html")"
job=${BASH_REMATCH[1]}
log "download $job started through the portal"
status=
for _ in $(seq 120); do
  status=$(curl -sS -b "$JAR" -c "$JAR" "$WEB/api/jobs/$job" | node -e 'let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).status)}catch{console.log("?")}})')
  [[ $status == succeeded || $status == failed || $status == canceled ]] && break
  sleep 1
done
[[ $status == succeeded ]] || fail "download ended as '$status': $(curl -sS -b "$JAR" "$WEB/api/jobs/$job")"
log "download succeeded (DOWNLOAD_ENGINE=${SMOKE_ENGINE:-node})"

# --- bytes on the host, as served by the hub ---
dest=$MODELS_DIR/acme/tiny-model/main
for f in "${FILES[@]}"; do
  [[ -f $dest/$f ]] || fail "missing on the host: $dest/$f"
  want=$(hub "fetch('http://127.0.0.1:$HUB_PORT/acme/tiny-model/resolve/main/' + encodeURIComponent(process.argv[1]).replace(/%2F/g, '/')).then(async (r) => { if (!r.ok) throw new Error(r.status); console.log(require('node:crypto').createHash('sha256').update(Buffer.from(await r.arrayBuffer())).digest('hex')); })" "$f")
  got=$(sha256sum "$dest/$f" | cut -d' ' -f1)
  [[ $want == "$got" ]] || fail "$f: host copy sha256 $got, hub serves $want"
  log "ok $f ($(stat -c %s "$dest/$f") bytes, sha256 ${got:0:12}…)"
done

# --- web's mount is read-only; web reaches api by its name ---
if dc exec -T web sh -c 'touch /media/models/.web-write-test' 2>/dev/null; then fail "web container could write to /media/models"; fi
[[ ! -e $MODELS_DIR/.web-write-test ]] || fail "web container wrote to the models dir"
dc exec -T web ls /media/models/acme/tiny-model/main/config.json >/dev/null || fail "web container cannot read the models dir"
log "web sees the models read-only"
dc exec -T web node -e "fetch('http://api:32002/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))" ||
  fail "web container cannot reach http://api:32002"
# grep reads all of it (no -q): an early exit would end `dc logs` with SIGPIPE, a failure under pipefail
dc logs --no-color web | grep 'API http://api:32002' >/dev/null || fail "portal did not start with API_BASE_URL=http://api:32002"
docker network inspect modelnet >/dev/null || fail "network 'modelnet' missing"
log "web reached api by the name 'api' on network modelnet"
# the API believed the browser's address the portal passed on (TRUST_PROXY=web), not the portal's own
web_ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$(dc ps -q web)")
login_ip=$(dc logs --no-color api | grep '"route":"/auth/login"' | tail -1 | sed -n 's/.*"ip":"\([^"]*\)".*/\1/p')
[[ -n $login_ip && $login_ip != "$web_ip" ]] || fail "the API saw the sign-in from '$login_ip' (the portal is $web_ip): X-Forwarded-For not trusted"
log "the API saw the sign-in from the browser's address $login_ip, not the portal's ($web_ip)"

docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep -E '^d011dl-(api|web):' | sed 's/^/  image /'
log "PASS in $(($(date +%s) - started)) s"
