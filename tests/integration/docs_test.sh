#!/usr/bin/env bash
# docs_test: runs the documentation. Every block of shell commands in README.md
# and docs/*/README.md marked runnable — an HTML comment `<!-- runnable -->` on
# the line before an indented or fenced block, invisible once rendered — is run
# as written, in order (README.md first, then docs/*/README.md alphabetically),
# in one shell, against a demo city this test starts on a free loopback port in
# its own temporary folder. The folder looks like a checkout after
# `scripts/run.sh`: `build/release/src/cli/qiantang` is the binary under test,
# `var/` is the server's (demo-tokens.txt, qiantang.db), and `docs/` and
# `testdata/` are the repository's, so the commands' paths work unchanged.
#
# Placeholders: `prod_...` (any `<prefix>_...` standing as a word of its own,
# so `cqt_...` is not `qt_...`) is replaced by the first id of that prefix in
# the output of the latest earlier command that printed one (tokens `qt_...`
# too), and `HZ1:...` by the latest citizen code printed. The substitution is
# made before a line runs: in `a; b prod_...` the id comes from the line before.
# A command fails the test when it exits non-zero (pipefail: any part of a
# pipeline), prints a line starting with "error", or still holds a placeholder
# no earlier command filled. A new command in a marked block is tested by being
# there; a block that cannot run on one demo node is simply left unmarked.
#
# Run by CTest (tests/integration/CMakeLists.txt), or by hand against any build:
#   QIANTANG_BINARY=build/release/src/cli/qiantang bash tests/integration/docs_test.sh
# QIANTANG_DOCS_KEEP=1 keeps the folder (out.N: the Nth command's output). The
# server's flags beyond the defaults are in `serve_args` below.
set -uo pipefail

qt_root=$(cd "$(dirname "$0")/../.." && pwd)
qt_bin=${QIANTANG_BINARY:?QIANTANG_BINARY is not set (run under ctest)}
qt_bin=$(cd "$(dirname "$qt_bin")" && pwd)/$(basename "$qt_bin")
qt_work=$(mktemp -d "${TMPDIR:-/tmp}/qiantang-docs.XXXXXX")
qt_keep=${QIANTANG_DOCS_KEEP:-}
qt_server_pid=
qt_cleanup() {
  if [ -n "$qt_server_pid" ]; then
    kill "$qt_server_pid" 2>/dev/null
    wait "$qt_server_pid" 2>/dev/null
  fi
  if [ -n "$qt_keep" ]; then echo "docs_test: kept $qt_work"; else rm -rf "$qt_work"; fi
}
trap qt_cleanup EXIT

# --- the runnable blocks: FILE<TAB>LINE<TAB>COMMAND, continuations joined ---
qt_extract() {
  awk -v file="$1" '
    function flush() { if (cmd != "") { print file "\t" start "\t" cmd; cmd = "" } }
    function add(line) {
      if (cmd == "") { start = NR; if (line ~ /^[ \t]*(#|$)/) return }
      if (line ~ /\\$/) { cmd = cmd substr(line, 1, length(line) - 1); return }
      cmd = cmd line; flush()
    }
    /^<!-- runnable -->[ \t]*$/ { armed = 1; next }
    armed && /^[ \t]*$/ && !inblock { next }
    armed && !inblock && /^```/ { inblock = "fence"; armed = 0; next }
    armed && !inblock && /^    / { inblock = "indent"; armed = 0 }
    armed && !inblock { print file ":" NR ": a runnable marker not followed by a block" > "/dev/stderr"; bad = 1; armed = 0 }
    inblock == "fence" && /^```/ { flush(); inblock = ""; next }
    inblock == "fence" { add($0); next }
    inblock == "indent" && /^    / { add(substr($0, 5)); next }
    inblock == "indent" && /^[ \t]*$/ { next }
    inblock == "indent" { flush(); inblock = "" }
    END { flush(); exit bad }
  ' "$qt_root/$1"
}
qt_commands=$qt_work/commands.tsv
: >"$qt_commands"
for f in README.md $(cd "$qt_root" && ls docs/*/README.md); do
  qt_extract "$f" >>"$qt_commands" || exit 1
done
qt_total=$(wc -l <"$qt_commands")
if [ "$qt_total" -eq 0 ]; then
  echo "docs_test: no runnable blocks found" >&2
  exit 1
fi

# --- a checkout-like folder, and the demo city in it ---
mkdir -p "$qt_work/build/release/src/cli" "$qt_work/var"
ln -s "$qt_bin" "$qt_work/build/release/src/cli/qiantang"
ln -s "$qt_root/docs" "$qt_work/docs"
ln -s "$qt_root/testdata" "$qt_work/testdata"
cd "$qt_work" || exit 1
# No saved token, no server settings from the environment CTest runs in.
export HOME=$qt_work
unset $(env | sed -n 's/^\(QIANTANG_[A-Z_]*\)=.*/\1/p')
# Fewer citizens and firms than the default demo: the documented commands need
# the named organisations, not the crowd, and the load time is most of the test.
serve_args=(serve --demo --demo-citizens 2000 --demo-firms 3000 --listen 127.0.0.1:0 --web-dir ''
  --log-level warn)
qt_started=$(date +%s.%N)
# setpriv: the server dies with this script, even when CTest kills it.
setpriv --pdeathsig KILL -- "$qt_bin" "${serve_args[@]}" >var/server.out 2>var/server.err &
qt_server_pid=$!
qt_port=
for _ in $(seq 1 3000); do
  qt_port=$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\).*|\1|p' var/server.out)
  [ -n "$qt_port" ] && break
  if ! kill -0 "$qt_server_pid" 2>/dev/null; then break; fi
  sleep 0.1
done
if [ -z "$qt_port" ]; then
  echo "docs_test: the demo server did not start" >&2
  cat var/server.out var/server.err >&2
  exit 1
fi
export QIANTANG_SERVER=http://127.0.0.1:$qt_port
qt_load_s=$(echo "$(date +%s.%N) - $qt_started" | bc)
printf 'docs_test: demo server on port %s, loaded in %.1f s; %d commands\n' "$qt_port" "$qt_load_s" \
  "$qt_total"

# --- run them, in this shell, so variables and functions carry on ---
# Prints $1 with each placeholder (a whole word: `cqt_...` is not `qt_...`)
# filled, last first; or the placeholders no earlier command filled, and fails.
qt_fill() {
  local rest=$1 filled='' missing='' p
  while [[ $rest =~ ^(.*[^A-Za-z0-9_]|)([a-z][a-z0-9]*)_\.\.\.(.*)$ ]]; do
    p=${BASH_REMATCH[2]}
    if [ -n "${qt_ids[$p]:-}" ]; then
      filled=${qt_ids[$p]}${BASH_REMATCH[3]}$filled
    else
      missing="$missing ${p}_..."
      filled=${p}_...${BASH_REMATCH[3]}$filled
    fi
    rest=${BASH_REMATCH[1]}
  done
  filled=$rest$filled
  if [[ $filled == *"HZ1:..."* ]]; then
    if [ -n "$qt_code" ]; then filled=${filled//"HZ1:..."/$qt_code}; else missing="$missing HZ1:..."; fi
  fi
  if [ -n "$missing" ]; then
    echo "${missing# }: $1"
    return 1
  fi
  printf '%s' "$filled"
}
declare -A qt_ids=()
qt_code=
qt_failed=0
qt_n=0
qt_run_started=$(date +%s.%N)
while IFS=$'\t' read -r qt_file qt_line qt_cmd <&3; do
  qt_n=$((qt_n + 1))
  qt_where="$qt_file:$qt_line"
  if ! qt_cmd=$(qt_fill "$qt_cmd"); then
    echo "FAIL $qt_where: no earlier command printed an id for $qt_cmd"
    qt_failed=$((qt_failed + 1))
    continue
  fi
  qt_t0=$(date +%s.%N)
  eval "$qt_cmd" </dev/null >"$qt_work/out" 2>"$qt_work/err"
  qt_rc=$?
  [ -n "$qt_keep" ] && cat "$qt_work/out" "$qt_work/err" >"$qt_work/out.$qt_n"
  qt_dt=$(echo "$(date +%s.%N) - $qt_t0" | bc)
  if [ "$qt_rc" -ne 0 ] || grep -qiE '^(qiantang: )?error' "$qt_work/out" "$qt_work/err"; then
    printf 'FAIL %s (exit %d, %.1f s): %s\n' "$qt_where" "$qt_rc" "$qt_dt" "$qt_cmd"
    sed 's/^/    | /' "$qt_work/out" "$qt_work/err" | head -40
    qt_failed=$((qt_failed + 1))
  else
    printf 'ok   %s (%.1f s): %s\n' "$qt_where" "$qt_dt" "$qt_cmd"
  fi
  # The ids this command printed, the first of each prefix.
  declare -A qt_seen=()
  while read -r qt_id; do
    qt_p=${qt_id%%_*}
    [ -n "${qt_seen[$qt_p]:-}" ] && continue
    qt_seen[$qt_p]=1
    qt_ids[$qt_p]=$qt_id
  done < <(grep -ohE '\b[a-z][a-z0-9]*_[A-Za-z0-9][A-Za-z0-9_-]{6,}[A-Za-z0-9]' "$qt_work/out" "$qt_work/err")
  unset qt_seen
  # A code is printed on a line of its own (and may end with a space).
  qt_new_code=$(grep -m1 '^HZ1:' "$qt_work/out")
  [ -n "$qt_new_code" ] && qt_code=$qt_new_code
done 3<"$qt_commands"
qt_run_s=$(echo "$(date +%s.%N) - $qt_run_started" | bc)
printf 'docs_test: %d of %d commands failed; server load %.1f s, commands %.1f s (%s)\n' \
  "$qt_failed" "$qt_total" "$qt_load_s" "$qt_run_s" \
  "$(cut -f1 "$qt_commands" | uniq -c | awk '{printf "%s%s %d", sep, $2, $1; sep=", "}')"
[ "$qt_failed" -eq 0 ]
