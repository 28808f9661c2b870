#!/bin/sh
# Command-line tests of measured hardware columns: `nastab latency` on a tiny
# network (seconds) and `nastab tables add-column`: every bad CSV gets an
# error naming the line and the column, refusals leave the table byte for
# byte unchanged, and good input gives a table that still verifies.
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
# latency: a real (tiny) run adds a verified column and the CSV
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
