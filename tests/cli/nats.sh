#!/bin/sh
# Command-line tests of the NATS-Bench archive import and of table export:
#   nastab tables import nats-tss DIR -o FILE [--strict]
#   nastab tables export FILE [--format csv|json] [--dataset D] [--columns LIST]
# $1 = build folder (default build). Prints "N passed, N failed" last.
BUILD=${1:-build}
N=${NASTAB:-$BUILD/nastab}
FIX=tests/fixtures/nats-tss
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok()  { echo "ok   nats: $1" | cut -c1-150; pass=$((pass + 1)); }
bad() { echo "FAIL nats: $1"; fail=$((fail + 1)); }

# run EXIT CMD...: runs nastab, stdout in $tmp/out, stderr in $tmp/err, checks the exit code
run() {
    want=$1; shift
    "$N" "$@" > "$tmp/out" 2> "$tmp/err"
    got=$?
    if [ "$got" -ne "$want" ]; then
        bad "nastab $* -> exit $got, want $want; stderr: $(head -c 400 "$tmp/err")"; return 1
    fi
    return 0
}
# has FILE NEEDLE LABEL
has() {
    if grep -qF -- "$2" "$1"; then ok "$3"; else bad "$3: $(basename "$1") lacks '$2': $(head -c 400 "$1")"; fi
}

# Archives: the official records 0 and 11 with a 64-architecture meta file
# (the official meta cut to its first 64 entries, tests/fixtures/nats-tss/make_small.py).
good="$tmp/good"; mkdir "$good"
cp "$FIX/meta64.pickle.pbz2" "$good/meta.pickle.pbz2"
cp "$FIX/tss_000000.pickle.pbz2" "$good/000000.pickle.pbz2"
cp "$FIX/tss_000011.pickle.pbz2" "$good/tss_000011.pickle.pbz2"   # the fixtures' naming works too
badd="$tmp/bad"; mkdir "$badd"
cp "$good"/* "$badd/"
head -c 30000 "$FIX/tss_000011.pickle.pbz2" > "$badd/000003.pickle.pbz2"         # truncated
cp "$FIX/foreign_os_system.pickle.pbz2" "$badd/000004.pickle.pbz2"               # foreign globals
cp "$FIX/tss_000011.pickle.pbz2" "$badd/000005.pickle.pbz2"                      # corrupt
head -c 200 /dev/zero | dd of="$badd/000005.pickle.pbz2" bs=1 seek=40000 conv=notrunc 2>/dev/null
cp "$FIX/tss_000000.pickle.pbz2" "$badd/000007.pickle.pbz2"                      # record of index 0

# import: a good archive
if run 0 tables import nats-tss "$good" -o "$tmp/good.h5"; then
    has "$tmp/err" "imported 2 of 64 architectures (62 files missing, 0 bad)" "import good archive"
    has "$tmp/err" "000001-000010, 000012-000063" "missing files listed as index ranges"
fi
if run 0 tables verify "$tmp/good.h5"; then ok "imported table verifies"; fi
if run 0 tables info "$tmp/good.h5"; then
    has "$tmp/out" "valid_acc[3 seeds][200 epochs]" "info shows 3 seeds x 200 epochs"
    has "$tmp/out" "hardware columns: 4" "info shows the NATS latency columns"
fi

# import: every kind of bad record is reported by file name; the rest imports
if run 0 tables import nats-tss "$badd" -o "$tmp/bad.h5"; then
    has "$tmp/err" "000003.pickle.pbz2: truncated bz2 stream" "truncated record named"
    has "$tmp/err" "000004.pickle.pbz2: pickle opcode STACK_GLOBAL" "foreign pickle named"
    has "$tmp/err" "global posix.system is not allowed" "foreign pickle: the global is named"
    has "$tmp/err" "000005.pickle.pbz2: bz2 corrupt data" "corrupt record named"
    has "$tmp/err" "000007.pickle.pbz2: holds arch_index 0, expected 7" "record of another index named"
    has "$tmp/err" "58 of 64 record files missing" "missing records counted"
    has "$tmp/err" "imported 2 of 64 architectures (58 files missing, 4 bad)" "bad archive: summary"
fi
if run 0 tables verify "$tmp/bad.h5"; then ok "table with gaps verifies"; fi

# --strict: fails at the first problem, names it, leaves an existing FILE untouched
echo "previous content" > "$tmp/strict.h5"
if run 1 tables import nats-tss "$badd" -o "$tmp/strict.h5" --strict; then
    has "$tmp/err" "000001.pickle.pbz2: record 000001 is missing (strict import)" "--strict fails naming the file"
    if [ "$(cat "$tmp/strict.h5")" = "previous content" ] && [ -z "$(ls "$tmp" | grep 'strict.h5.tmp')" ]; then
        ok "--strict failure leaves FILE untouched and no temporary"
    else bad "--strict failure changed FILE or left a temporary"; fi
fi

# usage and I/O errors
if run 2 tables import nats-tss "$good"; then has "$tmp/err" "missing -o FILE" "import without -o"; fi
if run 2 tables import nats-tss -o "$tmp/x.h5"; then has "$tmp/err" "expected the archive folder DIR" "import without DIR"; fi
if run 2 tables import nats-tss "$good" -o "$tmp/x.h5" --bogus; then has "$tmp/err" "unknown option '--bogus'" "import unknown option"; fi
if run 1 tables import nats-tss "$tmp/nowhere" -o "$tmp/x.h5"; then has "$tmp/err" "$tmp/nowhere" "import from a missing folder"; fi
mkdir "$tmp/nometa"
if run 1 tables import nats-tss "$tmp/nometa" -o "$tmp/x.h5"; then has "$tmp/err" "no meta file" "import without a meta file"; fi
if run 0 tables import nats-tss --help; then has "$tmp/out" "--strict" "import --help"; fi

# export: values checked independently with Python's pickle + numpy.float32
# ('%.9g'): seed mean of x-valid at epoch 200, seed 888 at epoch 12, cifar100
# ori-test seed 999, params, NATS latency (s) x 1000.
COLS='cifar10-valid/200/valid_acc,cifar10-valid/200/valid_acc@888:12,cifar100/200/valtest_acc@999,cifar10/params,hw/nats_latency_ImageNet16-120'
if run 0 tables export "$tmp/good.h5" --columns "$COLS"; then
    has "$tmp/out" "index,arch,$COLS" "export CSV header"
    has "$tmp/out" "0,|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|,81.982666,45.8040009,53.1100006,0.129306003,12.9765434" "export CSV row 0"
    has "$tmp/out" "11,|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|none~0|nor_conv_3x3~1|avg_pool_3x3~2|,87.9400024,53.6080017,67.3700027,0.802425981,16.465004" "export CSV row 11"
    has "$tmp/out" "1,|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|,,,,," "export CSV missing values empty"
    [ "$(wc -l < "$tmp/out")" -eq 65 ] && ok "export CSV has a header and 64 rows" || bad "export CSV has $(wc -l < "$tmp/out") lines"
fi
if run 0 tables export "$tmp/good.h5" --format json --dataset cifar10-valid; then
    has "$tmp/out" '"index": 0, "arch": "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|", "cifar10-valid/200/train_acc":' "export JSON row"
    has "$tmp/out" '"cifar10-valid/200/valid_acc": 81.982666' "export JSON value"
    has "$tmp/out" '"cifar10-valid/200/valid_acc": null' "export JSON missing is null"
    if grep -q 'cifar100/' "$tmp/out"; then bad "--dataset cifar10-valid exported other datasets"; else ok "--dataset restricts the default columns"; fi
    [ "$(head -1 "$tmp/out")" = "[" ] && [ "$(tail -1 "$tmp/out")" = "]" ] && ok "export JSON is one array" || bad "export JSON is not bracketed"
fi
if run 2 tables export "$tmp/good.h5" --columns 'cifar10-valid/200/valid_acc,bogus'; then
    has "$tmp/err" "unknown column 'bogus'; valid columns:" "export bad column"
    has "$tmp/err" "  cifar100/200/valtest_acc" "export bad column lists the valid ones"
fi
if run 2 tables export "$tmp/good.h5" --columns 'cifar10-valid/200/valid_acc@5'; then
    has "$tmp/err" "no seed 5" "export bad seed"
fi
if run 2 tables export "$tmp/good.h5" --format xml; then has "$tmp/err" "'xml' is not csv or json" "export bad format"; fi
if run 2 tables export "$tmp/good.h5" --dataset cifar11; then has "$tmp/err" "unknown dataset 'cifar11'" "export bad dataset"; fi
if run 1 tables export "$tmp/missing.h5"; then has "$tmp/err" "missing.h5" "export missing file"; fi
if run 0 tables export --help; then has "$tmp/out" "csv (default)" "export --help shows defaults"; fi

# the official 15625-entry meta file: rows are official indices
full="$tmp/full"; mkdir "$full"
cp "$FIX/tss_meta.pickle.pbz2" "$FIX/tss_000000.pickle.pbz2" "$FIX/tss_000011.pickle.pbz2" "$full/"
if run 0 --quiet tables import nats-tss "$full" -o "$tmp/full.h5"; then
    if run 0 tables query "$tmp/full.h5" --index 11 --dataset cifar100; then
        has "$tmp/out" "valtest_acc  67.5300  seeds: 777=67.2900 888=67.9300 999=67.3700" "full-meta import: record 11 at row 11"
    fi
    if run 0 tables info "$tmp/full.h5"; then has "$tmp/out" "15625 architectures" "full-meta import has 15625 rows"; fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
