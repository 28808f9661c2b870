#!/bin/sh
# tests/fuzz/run.sh - build the libFuzzer target tests/fuzz/fuzz_pickle.c
# (bz2 + pickle + NATS record reader) with clang's fuzzer, address and
# undefined-behaviour sanitizers, then run it.
#
# Usage (from the repository root): tests/fuzz/run.sh [SECONDS] [BUILD_DIR]
#   SECONDS    how long to fuzz (default 60); 0 only builds and replays the corpus
#   BUILD_DIR  where the binary and the growing corpus go (default build-fuzz)
# The seed corpus is tests/fixtures/pickle/corpus (replayed by the unit test
# pickle_corpus_replay) plus the pickles beside it. A crash leaves
# BUILD_DIR/crash-* : copy it into tests/fixtures/pickle/corpus/ once fixed.
set -eu
SECONDS_TO_RUN=${1:-60}
B=${2:-build-fuzz}
CC=${FUZZ_CC:-clang}
mkdir -p "$B/corpus"
SRC="tests/fuzz/fuzz_pickle.c tables/pickle.c tables/nats.c core/alloc.c core/status.c \
     core/parse.c core/log.c core/rng.c"
# shellcheck disable=SC2086
$CC -std=c11 -O1 -g -I. -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -pthread \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
    $SRC -o "$B/fuzz_pickle" -lbz2 -lm
SEEDS="tests/fixtures/pickle/corpus"
cp tests/fixtures/pickle/values_p*.pickle "$B/corpus/" 2>/dev/null || true
if [ "$SECONDS_TO_RUN" -eq 0 ]; then
    "$B/fuzz_pickle" -runs=0 "$SEEDS" "$B/corpus"
    exit 0
fi
# -max_len: the seeds are under 4 KB; -rss_limit_mb bounds a pathological input.
"$B/fuzz_pickle" -max_total_time="$SECONDS_TO_RUN" -max_len=8192 -rss_limit_mb=1024 \
    -timeout=10 -print_final_stats=1 -artifact_prefix="$B/" "$B/corpus" "$SEEDS"
