#!/usr/bin/env bash
# Set-up time: a fresh clone of this repository's HEAD, `make lab` started as a user would, timed until JupyterLab's
# URL line appears, then stopped with SIGINT (Ctrl-C). The clone's `git status` must then be empty.
#
#   bench/setup_time.sh LABEL [VAR=value ...]     e.g.
#   bench/setup_time.sh cold-uv UV_CACHE_DIR="$(mktemp -d)" PIP_NO_CACHE_DIR=1
#   bench/setup_time.sh warm-uv
#   bench/setup_time.sh pip INSTALLER=pip
#
# The sandbox state and Jupyter runtime files go to folders beside the clone (not your user data folder); everything
# is removed at the end. Prints one line: the time to the URL, when the install and git-filter steps ended, the load.
set -u
label=${1:?usage: bench/setup_time.sh LABEL [VAR=value ...]}
shift
repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
dir=$(mktemp -d /tmp/setup-time-XXXX)
git clone -q "$repo" "$dir/clone"
cd "$dir/clone"
export XDG_DATA_HOME="$dir/data" JUPYTER_RUNTIME_DIR="$dir/runtime"
for assignment in "$@"; do export "${assignment?}"; done
out="$dir/make-lab.out"
: > "$out"
load=$(cut -d' ' -f1 /proc/loadavg)
now() { date +%s.%N; }
start=$(now)
setsid make lab > "$out" 2>&1 &
pid=$!
marks=""
until grep -q 'token=' "$out"; do
  sleep 0.1
  kill -0 "$pid" 2>/dev/null || { echo "$label: make lab stopped early:"; cat "$out"; rm -rf "$dir"; exit 1; }
  for mark in "install: done" "git-filter:"; do
    case "$marks" in
      *"$mark"*) ;;
      *) grep -q "$mark" "$out" && marks="$marks, $mark at $(printf '%.1f' "$(echo "$(now) - $start" | bc)") s" ;;
    esac
  done
done
elapsed=$(printf '%.1f' "$(echo "$(now) - $start" | bc)")
kill -INT -- "-$pid"
wait "$pid"
echo "$label: $elapsed s to the URL$marks (load average before: $load; $(grep -E '^install: (uv|with)' "$out"))"
dirty=$(git status --porcelain)
[ -z "$dirty" ] || echo "$label: the clone is dirty: $dirty"
cd / && rm -rf "$dir"
