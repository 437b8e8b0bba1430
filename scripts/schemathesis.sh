#!/usr/bin/env bash
# Schemathesis against a throwaway API: checks that every answer the API gives is one its OpenAPI
# (/docs/json) documents, with every check enabled. Starts the hub simulator and the API (embedded
# PostgreSQL, or the one PG* points at) in a temp folder, registers a user, runs, cleans up.
#   scripts/schemathesis.sh [max examples per operation, default 25] [extra `st run` options…]
# Needs `st` (pip install schemathesis==4.32.5). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

EXAMPLES="${1:-25}"
shift || true
if ! command -v st >/dev/null; then
  echo "schemathesis is not installed: pip install 'schemathesis==4.32.5'" >&2
  exit 2
fi

work="$(mktemp -d -t d011dl-schemathesis-XXXXXX)"
# run as root, the embedded PostgreSQL runs as "postgres" and must reach DATA_DIR
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
HUB_PORT="$(free_port)"
CDN_PORT="$(free_port)"
API_PORT="$(free_port)"

node hubsim/src/cli.ts --host 127.0.0.1 --port "$HUB_PORT" --cdn-port "$CDN_PORT" >"$work/hubsim.log" 2>&1 &
pids+=($!)

# NODE_ENV=test keeps the development conveniences out (a generated JWT secret is fine here);
# a generous sign-in limit: the fuzzer signs in many times, and 429 is tested on its own anyway
env -i PATH="$PATH" HOME="${HOME:-/root}" \
  NODE_ENV=test LOG_LEVEL=warn HOST=127.0.0.1 PORT_API="$API_PORT" \
  DATA_DIR="$work/data" STORAGE_ROOT="$work/data/models" JWT_SECRET="$(node -e 'console.log(require("crypto").randomBytes(32).toString("hex"))')" \
  HF_ENDPOINT="http://127.0.0.1:$HUB_PORT" BCRYPT_ROUNDS=10 ALLOW_REG=true \
  ${PGHOST:+PGHOST="$PGHOST" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-}" PGPASSWORD="${PGPASSWORD:-}" PGDATABASE="${PGDATABASE:-}"} \
  node api/src/server.ts >"$work/api.log" 2>&1 &
pids+=($!)

base="http://127.0.0.1:$API_PORT"
healthy() { node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$base/healthz"; }
for _ in $(seq 1 240); do
  healthy && break
  if ! kill -0 "${pids[1]}" 2>/dev/null; then cat "$work/api.log" >&2; exit 1; fi
  sleep 0.5
done
healthy || { echo "the API did not become healthy" >&2; cat "$work/api.log" >&2; exit 1; }

# a registered user's token (the first user, so an administrator: every route is reachable)
TOKEN="$(node -e '
const [base] = process.argv.slice(1);
const creds = { username: "fuzzer", password: "fuzzer-password-1" };
const post = (p) => fetch(base + p, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(creds) });
(async () => {
  const reg = await post("/auth/register");
  if (reg.status !== 201) throw new Error(`register: ${reg.status} ${await reg.text()}`);
  const login = await post("/auth/login");
  if (login.status !== 200) throw new Error(`login: ${login.status} ${await login.text()}`);
  console.log((await login.json()).token);
})().catch((e) => { console.error(e.message); process.exit(1); });
' "$base")"

status=0
# scripts/schemathesis_hooks.py teaches it the "password" format (8 to 72 bytes of UTF-8)
PYTHONPATH="$PWD/scripts${PYTHONPATH:+:$PYTHONPATH}" SCHEMATHESIS_HOOKS=schemathesis_hooks \
st --config-file scripts/schemathesis.toml run "$base/docs/json" --checks all --phases examples,coverage,fuzzing --max-examples "$EXAMPLES" \
  --header "Authorization: Bearer $TOKEN" --seed 1 --workers 1 --request-timeout 30 --no-color \
  --report junit --report-junit-path "${SCHEMATHESIS_JUNIT:-$work/junit.xml}" "$@" || status=$?
if [ "$status" -ne 0 ] && grep -q '"level":50' "$work/api.log"; then
  echo "API errors logged during the run:" >&2
  grep '"level":50' "$work/api.log" | tail -20 >&2
fi
exit "$status"
