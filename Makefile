# gutenpipe — the two commands: `make run` (the experiment) and `make test`;
# `make run-live` runs the experiment against a real Gutenberg mirror (needs a network).
# Every setting below can be changed on the command line: make run BOOKS=200 LATENCY=500ms
# The corpus, latency, pool and stage settings default to gutenpipe's own defaults
# (src/experiment/defaults.rs; a test checks that they agree).

CARGO            ?= cargo
BOOKS            ?= 60
SEED             ?= 42
SCALE            ?= 1.0
LATENCY          ?= 100ms
JITTER           ?= 0.2
BANDWIDTH        ?= 8MB/s
DOWNLOAD_WORKERS ?= 16
SAVE_WORKERS     ?= 4
CPU_WORKERS      ?= $(shell nproc 2>/dev/null || echo 2)
MODES            ?= sequential,staged,streamed
# The processing stages: clean and tokenize (the default), and stats, whose
# sentence segmentation is the heavy CPU-bound work that shows the cores at work.
STAGES           ?= clean,tokenize,stats
RUNS             ?= 3
WARMUP           ?= 0
IN_FLIGHT        ?= 32
SWEEP_DOWNLOAD   ?= 1,2,4,8,16,32,64
SWEEP_CPU        ?= 1,2,4
RESULTS          ?= results
# make run-live: a real mirror, a small selection from Gutenberg's catalog, few connections.
# The default mirror serves the main collection's numbered tree (1/0/2/3/10234/10234-0.txt),
# which gutenpipe recognises at its first book and then keeps to. LIVE_SOURCE may
# also be a local copy: LIVE_SOURCE=/data/gutenberg (see the README for an rsync command).
LIVE_SOURCE      ?= https://gutenberg.pglaf.org
LIVE_SELECT      ?= --language en --random 10
LIVE_WORKERS     ?= 4
LIVE_MODES       ?= sequential,staged

# The binary Cargo has just built, wherever it put it (CARGO_TARGET_DIR or a
# Cargo config may move the target folder): `cargo run` never runs a stale copy.
GUTENPIPE := $(CARGO) run --release --locked --quiet --bin gutenpipe --
# The synthetic corpus: generated once per (BOOKS, SEED, SCALE) into
# gutenpipe's cache folder ($GUTENPIPE_CACHE, else ~/.cache/gutenpipe).
SHAPE     := --books $(BOOKS) --seed $(SEED) --size-scale $(SCALE)

.PHONY: all run run-live test build corpus clean-results pictures scale

all: run

build:
	$(CARGO) build --release --locked

corpus: build
	$(GUTENPIPE) books $(SHAPE) --format ids --quiet > /dev/null

run: build
	@rm -rf $(RESULTS)/texts
	$(GUTENPIPE) run --source embedded $(SHAPE) \
	  --mode $(MODES) --stages $(STAGES) --runs $(RUNS) --warmup $(WARMUP) --in-flight $(IN_FLIGHT) \
	  --out $(RESULTS)/texts --json $(RESULTS)/report.json \
	  --trace $(RESULTS)/trace.json --timeline $(RESULTS)/timeline.svg \
	  --latency $(LATENCY) --jitter $(JITTER) --bandwidth $(BANDWIDTH) \
	  --download-workers $(DOWNLOAD_WORKERS) --save-workers $(SAVE_WORKERS) --cpu-workers $(CPU_WORKERS)
	$(GUTENPIPE) sweep $(SHAPE) \
	  --download-workers $(SWEEP_DOWNLOAD) --cpu-workers $(SWEEP_CPU) --save-workers $(SAVE_WORKERS) --stages $(STAGES) \
	  --latency $(LATENCY) --jitter $(JITTER) --bandwidth $(BANDWIDTH) \
	  --json $(RESULTS)/sweep.json --svg $(RESULTS)/sweep.svg
	@echo
	@echo "books saved under $(RESULTS)/texts/<mode>/run-<k>/"
	@echo "full report:  $(RESULTS)/report.json"
	@echo "timelines:    $(RESULTS)/timeline-<mode>.svg (open in a browser)"
	@echo "trace:        $(RESULTS)/trace.json (open in https://ui.perfetto.dev or chrome://tracing)"
	@echo "sweep:        $(RESULTS)/sweep.svg and $(RESULTS)/sweep.json"

# The example pictures in docs/ (shown in the README and docs/experiment.md): a small corpus, so the
# files stay small. Regenerate after changing the pictures' code.
DOCS_SHAPE := --books 24 --seed 7
pictures: build
	@rm -rf $(RESULTS)/pictures
	$(GUTENPIPE) run $(DOCS_SHAPE) --mode staged,streamed --stages $(STAGES) --in-flight 8 --no-sync --quiet \
	  --latency 100ms --bandwidth 8MB/s --download-workers 8 --save-workers 2 --cpu-workers 2 \
	  --out $(RESULTS)/pictures/texts --timeline docs/timeline.svg > /dev/null
	$(GUTENPIPE) sweep $(DOCS_SHAPE) --quiet --runs 2 --stages $(STAGES) --download-workers 1,2,4,8,16,32 --cpu-workers 1,2,4 \
	  --latency 100ms --bandwidth 8MB/s --json $(RESULTS)/pictures/sweep.json --svg docs/sweep.svg > /dev/null
	@rm -rf $(RESULTS)/pictures
	@ls -l docs/*.svg

# gutenpipe at scale: 1,000 to 75,000 synthetic books (--size-scale 0.02) in staged
# and streamed mode, and 10,000 books at full size, each run a process of its own,
# repeated (SCALE_RUNS times); the medians of wall time, cost per book and peak
# resident memory (from each run's JSON report) go into docs/scale.md with the
# machine and its load, and the catalog's selection times beside them. The corpora
# are generated once into gutenpipe's cache folder (about 6 GB for all of them).
# Takes about 10 minutes with SCALE_RUNS=3; run it when the machine is quiet.
SCALE_RUNS ?= 3
scale:
	$(CARGO) bench --locked --bench scale -- --runs $(SCALE_RUNS)

# Without a network the catalog download fails at once: gutenpipe says so and exits 3.
run-live: build
	@rm -rf $(RESULTS)/live
	$(GUTENPIPE) run --source $(LIVE_SOURCE) $(LIVE_SELECT) --seed $(SEED) \
	  --mode $(LIVE_MODES) --out $(RESULTS)/live/texts --json $(RESULTS)/live/report.json \
	  --download-workers $(LIVE_WORKERS) --save-workers $(SAVE_WORKERS) --cpu-workers $(CPU_WORKERS)
	@echo "books saved under $(RESULTS)/live/texts/, full report in $(RESULTS)/live/report.json"

test:
	$(CARGO) fmt --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps --locked --quiet
	@# The tests on real Gutenberg files are ignored unless the files are there.
	@if [ -z "$$GUTENPIPE_REAL_CORPUS" ]; then \
	  echo "note: GUTENPIPE_REAL_CORPUS is not set: the tests on real Gutenberg files are ignored"; \
	  $(CARGO) test --workspace --locked; \
	else \
	  echo "real Gutenberg files for tests: $$GUTENPIPE_REAL_CORPUS"; \
	  $(CARGO) test --workspace --locked -- --include-ignored; \
	fi

# Tokenizer benchmarks (criterion): the unicode_words baseline beside gutenpipe's
# tokenizer, in MB/s, on the synthetic corpus and on GUTENPIPE_REAL_CORPUS when set.
# Results and how to read them: docs/benchmarks.md.
# Decode benchmarks (benches/decode.rs): encoding_rs beside gutenpipe's decode.
.PHONY: bench
bench:
	$(CARGO) bench --locked --bench tokenize
	$(CARGO) bench --locked --bench decode

# End to end: gutenpipe streamed on 2 CPU workers against the Python approach
# (benches/python_pipeline.py) on the real Gutenberg files of
# GUTENPIPE_REAL_CORPUS copied to about E2E_MB megabytes, served by
# gutenpipe's mirror with no latency; prints the median times and their ratio.
E2E_MB   ?= 100
E2E_RUNS ?= 9
# More options for gutenpipe's side, e.g. E2E_ARGS="--download-workers 4".
E2E_ARGS ?=
.PHONY: bench-e2e
bench-e2e: build
	CARGO="$(CARGO)" E2E_MB=$(E2E_MB) E2E_RUNS=$(E2E_RUNS) E2E_ARGS="$(E2E_ARGS)" bash benches/e2e.sh

clean-results:
	rm -rf $(RESULTS)
