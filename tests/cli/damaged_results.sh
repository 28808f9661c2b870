#!/bin/sh
# Command-line tests of damaged results files (issue 11 item 7, results
# part): one bit flipped at every Nth byte of a small results file (N chosen
# so that 24 flips are tried) and at every 11th byte of its first 352 bytes
# of global heap (where format version 1 kept its variable-length strings:
# a flipped bit there crashed H5HG_read or hung the reader), then `nastab
# report` and `nastab check --summarize` on it, under a 20 s timeout. Neither
# may crash or hang: each must exit 1 with
# a message naming the file, or exit 0 when the flipped bit lies in raw
# data (a dataset's stored bytes, which no metadata checksum covers) or in
# bytes the file does not use; those cases are counted and printed. The raw
# data byte ranges come from h5py (/usr/bin/python3) when it is there;
# without it every exit 0 is only counted.
. "$(dirname "$0")/lib.sh"

R="$tmp/r.h5"
"$N" --quiet run --table "$T" --dataset cifar10 --strategy random,rea --runs 2 --seed 1 -o "$R" > /dev/null 2>&1
ok_if "a small results file to damage" test -s "$R"
"$N" report "$R" --format csv > "$tmp/want.csv" 2> /dev/null
ok_if "report reads the undamaged file" test -s "$tmp/want.csv"

# raw data byte ranges "start end" (end exclusive), one per line
: > "$tmp/raw"
if /usr/bin/python3 -c "import h5py" 2> /dev/null; then
    /usr/bin/python3 - "$R" > "$tmp/raw" <<'PY'
import h5py, sys
def visit(name, d):
    if not isinstance(d, h5py.Dataset):
        return
    if d.chunks is None:
        off = d.id.get_offset()
        if off is not None:
            print(off, off + d.id.get_storage_size())
    else:
        for i in range(d.id.get_num_chunks()):
            c = d.id.get_chunk_info(i)
            print(c.byte_offset, c.byte_offset + c.size)
with h5py.File(sys.argv[1], "r") as f:
    f.visititems(visit)
PY
fi
in_raw() { # offset: 0 when it lies in a raw data range
    awk -v o="$1" '$1 <= o && o < $2 { f = 1 } END { exit !f }' "$tmp/raw"
}

size=$(wc -c < "$R")
step=$((size / 24 + 1))
gcol=$(grep -obaE "GCOL" "$R" | head -1 | cut -d: -f1)
offsets="$(seq 0 "$step" "$((size - 1))") $(seq "${gcol:-2048}" 11 "$((${gcol:-2048} + 351))")"
i=0; bad=0; detected=0; raw_ok=0; unused_ok=0
for o in $offsets; do
    [ "$o" -lt "$size" ] || continue
    cp "$R" "$tmp/d.h5"
    b=$(od -An -tu1 -j "$o" -N1 "$R" | tr -d ' ')
    nb=$((b ^ (1 << (i % 8))))
    # shellcheck disable=SC2059
    printf "\\$(printf %o "$nb")" | dd of="$tmp/d.h5" bs=1 seek="$o" conv=notrunc 2> /dev/null
    timeout 20 "$N" report "$tmp/d.h5" --format csv > "$tmp/got.csv" 2> "$tmp/err.report"
    rc_report=$?
    same=0
    [ "$rc_report" -eq 0 ] && cmp -s "$tmp/got.csv" "$tmp/want.csv" && same=1
    for cmd in report check; do
        if [ "$cmd" = report ]; then
            rc=$rc_report
            cp "$tmp/err.report" "$tmp/err"
        else
            timeout 20 "$N" check --summarize "$tmp/d.h5" -o "$tmp/sum.csv" > /dev/null 2> "$tmp/err"
            rc=$?
        fi
        if [ "$rc" -eq 1 ] && grep -q "d.h5" "$tmp/err"; then
            detected=$((detected + 1))
        elif [ "$rc" -eq 0 ] && [ -s "$tmp/raw" ] && in_raw "$o"; then
            raw_ok=$((raw_ok + 1))
        elif [ "$rc" -eq 0 ] && [ "$same" -eq 1 ]; then
            unused_ok=$((unused_ok + 1)) # the report is unchanged: a byte the reader never uses
        else
            bad=$((bad + 1))
            echo "FAIL cli: bit $((i % 8)) of byte $o flipped: nastab $cmd exit $rc: $(head -c 200 "$tmp/err")"
        fi
    done
    i=$((i + 1))
done
echo "     flipped $i bytes of $size (every ${step}th, and every 11th from ${gcol:-2048}): $detected runs refused the file," \
    "$raw_ok read it (the bit in raw data), $unused_ok read it with an unchanged report (an unused byte)"
ok_if "damaged results files: no crash, no unexplained success ($bad bad of $((2 * i)) runs)" [ "$bad" -eq 0 ]

finish
