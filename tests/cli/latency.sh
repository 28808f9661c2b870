#!/bin/sh
# Command-line tests of measured hardware columns: `nastab latency` on a tiny
# network (seconds) and `nastab tables add-column`: every bad CSV gets an
# error naming the line and the column, refusals leave the table byte for
# byte unchanged, and good input gives a table that still verifies.
# The runs that must store values time with NASTAB_TEST_TIMER=fake (a
# deterministic "time" per network, nn/latency_sample.c), so that their
# outcome does not depend on the load of the machine; one real run accepts
# either outcome a correct nastab gives on a machine of unknown load.
# NASTAB_TEST_BUSY=K makes the first K sampled architectures' rounds
# unstable: the flagged paths (issue 11 item 3).
#   expected-exit | expected substring of stderr | command (after `nastab`)
. "$(dirname "$0")/lib.sh"

cp "$T" "$tmp/t.h5"
W="$tmp/t.h5"
TINY="--channels 4 --cells 1"

# latency: usage errors
check 0 "" latency --help
check 2 "missing --table" latency --device x
check 2 "missing --device" latency --table "$W"
check 2 "--sample" latency --table "$W" --device x --sample 0
check 2 "--batch" latency --table "$W" --device x --batch 0
check 2 "given twice" latency --table "$W" --device x --batch 1,1
check 2 "unknown 'cifar11'" latency --table "$W" --device x --dataset cifar11
check 2 "is not HxW" latency --table "$W" --device x --input 32
check 2 "--csv-only needs --csv-out" latency --table "$W" --device x --csv-only
check 1 "garbage.h5" latency --table "$tmp/garbage.h5" --device x
# latency: a real (tiny) run stores a column, or, on a machine too busy for
# any value, fails and leaves the table as it was
cp "$T" "$tmp/real.h5"
"$N" --quiet latency --table "$tmp/real.h5" --device real --sample 3 $TINY > /dev/null 2> "$tmp/err"
rc=$?
ok_if "latency, real timing: exit 0, or exit 1 saying all values were flagged (exit $rc)" \
    sh -c "[ $rc -eq 0 ] || { [ $rc -eq 1 ] && grep -q 'all 3 values of real_latency_b1 flagged noisy' \"$tmp/err\" && cmp -s \"$tmp/real.h5\" \"$T\"; }"
export NASTAB_TEST_TIMER=fake
# latency: a (tiny) run adds a verified column and the CSV
check 0 "" --quiet latency --table "$W" --device tiny --sample 3 $TINY --csv-out "$tmp/l.csv"
check 0 "" tables verify "$W"
"$N" tables devices "$W" > "$tmp/dev" 2>&1
ok_if "latency: the table lists tiny_latency_b1 (source measured)" grep -q "^tiny_latency_b1 .* measured" "$tmp/dev"
ok_if "latency: the CSV has a header and 3 rows" test "$(wc -l < "$tmp/l.csv")" -eq 4
ok_if "latency: the CSV header is index,arch,value,spread" test "$(head -1 "$tmp/l.csv")" = "index,arch,value,spread"
cp "$W" "$tmp/before.h5"
check 1 "already has hardware column 'tiny_latency_b1'" latency --table "$W" --device tiny --sample 3 $TINY
ok_if "latency: a refused run leaves the table unchanged" cmp -s "$W" "$tmp/before.h5"
check 0 "" --quiet latency --table "$W" --device tiny --sample 2 $TINY --replace --batch 1,2
check 0 "" --quiet latency --table "$W" --device tiny16 --sample 2 $TINY --dataset ImageNet16-120 --csv-out "$tmp/in16.csv" --csv-only
ok_if "latency --csv-only: the table is unchanged" sh -c "! \"$N\" tables devices \"$W\" | grep -q tiny16"
cp "$W" "$tmp/before.h5"
check 0 "" latency --table "$W" --device tiny --sample 5 --seed 9 --plan-out "$tmp/plan.csv"
ok_if "latency --plan-out: header index,arch and 5 rows, no timing" test "$(head -1 "$tmp/plan.csv")" = "index,arch" -a "$(wc -l < "$tmp/plan.csv")" -eq 6
ok_if "latency --plan-out: the table is unchanged" cmp -s "$W" "$tmp/before.h5"

# latency on a busy machine (issue 11 item 3): nothing stored is a failure
busy() { # K, then as check
    NASTAB_TEST_BUSY=$1; export NASTAB_TEST_BUSY; shift
    check "$@"
    unset NASTAB_TEST_BUSY
}
busy all 1 "all 5 values of busy_latency_b1 flagged noisy" latency --table "$W" --device busy --sample 5 $TINY --csv-out "$tmp/busy.csv"
ok_if "latency, all flagged: the message says the table is unchanged" grep -q "nothing stored, .* is unchanged and no CSV written" "$tmp/err"
ok_if "latency, all flagged: the table is unchanged" cmp -s "$W" "$tmp/before.h5"
ok_if "latency, all flagged: no CSV" test ! -e "$tmp/busy.csv"
busy all 1 "all 2 values of busy_latency_b2 flagged" latency --table "$W" --device busy --sample 2 $TINY --batch 1,2
ok_if "latency, all flagged at two batch sizes: the table is unchanged" cmp -s "$W" "$tmp/before.h5"
busy 2 0 "warning: 2 of 5 values of busy2_latency_b1 flagged noisy" latency --table "$W" --device busy2 --sample 5 $TINY
ok_if "latency, partly flagged: 3 measured, 2 flagged" grep -q "busy2_latency_b1: 3 measured, 2 flagged" "$tmp/out"
ok_if "latency, partly flagged: Kendall taus over the 3 finite pairs" grep -q "flops (NB201, this dataset) *[+-][0-9.]*  (n=3)" "$tmp/out"
ok_if "latency, partly flagged: no tau is NaN" sh -c "! grep -q '[+-]nan' \"$tmp/out\""
ok_if "latency: no round discarded by the canary, said so" grep -q "no round discarded by the canary network" "$tmp/out"
ok_if "latency: no 'the machine was busy' without discarded rounds" sh -c "! grep -q 'machine was busy' \"$tmp/out\""
busy x 1 "NASTAB_TEST_BUSY: 'x' is not an integer" latency --table "$W" --device bx --sample 2 $TINY
NASTAB_TEST_TIMER=real
check 1 "NASTAB_TEST_TIMER: 'real' is not 'fake'" latency --table "$W" --device bx --sample 2 $TINY
NASTAB_TEST_TIMER=fake

# latency: no output over the table (same file by device and inode), and
# every output whole or absent on a full disk (issue 11 items 4 and 5)
cp "$W" "$tmp/before.h5"
ln "$W" "$tmp/hard.h5"
check 1 "--plan-out: refusing to write" latency --table "$W" --device tiny --sample 5 --plan-out "$W"
check 1 "--plan-out: refusing to write" latency --table "$W" --device tiny --sample 5 --plan-out "$tmp/hard.h5"
check 1 "--plan-out: refusing to write" latency --table "$W" --device tiny --sample 5 --plan-out "$tmp/./t.h5"
check 1 "--csv-out: refusing to write" latency --table "$W" --device tiny9 --sample 2 $TINY --csv-out "$tmp/hard.h5"
ok_if "latency: refused outputs leave the table unchanged" cmp -s "$W" "$tmp/before.h5"
mkdir "$tmp/full"
sh -c "trap '' XFSZ; ulimit -f 20; exec \"$N\" latency --table \"$W\" --device tiny --sample all --plan-out \"$tmp/full/plan.csv\"" > /dev/null 2> "$tmp/err"
rc=$?
ok_if "latency --plan-out on a full disk: exit 1 (got $rc)" [ "$rc" -eq 1 ]
ok_if "latency --plan-out on a full disk: the message says why" grep -q "File too large" "$tmp/err"
ok_if "latency --plan-out on a full disk: no file, no temporary" [ -z "$(ls "$tmp/full")" ]
unset NASTAB_TEST_TIMER

# add-column: CSVs made from the latency CSV's rows (real index/arch pairs)
sed -n 2p "$tmp/l.csv" | cut -d, -f1,2 > "$tmp/r1"
sed -n 3p "$tmp/l.csv" | cut -d, -f1,2 > "$tmp/r2"
R1=$(cat "$tmp/r1"); R2=$(cat "$tmp/r2")
I1=${R1%%,*}; A2=${R2#*,}
printf 'index,arch,value,spread\n%s,1.5,0.1\n%s,2.5,\n' "$R1" "$R2" > "$tmp/good.csv"
printf 'index,arch,value_us\n%s,1500\n%s,2500us\n' "$R1" "$R2" > "$tmp/us.csv"
printf 'index,arch,value\n%s,%s,1.5\n' "$I1" "$A2" > "$tmp/mismatch.csv"
printf 'index,arch,value\n%s,1.5\n%s,abc\n' "$R1" "$R2" > "$tmp/badnum.csv"
printf 'index,arch,value,spread\n%s,1.5,-x\n' "$R1" > "$tmp/badspread.csv"
printf 'index,arch,value\n%s,3furlongs\n' "$R1" > "$tmp/badunit.csv"
printf 'index,arch,value\n%s,3mJ\n' "$R1" > "$tmp/energy.csv"
printf 'index,arch,value_kg\n%s,3\n' "$R1" > "$tmp/badhead.csv"
printf '%s,1.5\n' "$R1" > "$tmp/nohead.csv"
printf 'index,arch,value\n99999,%s,1.5\n' "$A2" > "$tmp/range.csv"
printf 'index,arch,value\n%s,1.5\n%s,2.5\n%s,1.7\n' "$R1" "$R2" "$R1" > "$tmp/dup.csv"
printf 'index,arch,value\n%s,1.5,7\n' "$R1" > "$tmp/fields.csv"
A="--device phone --batch 1"

check 0 "" tables add-column --help
check 2 "expected one table FILE" tables add-column --csv "$tmp/good.csv" --name p $A
check 2 "missing --csv" tables add-column "$W" --name p $A
check 2 "missing --name" tables add-column "$W" --csv "$tmp/good.csv" $A
check 2 "missing --batch" tables add-column "$W" --csv "$tmp/good.csv" --name p --device phone
check 2 "unknown unit 'parsecs'" tables add-column "$W" --csv "$tmp/good.csv" --name p $A --unit parsecs
check 2 "not a time unit" tables add-column "$W" --csv "$tmp/good.csv" --name p $A --unit mJ
cp "$W" "$tmp/before.h5"
check 1 "mismatch.csv:2: column 'arch'" tables add-column "$W" --csv "$tmp/mismatch.csv" --name p $A
check 1 "badnum.csv:3: column 'value': 'abc' is not" tables add-column "$W" --csv "$tmp/badnum.csv" --name p $A
check 1 "badspread.csv:2: column 'spread'" tables add-column "$W" --csv "$tmp/badspread.csv" --name p $A
check 1 "badunit.csv:2: column 'value': unknown unit 'furlongs'" tables add-column "$W" --csv "$tmp/badunit.csv" --name p $A
check 1 "energy.csv:2: column 'value': unit 'mJ' cannot be converted" tables add-column "$W" --csv "$tmp/energy.csv" --name p $A
check 1 "badhead.csv:1: column 'value_kg': unknown unit 'kg'" tables add-column "$W" --csv "$tmp/badhead.csv" --name p $A
check 1 "nohead.csv:1: expected the header" tables add-column "$W" --csv "$tmp/nohead.csv" --name p $A
check 1 "range.csv:2: column 'index'" tables add-column "$W" --csv "$tmp/range.csv" --name p $A
check 1 "fields.csv:2: expected 3 fields" tables add-column "$W" --csv "$tmp/fields.csv" --name p $A
check 1 "nothere.csv" tables add-column "$W" --csv "$tmp/nothere.csv" --name p $A
check 1 "garbage.h5" tables add-column "$tmp/garbage.h5" --csv "$tmp/good.csv" --name p $A
check 1 "hardware column 'tiny_latency_b1' exists" tables add-column "$W" --csv "$tmp/good.csv" --name tiny_latency_b1 $A
ok_if "add-column: refusals leave the table unchanged" cmp -s "$W" "$tmp/before.h5"
check 0 "" tables add-column "$W" --csv "$tmp/good.csv" --name phone_latency_b1 $A --dataset cifar10 --note "probe"
ok_if "add-column: 2 values stored" grep -q "2 values stored" "$tmp/out"
check 0 "" tables add-column "$W" --csv "$tmp/us.csv" --name phone_us $A
check 0 "" tables add-column "$W" --csv "$tmp/dup.csv" --name phone_dup $A
ok_if "add-column: a repeated index is masked" grep -q "1 values stored.*1 indices repeated" "$tmp/out"
check 0 "" tables add-column "$W" --csv "$tmp/good.csv" --name phone_latency_b1 $A --replace
check 0 "" tables verify "$W"
"$N" tables devices "$W" > "$tmp/dev" 2>&1
ok_if "add-column: the table lists phone_latency_b1" grep -q "^phone_latency_b1 " "$tmp/dev"
if command -v h5dump > /dev/null 2>&1; then
    h5dump -d /hardware/phone_us -s "$I1" -c 1 "$W" > "$tmp/d" 2>&1
    ok_if "add-column: 1500 us are stored as 1.5 ms" grep -q "1.5" "$tmp/d"
fi

finish
