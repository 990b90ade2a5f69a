#!/usr/bin/env bash
# The benchmark in one command: instructions (callgrind), allocations and time per
# request for every scenario, as a table with ratios to session_bare.
#
#   benches/run.sh            # full run (criterion timing included)
#   QUICK=1 benches/run.sh    # skip criterion; callgrind and allocations only
#   TWO_FACTOR=1 ...          # with login-actix's feature two-factor compiled in
#
# Instructions per request = (I(N2) - I(N1)) / (N2 - N1) under callgrind, so set-up and
# the one login cancel. ours_sqlite's SQLite file of 100,000 logins is made before the
# measured runs. ours_redis runs when redis-server is installed (a private one is
# started on a free loopback port) or LOGIN_BENCH_REDIS points at one.
set -euo pipefail
cd "$(dirname "$0")"
N1=${N1:-200}
N2=${N2:-1200}
out=target/bench-results
mkdir -p "$out"

command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
features=()
[ -n "${TWO_FACTOR:-}" ] && features=(--features two-factor)
cargo build --release --bin bench-count "${features[@]}" >&2
bin=target/release/bench-count

redis_pid=""
cleanup() { [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null || true; }
trap cleanup EXIT
if [ -z "${LOGIN_BENCH_REDIS:-}" ] && command -v redis-server >/dev/null; then
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no >/dev/null 2>&1 &
    redis_pid=$!
    for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
    export LOGIN_BENCH_REDIS="redis://127.0.0.1:$port"
fi

instructions() { # scenario requests -> total instructions
    valgrind --tool=callgrind --callgrind-out-file="$out/cg.$1.$2" "$bin" "$1" "$2" >/dev/null 2>&1 || return 1
    grep -E '^(summary|totals):' "$out/cg.$1.$2" | head -1 | awk '{print $2}'
}

if [ -z "${QUICK:-}" ]; then
    cargo bench --bench protected_route "${features[@]}" -- --noplot --warm-up-time 1 --measurement-time 3 >&2
fi

scenarios=$(grep -oE '^    "[a-z_]+",' src/lib.rs | tr -d ' ",')
# ours_sqlite's registry file (100,000 logins) is made once, before any measured run.
"$bin" ours_sqlite 1 >/dev/null
printf '%-16s %14s %10s %12s %10s %14s\n' scenario "instr/req" "x bare" "allocs/req" "+bare" "time/req"
declare -A INS ALLOC
for s in $scenarios; do
    if ! a=$(instructions "$s" "$N1") || ! b=$(instructions "$s" "$N2"); then
        printf '%-16s %14s\n' "$s" "(skipped)"
        continue
    fi
    INS[$s]=$(( (b - a) / (N2 - N1) ))
    allocs=$("$bin" "$s" 1000 --allocs | awk '{print $2}')
    ALLOC[$s]=$(awk -v x="$allocs" 'BEGIN{printf "%.1f", x/1000}')
done
for s in $scenarios; do
    [ -n "${INS[$s]:-}" ] || { printf '%-16s %14s\n' "$s" "(skipped: no Redis)"; continue; }
    ratio=$(awk -v a="${INS[$s]}" -v b="${INS[session_bare]}" 'BEGIN{printf "%.3f", a/b}')
    extra=$(awk -v a="${ALLOC[$s]}" -v b="${ALLOC[session_bare]}" 'BEGIN{printf "%+.1f", a-b}')
    est="target/criterion/protected_route/$s/new/estimates.json"
    t="-"
    [ -f "$est" ] && t=$(python3 -c "import json;print('%.2f us' % (json.load(open('$est'))['mean']['point_estimate']/1000))")
    printf '%-16s %14s %10s %12s %10s %14s\n' "$s" "${INS[$s]}" "$ratio" "${ALLOC[$s]}" "$extra" "$t"
done
