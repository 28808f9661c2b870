#!/bin/sh
# Command-line tests: every command's bad input gets a clear message naming
# the problem and the documented exit code (0 ok, 1 failure, 2 bad usage),
# never a crash. One table row per case:
#   expected-exit | expected substring of stderr | command (after `nastab`)
. "$(dirname "$0")/lib.sh"
head -c 100000 "$T" > "$tmp/truncated.h5"
: > "$tmp/empty.h5"

GOOD='|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|'

# top level
check 2 "unknown command 'frobnicate'" frobnicate
check 2 "unknown option '--bogus'" --bogus
check 0 "" --help
check 0 "" --version
# tables
check 2 "unknown subcommand 'explode'" tables explode
check 2 "unknown source 'nb101'" tables import nb101 -o "$tmp/x.h5"
check 2 "missing -o FILE" tables import nb201
check 1 "nb201.csv.gz" tables import nb201 --source "$tmp/nowhere" -o "$tmp/x.h5"
check 1 "$tmp/missing.h5" tables info "$tmp/missing.h5"
check 1 "garbage.h5" tables info "$tmp/garbage.h5"
check 1 "truncated.h5" tables info "$tmp/truncated.h5"
check 1 "empty.h5" tables info "$tmp/empty.h5"
check 2 "give exactly one of --arch and --index" tables query "$T"
check 2 "give exactly one of --arch and --index" tables query "$T" --index 1 --arch "$GOOD"
check 2 "--index: 'abc' is not an integer" tables query "$T" --index abc
check 2 "--index: '12x' is not an integer" tables query "$T" --index 12x
check 2 "--index: -1 is out of range [0, 15624]" tables query "$T" --index -1
check 2 "out of range [0, 15624]" tables query "$T" --index 15625
check 2 "unknown op" tables query "$T" --arch '|conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|'
check 2 "arch string" tables query "$T" --arch '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|'
check 2 "arch string" tables query "$T" --arch ''
check 2 "unknown dataset 'cifar11'" tables query "$T" --index 3 --dataset cifar11
check 2 "option --index needs a value" tables query "$T" --index
check 2 "option --index given twice" tables query "$T" --index 1 --index 2
check 0 "" tables query "$T" --arch "$GOOD" --json
check 0 "" tables query "$T" --index 6111 --dataset cifar10
check 1 "garbage.h5" tables verify "$tmp/garbage.h5"
check 2 "known: nb201, nats-tss" tables import foo -o "$tmp/x.h5"
check 2 "nb201 or nats-tss" tables import
check 0 "" tables import --help
ok_if "tables import --help names nats-tss" grep -q "nats-tss" "$tmp/out"
"$N" tables query "$T" --index 3 > /dev/full 2> "$tmp/err"; rc=$?
ok_if "tables query > /dev/full: exit 1 (got $rc) saying why" sh -c "[ $rc -eq 1 ] && grep -q 'cannot write the standard output' '$tmp/err'"
"$N" tables info "$T" > /dev/full 2> /dev/null; rc=$?
ok_if "tables info > /dev/full: exit 1 (got $rc)" [ "$rc" -eq 1 ]
"$N" --help > /dev/full 2> /dev/null; rc=$?
ok_if "nastab --help > /dev/full: exit 1 (got $rc)" [ "$rc" -eq 1 ]
# binary input is quoted, never echoed raw (ESC, BEL, bytes that are not UTF-8)
check 2 'unknown subcommand' tables "$(printf 'x\033[2J\007')"
ok_if "an unknown subcommand's control bytes are escaped" sh -c "grep -qF 'x\\x1b[2J\\x07' '$tmp/err' && ! grep -q \"\$(printf '\033')\" '$tmp/err'"
# outputs that are inputs: refused by device and inode, the input untouched
mkdir "$tmp/src"; cp tables/data/nb201.csv.gz tables/data/curves200.csv.gz tables/data/PROVENANCE.md "$tmp/src/"
ln "$tmp/src/nb201.csv.gz" "$tmp/hardlink.gz"
check 1 "refusing to write $tmp/hardlink.gz: it is the input source file" tables import nb201 --source "$tmp/src" -o "$tmp/hardlink.gz"
ok_if "import nb201 -o INPUT: the input is untouched" cmp -s tables/data/nb201.csv.gz "$tmp/src/nb201.csv.gz"
FIX=tests/fixtures/nats-tss
mkdir "$tmp/nats"; cp "$FIX/meta64.pickle.pbz2" "$tmp/nats/meta.pickle.pbz2"; cp "$FIX/tss_000000.pickle.pbz2" "$tmp/nats/000000.pickle.pbz2"
check 1 "it is the input meta file" tables import nats-tss "$tmp/nats" -o "$tmp/nats/meta.pickle.pbz2"
check 1 "it is the input record" tables import nats-tss "$tmp/nats" -o "$tmp/nats/000000.pickle.pbz2"
ok_if "import nats-tss -o INPUT: meta and record untouched" sh -c "cmp -s '$FIX/meta64.pickle.pbz2' '$tmp/nats/meta.pickle.pbz2' && cmp -s '$FIX/tss_000000.pickle.pbz2' '$tmp/nats/000000.pickle.pbz2'"
# run / mo / check --summarize never write over their input (same file by device and inode)
cp "$T" "$tmp/tcopy.h5"; ln -f "$tmp/tcopy.h5" "$tmp/tlink.h5"
check 1 "refusing to write $tmp/tlink.h5: it is the input table" run --table "$tmp/tcopy.h5" --dataset cifar10 --strategy random --runs 2 -o "$tmp/tlink.h5"
check 1 "refusing to write $tmp/tcopy.h5: it is the input table" mo --table "$tmp/tcopy.h5" --dataset cifar10 --device edgegpu --strategy random --runs 2 -o "$tmp/tcopy.h5"
ok_if "run/mo -o TABLE: the table is untouched" cmp -s "$T" "$tmp/tcopy.h5"
check 0 "" run --table "$T" --dataset cifar10 --strategy random --runs 2 -o "$tmp/r2.h5"
cp "$tmp/r2.h5" "$tmp/r2.keep"
check 1 "it is the input results file" check --summarize "$tmp/r2.h5" -o "$tmp/r2.h5"
ok_if "check --summarize R -o R: the results file is untouched" cmp -s "$tmp/r2.h5" "$tmp/r2.keep"
# add-column on a small table (64 cells, nats-tss import)
S="$tmp/small.h5"
check 0 "" tables import nats-tss "$tmp/nats" -o "$S"
A0=$("$N" tables query "$S" --index 0 | sed -n 's/^arch  //p')
printf 'index,arch,value\n0,%s,1.5\n' "$A0" > "$tmp/one.csv"
AC="--name p --device phone --batch 1"
check 1 "refusing to write $S: it is the input CSV (same file)" tables add-column "$S" --csv "$S" $AC
printf 'index,arch,value\n' > "$tmp/header.csv"
check 1 "header.csv: no value to store" tables add-column "$S" --csv "$tmp/header.csv" $AC
printf 'index,arch,value\n0,%s,nan\n1,x,\n' "$A0" | sed 's/^1,x,$//' > "$tmp/allnan.csv"
check 1 "refusing to add a column that is missing for every architecture" tables add-column "$S" --csv "$tmp/allnan.csv" $AC
check 0 "warning:" tables add-column "$S" --csv "$tmp/header.csv" --name empty_ok --device phone --batch 1 --allow-empty
check 2 "--batch: 0 is out of range" tables add-column "$S" --csv "$tmp/one.csv" --name p --device phone --batch 0
check 2 "--dataset: 'bogus' is not a dataset of $S; it has: cifar10-valid, cifar10" tables add-column "$S" --csv "$tmp/one.csv" $AC --dataset bogus
for v in inf -inf Infinity 1e999 5e307s; do
    printf 'index,arch,value\n0,%s,%s\n' "$A0" "$v" > "$tmp/inf.csv"
    check 1 "inf.csv:2: column 'value': '$v' is not a finite number" tables add-column "$S" --csv "$tmp/inf.csv" $AC
done
printf 'index,arch,value\n0,%s,1.5\000junk\n' "$A0" > "$tmp/nul.csv"
check 1 "nul.csv:2: NUL byte" tables add-column "$S" --csv "$tmp/nul.csv" $AC
printf 'index,arch,value\n0,\033]0;pwned\007,1\n' > "$tmp/esc.csv"
check 1 "column 'arch': '\x1b]0;pwned\x07' is not" tables add-column "$S" --csv "$tmp/esc.csv" $AC
ok_if "add-column: a CSV's control bytes are escaped" sh -c "! grep -q \"\$(printf '\033')\" '$tmp/err'"
# a killed add-column's temporary (a dead pid) is removed by the next one
dead=$(sh -c 'echo $$'); : > "$S.tmp.$dead"
check 0 "" tables add-column "$S" --csv "$tmp/one.csv" --name after_kill --device phone --batch 1
ok_if "add-column removed the dead writer's $S.tmp.$dead" [ ! -e "$S.tmp.$dead" ]
# run
check 2 "missing --table" run --dataset cifar10 --strategy rea -o "$tmp/r.h5"
check 2 "missing -o RESULTS" run --table "$T" --dataset cifar10 --strategy rea
check 2 "--runs: 'ten' is not an integer" run --table "$T" --dataset cifar10 --strategy rea --runs ten -o "$tmp/r.h5"
check 2 "--runs: 0 is out of range" run --table "$T" --dataset cifar10 --strategy rea --runs 0 -o "$tmp/r.h5"
check 2 "--budget: '1e400' is not a finite number" run --table "$T" --dataset cifar10 --strategy rea --budget 1e400 -o "$tmp/r.h5"
check 2 "--budget: -5 is out of range" run --table "$T" --dataset cifar10 --strategy rea --budget -5 -o "$tmp/r.h5"
check 2 "--budget: 'nan' is not a finite number" run --table "$T" --dataset cifar10 --strategy rea --budget nan -o "$tmp/r.h5"
check 2 "--seed: '-3' is not an unsigned integer" run --table "$T" --dataset cifar10 --strategy rea --seed -3 -o "$tmp/r.h5"
check 2 "--workers: 0 is out of range" run --table "$T" --dataset cifar10 --strategy rea --workers 0 -o "$tmp/r.h5"
check 2 "--threads: '2.5' is not an integer" run --table "$T" --dataset cifar10 --strategy rea --threads 2.5 -o "$tmp/r.h5"
check 2 "strategy 'genetic' is unknown; known strategies: random, rea" run --table "$T" --dataset cifar10 --strategy genetic -o "$tmp/r.h5"
check 2 "'rea' given twice" run --table "$T" --dataset cifar10 --strategy rea,rea -o "$tmp/r.h5"
check 2 "cifar11" run --table "$T" --dataset cifar11 --strategy rea -o "$tmp/r.h5"
check 1 "garbage.h5" run --table "$tmp/garbage.h5" --dataset cifar10 --strategy rea -o "$tmp/r.h5"
check 0 "" --quiet run --table "$T" --dataset cifar10,cifar100 --strategy random,rea --runs 20 --seed 1 -o "$tmp/r.h5"
# report
check 2 "expected one RESULTS file" report
check 2 "--format" report "$tmp/r.h5" --format docx
check 1 "garbage.h5" report "$tmp/garbage.h5"
check 1 "$tmp/nothere.h5" report "$tmp/nothere.h5"
check 1 "$T" report "$T" --format csv
check 0 "" report "$tmp/r.h5" --format csv
if [ "$(head -1 "$tmp/out")" = "dataset,strategy,runs,budget,valid_mean,valid_std,test_mean,test_std" ] &&
   [ "$(wc -l < "$tmp/out")" -eq 5 ]; then
    echo "ok   cli: report --format csv header and 4 rows"; pass=$((pass + 1))
else
    echo "FAIL cli: report --format csv output:"; cat "$tmp/out"; fail=$((fail + 1))
fi
# a failed run must not clobber an existing results file
cp "$tmp/r.h5" "$tmp/keep.h5"
check 1 "garbage.h5" run --table "$tmp/garbage.h5" --dataset cifar10 --strategy rea -o "$tmp/keep.h5"
if cmp -s "$tmp/r.h5" "$tmp/keep.h5"; then echo "ok   cli: failed run left the old results file intact"; pass=$((pass + 1));
else echo "FAIL cli: failed run changed the old results file"; fail=$((fail + 1)); fi
# bench
check 2 "unknown benchmark 'fast'" bench fast "$T"
finish
