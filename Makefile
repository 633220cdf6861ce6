# gutenpipe — the two commands: `make run` (the experiment) and `make test`;
# `make run-live` runs the experiment against a real Gutenberg mirror (needs a network).
# Every setting below can be changed on the command line: make run BOOKS=200 LATENCY=500ms

CARGO            ?= cargo
BOOKS            ?= 100
SEED             ?= 42
SCALE            ?= 1.0
LATENCY          ?= 200ms
JITTER           ?= 0.2
BANDWIDTH        ?= 4MB/s
DOWNLOAD_WORKERS ?= 16
SAVE_WORKERS     ?= 4
CPU_WORKERS      ?= $(shell nproc 2>/dev/null || echo 2)
MODES            ?= sequential,staged
RESULTS          ?= results
# make run-live: a real mirror, a small selection from Gutenberg's catalog, few connections.
LIVE_SOURCE      ?= https://gutenberg.pglaf.org
LIVE_SELECT      ?= --language en --random 10
LIVE_WORKERS     ?= 4

BIN    := target/release/gutenpipe
CORPUS := target/gutenpipe/corpus-books$(BOOKS)-seed$(SEED)-scale$(SCALE)

.PHONY: all run run-live test build corpus clean-results

all: run

build:
	$(CARGO) build --release --locked

# The synthetic corpus is generated once per (BOOKS, SEED, SCALE) and cached under target/.
$(CORPUS)/catalog.tsv: | build
	$(BIN) corpus --out $(CORPUS) --books $(BOOKS) --seed $(SEED) --size-scale $(SCALE)

corpus: build $(CORPUS)/catalog.tsv

run: build $(CORPUS)/catalog.tsv
	@rm -rf $(RESULTS)/texts
	$(BIN) run --source embedded --corpus $(CORPUS) --seed $(SEED) \
	  --mode $(MODES) --out $(RESULTS)/texts --json $(RESULTS)/report.json \
	  --latency $(LATENCY) --jitter $(JITTER) --bandwidth $(BANDWIDTH) \
	  --download-workers $(DOWNLOAD_WORKERS) --save-workers $(SAVE_WORKERS) --cpu-workers $(CPU_WORKERS)
	@echo "books saved under $(RESULTS)/texts/, full report in $(RESULTS)/report.json"

# Without a network the catalog download fails at once: gutenpipe says so and exits 3.
run-live: build
	@rm -rf $(RESULTS)/live
	$(BIN) run --source $(LIVE_SOURCE) $(LIVE_SELECT) --seed $(SEED) \
	  --mode $(MODES) --out $(RESULTS)/live/texts --json $(RESULTS)/live/report.json \
	  --download-workers $(LIVE_WORKERS) --save-workers $(SAVE_WORKERS) --cpu-workers $(CPU_WORKERS)
	@echo "books saved under $(RESULTS)/live/texts/, full report in $(RESULTS)/live/report.json"

test:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets --locked -- -D warnings
	@if [ -z "$$GUTENPIPE_REAL_CORPUS" ]; then \
	  echo "note: GUTENPIPE_REAL_CORPUS is not set: the tests on real Gutenberg files will be SKIPPED"; \
	else echo "real Gutenberg files for tests: $$GUTENPIPE_REAL_CORPUS"; fi
	$(CARGO) test --locked

clean-results:
	rm -rf $(RESULTS)
