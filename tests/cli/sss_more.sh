#!/bin/sh
# Command-line tests of the NATS-Bench size space, second part (issue 15):
#   results files record the space's protocol (nats-sss-v1...), `nastab check`
#     refuses runs of different spaces' protocols naming both;
#   `nastab latency --space sss` on a partial sss table (sampled among the cells it
#     holds), `nastab mo --restrict-to-curves` on it (protocol nats-sss-mo-v1-...);
#   arch strings of an sss table in `tables export` / `tables add-column`;
#   `nastab train --space sss` prints the widths.
# $1 = build folder (default build). Prints "N passed, N failed" last.
. tests/cli/lib.sh
FIX=tests/fixtures/nats-sss
h5attr() { # file attribute -> stdout (h5py), empty without python
    /usr/bin/python3 -c "import h5py,sys; v=h5py.File(sys.argv[1],'r').attrs[sys.argv[2]]; print(v.decode() if isinstance(v,bytes) else v)" "$1" "$2" 2>/dev/null
}

arc="$tmp/arc"; mkdir "$arc"
cp "$FIX/sss_meta.pickle.pbz2" "$arc/meta.pickle.pbz2"
cp "$FIX/sss_000000.pickle.pbz2" "$arc/000000.pickle.pbz2"
cp "$FIX/sss_000011.pickle.pbz2" "$arc/000011.pickle.pbz2"
S="$tmp/sss.h5"
check 0 "imported 2 of 32768" tables import nats-sss "$arc" -o "$S"

# ---- the protocol in results files, and check across spaces
check 0 "" run --table "$S" --dataset cifar10 --strategy random --runs 2 --restrict-to-curves -o "$tmp/r.h5"
check 0 "" run --table "$T" --dataset cifar10 --strategy random --runs 2 --budget 2000 -o "$tmp/n.h5"
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import h5py" 2>/dev/null; then
    p=$(h5attr "$tmp/r.h5" protocol); ok_if "sss run records protocol nats-sss-v1-curve-cells ($p)" test "$p" = "nats-sss-v1-curve-cells"
    p=$(h5attr "$tmp/n.h5" protocol); ok_if "nb201 run still records nb201-v1 ($p)" test "$p" = "nb201-v1"
fi
check 0 "" report "$tmp/r.h5" -o "$tmp/rep"
ok_if "report names the protocol nats-sss-v1-curve-cells" grep -q "protocol nats-sss-v1-curve-cells" "$tmp/rep/report.md"
check 2 "baseline protocol nb201-v1" check --baseline "$tmp/n.h5" --candidate "$tmp/r.h5"
ok_if "check names the candidate's protocol too" grep -q "candidate protocol nats-sss-v1-curve-cells" "$tmp/err"
check 2 "baseline protocol nats-sss-v1-curve-cells" check --baseline "$tmp/r.h5" --candidate "$tmp/n.h5"
check 0 "" check --baseline "$tmp/r.h5" --candidate "$tmp/r.h5"

# ---- arch strings of an sss table: export and add-column
check 0 "" tables export "$S" --columns cifar10/90/test_acc
ok_if "export: index 0 is 8:8:8:8:8" grep -q "^0,8:8:8:8:8," "$tmp/out"
ok_if "export: index 11 is 8:8:8:16:32 with 85.77" grep -q "^11,8:8:8:16:32,85.7" "$tmp/out"
printf 'index,arch,value\n0,8:8:8:8:8,1.5\n11,8:8:8:16:32,2.5\n' > "$tmp/c.csv"
check 0 "" tables add-column "$S" --csv "$tmp/c.csv" --name lat_csv --device other --batch 1 --dataset cifar10
printf 'index,arch,value\n11,8:8:8:16:64,2.5\n' > "$tmp/bad.csv"
check 1 "not the table's architecture at index 11 ('8:8:8:16:32')" tables add-column "$S" --csv "$tmp/bad.csv" --name lat_bad --device other --batch 1

# ---- latency --space sss: refusals, then the two held cells
check 2 "is a table of space 'sss'" latency --table "$S" --device host --space nb201
check 2 "--channels/--cells" latency --table "$S" --device host --channels 8
check 2 "is a table of space 'nb201'" latency --table "$T" --device host --space sss
check 2 "--space" latency --table "$S" --device host --space xyz
check 2 "out of range [1, 2]" latency --table "$S" --device host --space sss --sample 3
# the timings of the real runs are fake (NASTAB_TEST_TIMER, as tests/cli/latency.sh):
# a busy machine must not fail the test
NASTAB_TEST_TIMER=fake; export NASTAB_TEST_TIMER
check 0 "" latency --table "$S" --device host --space sss --sample all --csv-out "$tmp/lat.csv"
unset NASTAB_TEST_TIMER
ok_if "latency CSV: exactly the two held cells (0, 11)" test "$(cut -d, -f1 "$tmp/lat.csv" | tr '\n' ' ')" = "index 0 11 "
ok_if "latency: column added" grep -q "added hardware column host_latency_b1" "$tmp/out"
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import h5py" 2>/dev/null; then
    /usr/bin/python3 -c "import h5py,sys; v=h5py.File(sys.argv[1],'r')['hardware/host_latency_b1'].attrs['note']; print(v.decode() if isinstance(v,bytes) else v)" "$S" > "$tmp/note" 2>&1
    ok_if "the column's note: the sss network, 2 architectures held of 32768 rows" grep -q "each architecture's NATS-Bench size-space network input 3x32x32, 10 classes; sample of 2 of 2 architectures held by the table (of 32768 rows)" "$tmp/note"
fi
check 0 "" tables devices "$S"
ok_if "tables devices lists host_latency_b1" grep -q "host_latency_b1" "$tmp/out"

# ---- mo on the partial sss table
check 1 "--restrict-to-curves" mo --table "$S" --dataset cifar10 --device host_latency_b1 --strategy random --runs 2 -o "$tmp/mo.h5"
ok_if "no MO results after the refusal" test ! -e "$tmp/mo.h5"
check 0 "" mo --table "$S" --dataset cifar10 --device host_latency_b1 --strategy random,nsga2 --runs 2 --restrict-to-curves -o "$tmp/mo.h5"
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import h5py" 2>/dev/null; then
    p=$(h5attr "$tmp/mo.h5" protocol); ok_if "sss MO run records nats-sss-mo-v1-curve-cells ($p)" test "$p" = "nats-sss-mo-v1-curve-cells"
fi
check 0 "" mo-report "$tmp/mo.h5" -o "$tmp/morep"

# ---- train --space sss prints the widths
if [ -d /usr/share/datasets/fashion-mnist ]; then
    check 0 "" train --space sss --arch 8:16:32:48:64 --dataset fashion-mnist --epochs 1 \
        --train-subset 64 --eval-subset 32 --downsample 2
    ok_if "train prints the widths" grep -q "^network widths 8:16:32:48:64 (NATS-Bench size space): " "$tmp/out"
    ok_if "train prints no C= N= for sss" sh -c "! grep -q 'C=16 N=5' '$tmp/out'"
else
    echo "skip sss_more: no fashion-mnist in /usr/share/datasets (train test)"
fi
# the shipped size-space table: intact, complete (no precompute_incomplete
# attribute), its 128 sampled architectures with a valid accuracy each
S=tables/fmnist-sss.h5
ok_if "shipped sss table verifies" sh -c "'$N' tables verify '$S' | grep -q verified"
ok_if "shipped sss table is complete" sh -c "! h5dump -A '$S' | grep -q precompute_incomplete"
ok_if "shipped sss table has 128 architectures with a valid accuracy" sh -c \
    "'$N' tables export '$S' --dataset fashion-mnist --columns fashion-mnist/3/valid_acc | awk -F, 'NR > 1 && \$3 != \"\"' | wc -l | grep -qx 128"
finish
