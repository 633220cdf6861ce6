#!/usr/bin/env bash
# make bench-e2e: gutenpipe (streamed, 2 CPU workers) against the Python
# approach (benches/python_pipeline.py) on the same real Gutenberg books,
# served by gutenpipe's mirror on 127.0.0.1 with no latency and no
# bandwidth limit. The files of GUTENPIPE_REAL_CORPUS are copied under new
# ebook ids until they reach E2E_MB megabytes, into a temporary corpus
# folder. Each side runs E2E_RUNS times, alternating, after a `sync`; each
# reports its own wall time (from the first request to the last count,
# without starting the interpreter or the binary); the medians and their
# ratio are printed, with gutenpipe's CPU time per stage in its last run.
# One untimed run of each side comes first. The runs' files are removed at
# the end; on ext4 without a journal, making a file then passes over the
# inodes freed in the last minutes, so a second bench started within six
# minutes reads lower (docs/benchmarks.md, "Wait six minutes").
set -euo pipefail

: "${CARGO:=cargo}"
: "${PYTHON:=python3}"
: "${E2E_MB:=100}"
: "${E2E_RUNS:=9}"
: "${E2E_CPU_WORKERS:=2}"
# More options for gutenpipe's runs (e.g. --download-workers 4), split on spaces.
: "${E2E_ARGS:=}"

if [ -z "${GUTENPIPE_REAL_CORPUS:-}" ]; then
  echo "bench-e2e: GUTENPIPE_REAL_CORPUS is not set; it must name a folder of real Gutenberg files with a MANIFEST.tsv, e.g." >&2
  echo "  GUTENPIPE_REAL_CORPUS=/path/to/gutenberg-files make bench-e2e" >&2
  exit 2
fi
if [ ! -f "$GUTENPIPE_REAL_CORPUS/MANIFEST.tsv" ]; then
  echo "bench-e2e: $GUTENPIPE_REAL_CORPUS/MANIFEST.tsv not found (GUTENPIPE_REAL_CORPUS must name a folder of real Gutenberg files)" >&2
  exit 2
fi
command -v "$PYTHON" >/dev/null || { echo "bench-e2e: $PYTHON not found" >&2; exit 2; }

here="$(cd "$(dirname "$0")" && pwd)"
gutenpipe() { "$CARGO" run --release --locked --quiet --bin gutenpipe -- "$@"; }

scratch="$(mktemp -d)"
mirror_pid=""
cleanup() {
  # The mirror runs in a process group of its own (cargo and the server it
  # starts): stop the whole group.
  if [ -n "$mirror_pid" ]; then kill -- -"$mirror_pid" 2>/dev/null || true; wait "$mirror_pid" 2>/dev/null || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT

# The corpus: every file of the manifest, copied under new ids (900001 on)
# until E2E_MB megabytes; a file keeps its Gutenberg suffix (-0, -8, none).
corpus="$scratch/corpus"
mkdir -p "$corpus"
files=()
while IFS=$'\t' read -r file _; do
  [ "$file" = file ] || files+=("$file")
done < "$GUTENPIPE_REAL_CORPUS/MANIFEST.tsv"
[ "${#files[@]}" -gt 0 ] || { echo "bench-e2e: no files in $GUTENPIPE_REAL_CORPUS/MANIFEST.tsv" >&2; exit 2; }
total=0 id=900000
: > "$scratch/paths"
while [ "$total" -lt $((E2E_MB * 1000000)) ]; do
  for file in "${files[@]}"; do
    id=$((id + 1))
    case "$file" in
      *-0.txt) name="$id-0.txt"; layout="files/$id/$id-0.txt" ;;
      *-8.txt) name="$id-8.txt"; layout="files/$id/$id-8.txt" ;;
      *) name="$id.txt"; layout="files/$id/$id.txt" ;;
    esac
    cp "$GUTENPIPE_REAL_CORPUS/$file" "$corpus/$name"
    total=$((total + $(stat -c %s "$corpus/$name")))
    echo "$layout" >> "$scratch/paths"
  done
done
books=$(wc -l < "$scratch/paths")
echo "corpus: $books books, $((total / 1000000)) MB (the files of $GUTENPIPE_REAL_CORPUS under new ids)"

# The mirror, in a process group of its own, on a free port of 127.0.0.1.
setsid "$CARGO" run --release --locked --quiet --bin gutenpipe -- \
  mirror --corpus "$corpus" --addr 127.0.0.1:0 --latency 0 --jitter 0 --bandwidth 0 \
  > "$scratch/mirror.log" 2>&1 &
mirror_pid=$!
base=""
for _ in $(seq 1 600); do
  base=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$scratch/mirror.log" | head -1 || true)
  [ -n "$base" ] && break
  kill -0 "$mirror_pid" 2>/dev/null || { echo "bench-e2e: the mirror did not start:" >&2; cat "$scratch/mirror.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$base" ] || { echo "bench-e2e: the mirror printed no address" >&2; exit 1; }
sed "s|^|$base/|" "$scratch/paths" > "$scratch/urls"
echo "mirror: $base (no latency, no bandwidth limit)"
[ -z "$E2E_ARGS" ] || echo "gutenpipe's options: $E2E_ARGS"

# One untimed run of each side first: the mirror reads each file on its
# first request and then answers from memory (`gutenpipe mirror
# --cache-mb`), and the system's caches are warm for both sides alike.
sync
gutenpipe run --source "$base" --urls "$(paste -sd, "$scratch/urls")" --mode streamed \
  --stages tokenize --cpu-workers "$E2E_CPU_WORKERS" --no-sync --quiet $E2E_ARGS \
  --out "$scratch/runs/g-warm" --json "$scratch/g.json" > /dev/null
"$PYTHON" "$here/python_pipeline.py" "$scratch/urls" "$scratch/runs/p-warm" "$E2E_CPU_WORKERS" > /dev/null
echo "warm-up: one untimed run of each side"

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
: > "$scratch/g.times"; : > "$scratch/p.times"
for run in $(seq 1 "$E2E_RUNS"); do
  # Each run writes into a folder of its own, and none is removed before
  # the end: ext4 does not give the inodes of files deleted in the last
  # minute to new files, and looks through them, one by one, each time it
  # makes one. Deleting one run's 195 files before the next made every
  # later run of either side pay for that search.
  g_out="$scratch/runs/g-$run"; p_out="$scratch/runs/p-$run"
  # Each side starts with no dirty pages of the other's files to write back.
  sync
  gutenpipe run --source "$base" --urls "$(paste -sd, "$scratch/urls")" --mode streamed \
    --stages tokenize --cpu-workers "$E2E_CPU_WORKERS" --no-sync --quiet $E2E_ARGS \
    --out "$g_out" --json "$scratch/g.json" > /dev/null
  g_seconds=$("$PYTHON" -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["runs"][0]["wall_seconds"])' "$scratch/g.json")
  g_books=$("$PYTHON" -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["runs"][0]["books_ok"])' "$scratch/g.json")
  sync
  p_line=$("$PYTHON" "$here/python_pipeline.py" "$scratch/urls" "$p_out" "$E2E_CPU_WORKERS")
  p_seconds=$("$PYTHON" -c 'import json,sys; print(json.loads(sys.argv[1])["seconds"])' "$p_line")
  p_books=$("$PYTHON" -c 'import json,sys; print(json.loads(sys.argv[1])["books"])' "$p_line")
  if [ "$g_books" != "$books" ] || [ "$p_books" != "$books" ]; then
    echo "bench-e2e: the two disagree on the books: gutenpipe saved $g_books, Python $p_books, of $books" >&2
    exit 1
  fi
  echo "$g_seconds" >> "$scratch/g.times"; echo "$p_seconds" >> "$scratch/p.times"
  printf 'run %d: gutenpipe %.3f s, Python %.3f s (%d books each)\n' "$run" "$g_seconds" "$p_seconds" "$books"
done
echo "gutenpipe's last run, wall/CPU seconds per stage:"
"$PYTHON" -c 'import json,sys
r = json.load(open(sys.argv[1]))["runs"][0]
print("  " + ", ".join("%s %.3f/%.3f" % (s["name"], s["wall_seconds"], s["cpu_seconds"]) for s in r["stages"]))' "$scratch/g.json"
range() { sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%.3f-%.3f", lo, hi}'; }
echo "range of the runs: gutenpipe $(range < "$scratch/g.times") s, Python $(range < "$scratch/p.times") s"
g=$(median < "$scratch/g.times"); p=$(median < "$scratch/p.times")
printf 'median of %d runs: gutenpipe streamed %.3f s, Python %.3f s: gutenpipe is %.1fx faster\n' \
  "$E2E_RUNS" "$g" "$p" "$(awk -v p="$p" -v g="$g" 'BEGIN {print p / g}')"
echo "(removing the runs' files: a bench started within six minutes of this may read lower; see docs/benchmarks.md)"
