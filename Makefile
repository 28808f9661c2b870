# nastab - one Makefile, out-of-tree build in build/.
#   make            build build/nastab
#   make run        set up (Debian packages), build the NB201 table, run the default comparison, report
#   make test       build and run every test that must pass (summary: N passed, N failed)
#   make bench      benchmarks, written to bench/results/BENCH.md with the machine described
#   make valgrind   the unit tests under valgrind memcheck
#   make gate       the statistical regression gate of every built-in strategy (CI runs it)
#   make sss-table  rebuild tables/fmnist-sss.h5 (the size-space sample, ~1 CPU-hour)
#   make fuzz       libFuzzer on the NATS-Bench pickle reader (FUZZ_SECONDS=60)
#   make probe-check / make cuda   aarch64 latency probe under qemu / CUDA inference path
#   make table-fmnist-c8   the second Fashion-MNIST table (a sample of 128 classes, ~1 CPU-hour,
#                   nice 19, resumable: rerun after an interruption; wsnas/RESULTS.md)
#   SANITIZE=address,undefined make test   sanitizer build (in build-san/)
#   WERROR=1        turn warnings into errors (CI)

CC      ?= cc
PKGS    := hdf5-serial openblas zlib lapacke
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

GIT_SHA := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
VERSION := 0.1.0

WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wno-unused-parameter
CFLAGS  ?= -O2 -g
# -ffp-contract=off: a * b + c stays two roundings with every compiler (clang
# fuses by default), so the engine's numbers do not depend on the compiler
CFLAGS  += -std=c11 -ffp-contract=off $(WARN) -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -pthread \
           -I. $(PKG_CFLAGS) -DNB_VERSION='"$(VERSION)"' -MMD -MP
LDLIBS  += $(PKG_LIBS) -lbz2 -lm -pthread -ldl
# The binary exports every library symbol so that strategy plugins
# (strategies/strat.h) resolve space_* / nb_rng_* against it at dlopen time.
EXPORT_LIB = -rdynamic -Wl,--whole-archive $(LIB) -Wl,--no-whole-archive

ifdef WERROR
CFLAGS += -Werror
endif

ifdef SANITIZE
BUILD   ?= build-san
CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
else
BUILD   ?= build
endif

MODULES  := core spaces nn tables results precompute strategies wsnas reports
LIB_SRC  := $(foreach m,$(MODULES),$(wildcard $(m)/*.c))
CLI_SRC  := $(wildcard bench/*.c)
TEST_SRC := $(wildcard tests/*.c)

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)

LIB      := $(BUILD)/libnastab.a
NASTAB   := $(BUILD)/nastab
TESTBIN  := $(BUILD)/nastab-tests

TABLE    := $(BUILD)/nb201.h5
TABLE_SRC := tables/data/nb201.csv.gz

.PHONY: all run test test-proxies unit bench valgrind clean setup table sss-table table-fmnist-c8 install gate gate-baseline probe-check cuda fuzz
all: $(NASTAB)

# Only the git sha object depends on HEAD, so a commit does not rebuild
# everything: $(BUILD)/git-sha is rewritten only when the sha changes.
$(BUILD)/core/status.o: CFLAGS += -DNB_GIT_SHA='"$(GIT_SHA)"'
$(BUILD)/core/status.o: $(BUILD)/git-sha
$(BUILD)/git-sha: FORCE
	@mkdir -p $(BUILD)
	@echo '$(GIT_SHA)' | cmp -s - $@ || echo '$(GIT_SHA)' > $@
.PHONY: FORCE
FORCE:

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(NASTAB): $(CLI_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(EXPORT_LIB) $(LDLIBS)

$(TESTBIN): $(TEST_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(TEST_OBJ) $(LIB) $(LDLIBS)

# Install the Debian packages the build and the report need (as root; a no-op when present).
setup:
	@./.ci/setup

HOST_LATENCY := tables/data/host_latency_b1.csv
# Zero-cost proxy columns computed once by `nastab tables proxies` (tables/data/PROVENANCE.md:
# command, sha, CPU time) and shipped as CSV; cifar10-valid gets cifar10's values (the same
# network: 10 classes, 3x32x32; its columns' note attribute says so).
ZC_CIFAR10 := tables/data/nb201-zc-cifar10.csv.gz
ZC_CIFAR100 := tables/data/nb201-zc-cifar100.csv.gz
ZC_IMAGENET := tables/data/nb201-zc-ImageNet16-120.csv.gz
$(TABLE): $(NASTAB) $(TABLE_SRC) $(HOST_LATENCY) $(ZC_CIFAR10) $(ZC_CIFAR100) $(ZC_IMAGENET)
	$(NASTAB) tables import nb201 --source tables/data -o $@.part
	$(NASTAB) --quiet tables add-column $@.part --csv $(HOST_LATENCY) --name host_latency_b1 \
	    --device host --batch 1 --dataset cifar10 --source measured \
	    --note "nastab latency on the project's build machine, 100 cells, seed 0; see tables/data/PROVENANCE.md"
	$(NASTAB) tables proxies $@.part --dataset cifar10 --from-csv $(ZC_CIFAR10)
	$(NASTAB) tables proxies $@.part --dataset cifar10-valid --from-csv $(ZC_CIFAR10)
	$(NASTAB) tables proxies $@.part --dataset cifar100 --from-csv $(ZC_CIFAR100)
	$(NASTAB) tables proxies $@.part --dataset ImageNet16-120 --from-csv $(ZC_IMAGENET)
	mv $@.part $@

table: $(TABLE)

# The shipped table of the NATS-Bench size space on Fashion-MNIST (README "The
# NATS-Bench size space (sss)"): 128 architectures of the seeded sample at preset
# sss-fmnist, one engine thread under nice, about an hour of one core. Resumable:
# rerun after an interruption (journal $(BUILD)/sss-table/fmnist-sss.h5.journal).
# Prints the seed agreement (also stored in the table's seed_agreement attribute).
SSS_TABLE := tables/fmnist-sss.h5
SSS_SAMPLE := 128
sss-table: $(NASTAB)
	@mkdir -p $(BUILD)/sss-table
	nice -n 19 $(NASTAB) tables build --space sss --dataset fashion-mnist --preset sss-fmnist \
	    --sample $(SSS_SAMPLE) -o $(BUILD)/sss-table/fmnist-sss.h5
	$(NASTAB) tables correlate $(BUILD)/sss-table/fmnist-sss.h5 fashion-mnist \
	    $(BUILD)/sss-table/fmnist-sss.h5 fashion-mnist --metric-a valid_acc --metric-b valid_acc \
	    --seed-a 777 --seed-b 888
	cp $(BUILD)/sss-table/fmnist-sss.h5 $(SSS_TABLE).part && mv $(SSS_TABLE).part $(SSS_TABLE)

# A sample of 128 of the 6462 classes at preset fmnist-c8 (cells stored in
# fmnist.h5's order), ~25 CPU-s each; the journal tables/fmnist-c8.h5.journal
# makes it resumable.
table-fmnist-c8: $(NASTAB)
	nice -n 19 $(NASTAB) tables build --dataset fashion-mnist --preset fmnist-c8 --archs 128 \
	    --like tables/fmnist.h5 -o tables/fmnist-c8.h5

run: setup
	@$(MAKE) --no-print-directory $(NASTAB) $(TABLE)
	$(NASTAB) run --table $(TABLE) --dataset cifar10-valid,cifar10,cifar100,ImageNet16-120 \
	    --strategy random,rea,reinforce,bohb,hyperband,local --runs 500 --seed 0 -o $(BUILD)/results.h5
	$(NASTAB) --quiet report $(BUILD)/results.h5 -o $(BUILD)/report
	@echo "nastab: report written to $(BUILD)/report/ (report.md, report.html, report.tex, summary.csv, ranks.md, figures as PNG/PDF/SVG)"

test: setup
	@$(MAKE) --no-print-directory $(NASTAB) $(TESTBIN) $(TABLE)
	@./tests/run.sh $(BUILD)

# Our synflow against the published scores of all 200 NB201 cells in
# tables/data/curves200.csv.gz (make test checks the first 50); ~35 CPU s.
test-proxies: $(TESTBIN) $(TABLE)
	NASTAB_ZC_CELLS=200 $(TESTBIN) --table $(TABLE) zc_synflow_ranks_nb201

unit: $(TESTBIN) $(TABLE)
	$(TESTBIN) --table $(TABLE)

bench: setup
	@$(MAKE) --no-print-directory $(NASTAB) $(TABLE)
	./bench/run-bench.sh $(BUILD)

valgrind: $(TESTBIN) $(TABLE)
	valgrind --error-exitcode=1 --leak-check=full $(TESTBIN) --table $(TABLE) --quick

# make install PREFIX=/usr/local DESTDIR=: the binary, the plugin headers
# (include/nastab/, include layout kept), libnastab.a, nastab.pc, and in
# share/nastab/ the published NB201 data (what `tables import nb201` reads
# when there is no tables/data) and the protocol documents the headers cite.
PREFIX  ?= /usr/local
INSTALL_HEADERS := core/nb.h spaces/space.h tables/tab.h results/res.h strategies/strat.h
INSTALL_DATA := $(wildcard tables/data/*.gz) tables/data/PROVENANCE.md \
                strategies/PROTOCOL.md strategies/EXEC_PROTOCOL.md
# The installed data folder, compiled in as the last place the importer looks
# (it looks beside the binary first, so a moved install still finds it).
$(BUILD)/tables/import_nb201.o: CFLAGS += -DNB_DATADIR='"$(PREFIX)/share/nastab"'
install: $(NASTAB) $(LIB)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/nastab \
	    $(addprefix $(DESTDIR)$(PREFIX)/include/nastab/,$(sort $(dir $(INSTALL_HEADERS))))
	install -m 644 $(INSTALL_DATA) $(DESTDIR)$(PREFIX)/share/nastab/
	install -m 755 $(NASTAB) $(DESTDIR)$(PREFIX)/bin/nastab
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/libnastab.a
	for h in $(INSTALL_HEADERS); do install -m 644 $$h $(DESTDIR)$(PREFIX)/include/nastab/$$h || exit 1; done
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' \
	    -e 's|@LIBS_PRIVATE@|$(PKG_LIBS) -lbz2 -lm -pthread -ldl|' nastab.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/nastab.pc

# The regression gate on every built-in strategy against the committed
# baseline (tests/fixtures/baselines, README "Regression gate"); a few minutes.
GATE_BASELINE := tests/fixtures/baselines/nb201-builtin.csv
GATE_RUN := --dataset cifar10,cifar100 --strategy random,rea,reinforce,bohb,hyperband,local,rnn,ga,ga-point,bananas,gp-bo --runs 100
gate: $(NASTAB) $(TABLE)
	$(NASTAB) --quiet run --table $(TABLE) $(GATE_RUN) --seed 1 -o $(BUILD)/gate-candidate.h5 > /dev/null
	$(NASTAB) check --baseline $(GATE_BASELINE) --candidate $(BUILD)/gate-candidate.h5

# After an intended change to a strategy or the table: rewrite the baseline, commit it.
gate-baseline: $(NASTAB) $(TABLE)
	$(NASTAB) --quiet run --table $(TABLE) $(GATE_RUN) --seed 0 -o $(BUILD)/gate-baseline.h5 > /dev/null
	$(NASTAB) check --summarize $(BUILD)/gate-baseline.h5 -o $(GATE_BASELINE)

# Cross-build the stand-alone latency probe for aarch64 and run it under
# qemu-user (needs gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user;
# skipped with a message when absent, PROBE_INSTALL=1 installs them).
probe-check: $(NASTAB) $(TABLE)
	sh bench/probe/check.sh $(BUILD)

# Optional CUDA inference path (nn/cuda): builds where nvcc exists and
# compares its logits with the CPU engine when a GPU is present.
NVCC ?= nvcc
cuda:
	NVCC=$(NVCC) sh nn/cuda/check.sh $(BUILD)/cuda

# The libFuzzer target over the NATS-Bench bz2 + pickle reader (clang), for
# FUZZ_SECONDS (default 60); the regression corpus is tests/fixtures/pickle/corpus.
fuzz:
	tests/fuzz/run.sh $(or $(FUZZ_SECONDS),60) build-fuzz

clean:
	rm -rf build build-san

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_OBJ:.o=.d)
