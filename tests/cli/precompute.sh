#!/bin/sh
# Full-training mode end to end (precompute/pc.h): a tiny precompute (a
# handful of classes, a few hundred Fashion-MNIST images, one epoch) round-trips
# through the store, validates against a live retrain, runs a strategy and a
# report; an interrupted build (kill -9 after the first record, then rerun), a
# journal with a torn last record, two shards merged and `mpirun -np 2` all
# give the same file, bit for bit, as an uninterrupted build.
# Usage: tests/cli/precompute.sh BUILD_DIR   (prints "N passed, N failed" last)
BUILD=${1:-build}
N="$BUILD/nastab"
DATA=${FMNIST_DIR:-/usr/share/datasets/fashion-mnist}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# the tables writer takes its "created" attribute from SOURCE_DATE_EPOCH
export SOURCE_DATE_EPOCH=0
pass=0; fail=0; skip=0
ok() { echo "ok   precompute: $1"; pass=$((pass + 1)); }
ko() { echo "FAIL precompute: $1"; fail=$((fail + 1)); }
sk() { echo "skip precompute: $1"; skip=$((skip + 1)); }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }

if [ ! -f "$DATA/train-images-idx3-ubyte.gz" ]; then
    sk "no Fashion-MNIST in $DATA"
    finish
fi
if ! "$N" tables build --help > /dev/null 2>&1; then
    sk "'nastab tables build' is not wired into bench/cmd_tables.c yet"
    finish
fi
B="tables build --dataset fashion-mnist --preset tiny --archs 12 --data-dir $DATA"

# 1. uninterrupted build
if $N $B -o "$tmp/a.h5" > "$tmp/a.log" 2>&1 && grep -q "12 classes" "$tmp/a.log" && [ -f "$tmp/a.h5" ]; then
    ok "build tiny (12 classes)"
else
    ko "build tiny: $(tail -3 "$tmp/a.log")"; finish
fi

# 2. the store reads it back: schema, dataset, fidelity, seed axis, checksum
$N tables info "$tmp/a.h5" > "$tmp/info" 2>&1
if grep -q "15625 architectures" "$tmp/info" && grep -q "fashion-mnist" "$tmp/info" &&
   grep -q "1 epochs:.*valid_acc\[1 seeds\]" "$tmp/info" && $N tables verify "$tmp/a.h5" > /dev/null 2>&1; then
    ok "round trip: info + verify"
else
    ko "round trip: $(cat "$tmp/info")"
fi

# 3. a live retrain of 3 classes gives the table's values exactly
$N tables validate "$tmp/a.h5" --sample 3 --data-dir "$DATA" > "$tmp/val" 2>&1
if grep -q "valid_acc s777 .*identical 3/3" "$tmp/val" && grep -q "test_acc s777 .*identical 3/3" "$tmp/val"; then
    ok "validate: live retrain identical"
else
    ko "validate: $(cat "$tmp/val")"
fi

# 3b. the shipped table (tables/fmnist.h5) is reproducible from its recorded
# preset: two of its cells retrained give its values, bit for bit, where the
# OpenBLAS kernel is the one it was built with (the direct convolutions give
# the same bits on any CPU; OpenBLAS does the stride-2 convs and the classifier)
SHIPPED=${SHIPPED:-tables/fmnist.h5}
if [ -f "$SHIPPED" ]; then
    $N tables validate "$SHIPPED" --sample 2 --seed 7 --data-dir "$DATA" > "$tmp/sval" 2>&1
    kb=$(sed -n 's/^built on: .*OpenBLAS \([A-Za-z0-9_]*\).*/\1/p' "$tmp/sval")
    kh=$(sed -n 's/^here: OpenBLAS \([A-Za-z0-9_]*\),.*/\1/p' "$tmp/sval")
    nid=$(grep -c "identical 2/2" "$tmp/sval")
    if [ -n "$kb" ] && [ "$kb" = "$kh" ]; then
        if [ "$nid" -eq 4 ]; then ok "shipped table: 2 retrained cells identical (OpenBLAS $kh)"
        else ko "shipped table not reproduced: $(cat "$tmp/sval")"; fi
    elif grep -q "test_acc s888 .*mean" "$tmp/sval"; then
        sk "shipped table: built with OpenBLAS '$kb', here '$kh': values not expected to be identical"
    else
        ko "shipped table validate: $(cat "$tmp/sval")"
    fi
else
    sk "no $SHIPPED"
fi

# 4. a strategy and a report run on it unchanged
if $N run --table "$tmp/a.h5" --dataset fashion-mnist --strategy random,rea --runs 10 --threads 1 \
        -o "$tmp/res.h5" > "$tmp/run" 2>&1 &&
   $N report "$tmp/res.h5" --format md > "$tmp/rep" 2>&1 && grep -q "| rea |" "$tmp/rep"; then
    ok "nastab run + report on the built table"
else
    ko "run/report: $(tail -3 "$tmp/run") $(tail -3 "$tmp/rep")"
fi

# 5. kill -9 after the first record, then rerun: same file
J="$tmp/b.h5.journal"
$N $B -o "$tmp/b.h5" > "$tmp/b1.log" 2>&1 &
pid=$!
i=0
# header 184 bytes + one record of 40 bytes (tiny: 1 seed x 1 epoch)
while [ "$(stat -c %s "$J" 2>/dev/null || echo 0)" -lt 224 ] && [ $i -lt 1500 ]; do
    sleep 0.02; i=$((i + 1))
done
kill -9 $pid 2> /dev/null
wait $pid 2> /dev/null
had=$(( ($(stat -c %s "$J" 2>/dev/null || echo 0) - 184) / 40 ))
if [ -f "$tmp/b.h5" ]; then
    ko "kill -9: the table was written before the kill (the build was too fast to interrupt)"
elif $N $B -o "$tmp/b.h5" > "$tmp/b2.log" 2>&1 && cmp -s "$tmp/a.h5" "$tmp/b.h5"; then
    ok "kill -9 after $had record(s), rerun: same file ($(grep -o '[0-9]* in the journal' "$tmp/b2.log"))"
else
    ko "kill -9 + rerun: $(tail -2 "$tmp/b2.log"); cmp: $(cmp "$tmp/a.h5" "$tmp/b.h5" 2>&1)"
fi

# 6. a torn last record (half a record appended) is dropped, same file
cp "$tmp/a.h5.journal" "$tmp/c.h5.journal"
head -c 100 "$tmp/a.h5.journal" | tail -c 20 >> "$tmp/c.h5.journal"
if $N $B -o "$tmp/c.h5" > "$tmp/c.log" 2>&1 && grep -q "dropped a torn last record" "$tmp/c.log" &&
   cmp -s "$tmp/a.h5" "$tmp/c.h5"; then
    ok "torn last record dropped, same file"
else
    ko "torn record: $(tail -3 "$tmp/c.log")"
fi

# 7. a journal of other arguments is refused, naming the field
if ! $N tables build --dataset fashion-mnist --preset tiny --archs 11 --data-dir "$DATA" -o "$tmp/a.h5" \
        > /dev/null 2> "$tmp/err" && grep -q "journal --archs 12, expected 11" "$tmp/err"; then
    ok "mismatched journal refused"
else
    ko "mismatched journal: $(cat "$tmp/err")"
fi

# 8. two shards merged: same file; an incomplete set is refused
$N $B -o "$tmp/s.h5" --shard 0/2 > /dev/null 2>&1
$N $B -o "$tmp/s.h5" --shard 1/2 > /dev/null 2>&1
if $N tables merge "$tmp/m.h5" "$tmp/s.h5.shard-1-of-2.journal" "$tmp/s.h5.shard-0-of-2.journal" \
        > /dev/null 2>&1 && cmp -s "$tmp/a.h5" "$tmp/m.h5"; then
    ok "shards 0/2 + 1/2 merged: same file"
else
    ko "shard merge differs or failed"
fi
if ! $N tables merge "$tmp/m2.h5" "$tmp/s.h5.shard-0-of-2.journal" > /dev/null 2> "$tmp/err" &&
   grep -q "shard 1/2 is incomplete: 0 of 6 classes" "$tmp/err"; then
    ok "merge of an incomplete shard set refused"
else
    ko "incomplete merge: $(cat "$tmp/err")"
fi

# 9. mpirun -np 2: rank 0 writes the same file
if command -v mpirun > /dev/null 2>&1; then
    root=""
    [ "$(id -u)" -eq 0 ] && root="--allow-run-as-root"
    if mpirun -np 2 --oversubscribe $root $N $B -o "$tmp/p.h5" > "$tmp/p.log" 2>&1 &&
       cmp -s "$tmp/a.h5" "$tmp/p.h5"; then
        ok "mpirun -np 2: same file"
    else
        ko "mpirun -np 2: $(tail -3 "$tmp/p.log")"
    fi
else
    sk "mpirun not installed (apt-get install openmpi-bin)"
fi
finish
