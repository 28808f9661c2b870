#!/bin/sh
# Command-line tests of the NATS-Bench size space (issue 15 items 3-5):
#   nastab tables import nats-sss DIR -o FILE [--strict]   (the official fixtures)
#   nastab run on an sss table (the nats-sss protocol; partial tables refuse
#     unless --restrict-to-curves), nastab report / check on its results
#   nastab tables build --space sss --preset sss-tiny --sample K: the same file twice,
#     and the same checksum with --threads 2 and with two shards merged
# The expected values of the fixtures are regenerated with Python's pickle when
# /usr/bin/python3 exists, and must equal the committed ones.
# $1 = build folder (default build). Prints "N passed, N failed" last.
. tests/cli/lib.sh
FIX=tests/fixtures/nats-sss
ok()  { echo "ok   sss: $1" | cut -c1-150; pass=$((pass + 1)); }
bad() { echo "FAIL sss: $1"; fail=$((fail + 1)); }

# ---- the fixtures' expected values are Python's reading
if [ -x /usr/bin/python3 ]; then
    mkdir "$tmp/exp"
    if /usr/bin/python3 "$FIX/make_expected.py" "$tmp/exp" 2> "$tmp/py.err"; then
        same=1
        for f in sss_000000.expected.csv.bz2 sss_000011.expected.csv.bz2; do
            bzcat "$tmp/exp/$f" > "$tmp/a"; bzcat "$FIX/$f" > "$tmp/b"
            cmp -s "$tmp/a" "$tmp/b" || same=0
        done
        cmp -s "$tmp/exp/sss_meta.expected.csv" "$FIX/sss_meta.expected.csv" || same=0
        if [ $same = 1 ]; then ok "Python's pickle reads what the committed expected files say"
        else bad "expected files differ from Python's reading (rerun $FIX/make_expected.py)"; fi
    else
        bad "make_expected.py failed: $(head -c 300 "$tmp/py.err")"
    fi
else
    echo "skip sss: no /usr/bin/python3 (the unit tests use the committed expected files)"
fi

# ---- import: the official layout (meta.pickle.pbz2 + %06d.pickle.pbz2) and sss_ names
arc="$tmp/arc"; mkdir "$arc"
cp "$FIX/sss_meta.pickle.pbz2" "$arc/meta.pickle.pbz2"
cp "$FIX/sss_000000.pickle.pbz2" "$arc/000000.pickle.pbz2"
cp "$FIX/sss_000011.pickle.pbz2" "$arc/sss_000011.pickle.pbz2"
S="$tmp/sss.h5"
check 0 "imported 2 of 32768" tables import nats-sss "$arc" -o "$S"
check 0 "" tables info "$S"
if grep -q "space:           sss, 32768 architectures" "$tmp/out"; then ok "info: space sss, 32768 rows"; else bad "info: $(head -c 300 "$tmp/out")"; fi
check 0 "" tables query "$S" --index 11 --dataset cifar10
if grep -q "test_acc     85.7700" "$tmp/out" && grep -q "params=0.049202" "$tmp/out"; then ok "query index 11: 90-epoch test 85.77, params 0.049202 M"
else bad "query: $(head -c 400 "$tmp/out")"; fi
check 0 "" tables verify "$S"
check 0 "" tables query "$S" --arch 8:8:8:16:32
if grep -q "^index 11$" "$tmp/out"; then ok "query --arch 8:8:8:16:32 is index 11"; else bad "query --arch: $(head -c 200 "$tmp/out")"; fi
check 0 "" tables query "$S" --index 32767 --dataset cifar10
check 2 "width '33' of layer 5" tables query "$S" --arch 8:8:8:16:33

# bad input: nothing written
nometa="$tmp/nometa"; mkdir "$nometa"; cp "$arc/000000.pickle.pbz2" "$nometa/"
check 1 "no meta file" tables import nats-sss "$nometa" -o "$tmp/x.h5"
ok_if "no output after a missing meta file" test ! -e "$tmp/x.h5"
wrong="$tmp/wrong"; mkdir "$wrong"; cp "$arc/meta.pickle.pbz2" "$wrong/"
cp "$FIX/sss_000011.pickle.pbz2" "$wrong/000012.pickle.pbz2"
check 1 "holds arch_index 11, expected 12" tables import nats-sss "$wrong" -o "$tmp/x.h5"
ok_if "no output after a record of another index" test ! -e "$tmp/x.h5"
tssrec="$tmp/tssrec"; mkdir "$tssrec"; cp "$arc/meta.pickle.pbz2" "$tssrec/"
cp tests/fixtures/nats-tss/tss_000000.pickle.pbz2 "$tssrec/000000.pickle.pbz2"
check 1 "schedule (hp) '200'" tables import nats-sss "$tssrec" -o "$tmp/x.h5"
ok_if "no output after a topology record" test ! -e "$tmp/x.h5"
check 1 "record 000001 is missing" tables import nats-sss "$arc" -o "$tmp/x.h5" --strict
ok_if "no output after a strict import with gaps" test ! -e "$tmp/x.h5"
tmeta="$tmp/tmeta"; mkdir "$tmeta"; cp tests/fixtures/nats-tss/tss_meta.pickle.pbz2 "$tmeta/meta.pickle.pbz2"
check 1 "meta_archs[0]" tables import nats-sss "$tmeta" -o "$tmp/x.h5"
check 2 "nats-sss" tables import nats-xss "$arc" -o "$tmp/x.h5"
if [ -x /usr/bin/python3 ]; then
    # a record whose dataset keys differ: the '90' results without cifar100
    dsk="$tmp/dsk"; mkdir "$dsk"; cp "$arc/meta.pickle.pbz2" "$dsk/"
    /usr/bin/python3 - "$FIX/sss_000000.pickle.pbz2" "$dsk/000000.pickle.pbz2" <<'PY'
import bz2, pickle, sys, importlib.util
spec = importlib.util.spec_from_file_location('m', 'tests/fixtures/nats-sss/make_expected.py')
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
d = m.Restricted(bz2.BZ2File(sys.argv[1])).load()
h = d['90']
h['all_results'] = {k: v for k, v in h['all_results'].items() if k[0] != 'cifar100'}
h['dataset_seed'] = {k: v for k, v in h['dataset_seed'].items() if k != 'cifar100'}
open(sys.argv[2], 'wb').write(bz2.compress(pickle.dumps(d, protocol=4)))
PY
    check 1 "hp '90' has no cifar100 result" tables import nats-sss "$dsk" -o "$tmp/x.h5"
    ok_if "no output after a record whose dataset keys differ" test ! -e "$tmp/x.h5"
fi

# ---- search on it: refused unless restricted; random and rea restricted; report, check
check 1 "--restrict-to-curves" run --table "$S" --dataset cifar10 --strategy random --runs 2 -o "$tmp/r.h5"
ok_if "no results after the refusal" test ! -e "$tmp/r.h5"
check 0 "" run --table "$S" --dataset cifar10 --strategy random,rea --runs 2 --seed 1 \
    --restrict-to-curves -o "$tmp/r.h5"
if grep -q "budget 20000 s" "$tmp/out" && grep -q "85.77" "$tmp/out"; then ok "nats-sss protocol: budget 20000 s, optimum 85.77 (90-epoch test)"
else bad "run output: $(head -c 600 "$tmp/out")"; fi
check 0 "" report "$tmp/r.h5" -o "$tmp/rep"
ok_if "report.md written" test -s "$tmp/rep/report.md"
check 0 "" check --baseline "$tmp/r.h5" --candidate "$tmp/r.h5"

# ---- our own sss table: --sample K, bit-reproducible
if [ -d /usr/share/datasets/fashion-mnist ]; then
    B="$tmp/b1.h5"
    export SOURCE_DATE_EPOCH=1700000000
    check 0 "" tables build --space sss --dataset fashion-mnist --preset sss-tiny --sample 3 -o "$B"
    sum1=$(sed -n 's/^wrote .*checksum \([0-9a-f]*\)$/\1/p' "$tmp/out")
    check 0 "" tables build --space sss --dataset fashion-mnist --preset sss-tiny --sample 3 -o "$tmp/b2.h5" --threads 2
    sum2=$(sed -n 's/^wrote .*checksum \([0-9a-f]*\)$/\1/p' "$tmp/out")
    ok_if "two builds (1 and 2 threads) give the same file" cmp -s "$B" "$tmp/b2.h5"
    check 0 "" tables build --space sss --dataset fashion-mnist --preset sss-tiny --sample 3 -o "$tmp/b3.h5" --shard 0/2
    check 0 "" tables build --space sss --dataset fashion-mnist --preset sss-tiny --sample 3 -o "$tmp/b3.h5" --shard 1/2
    check 0 "" tables merge "$tmp/b3.h5" "$tmp/b3.h5.shard-0-of-2.journal" "$tmp/b3.h5.shard-1-of-2.journal"
    ok_if "two shards merged give the same file" cmp -s "$B" "$tmp/b3.h5"
    ok_if "checksums printed and equal ($sum1)" test -n "$sum1" -a "$sum1" = "$sum2"
    check 0 "" tables info "$B"
    if grep -q "space:           sss, 32768 architectures" "$tmp/out"; then ok "built table: space sss, 32768 rows"; else bad "built info: $(head -c 300 "$tmp/out")"; fi
    check 2 "is not the space of preset" tables build --space nb201 --dataset fashion-mnist --preset sss-tiny --sample 3 -o "$tmp/x.h5"
    check 2 "out of range [1, 32768]" tables build --space sss --dataset fashion-mnist --preset sss-tiny --sample 40000 -o "$tmp/x.h5"
    unset SOURCE_DATE_EPOCH
else
    echo "skip sss: no fashion-mnist in /usr/share/datasets (build tests)"
fi
finish
