#!/bin/sh
# tests/cli/json.sh - the --json outputs of check, train, tables info, tables
# devices and latency (shapes: README.md "Machine-readable output"): each is
# parsed with /usr/bin/python3's json module and its keys and values are
# compared with what the text output and the files say. run and mo --json
# are tested in tests/cli/exec.sh.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
if [ ! -x "$PY" ]; then
    echo "FAIL cli: /usr/bin/python3 missing: the --json tests cannot parse the output (apt-get install python3)"
    fail=1
    finish
fi
# pyok DESCRIPTION FILE CODE: CODE runs with d = the JSON of FILE (lines = one object a line
# when the file holds several) and must leave ok true.
pyok() {
    ok_if "$1" "$PY" -c "
import json, math, sys
txt = open('$2').read()
lines = [json.loads(l) for l in txt.splitlines() if l.strip()]
d = lines[0] if len(lines) == 1 else None
ok = True
$3
sys.exit(0 if ok else 1)"
}

# ---- check: every row of the verdict table and the verdict
R="run --table $T --dataset cifar10 --runs 30"
"$N" --quiet $R --strategy random,rea -o "$tmp/a.h5" > /dev/null
"$N" --quiet $R --strategy random,rea --seed 1 -o "$tmp/b.h5" > /dev/null
"$N" --quiet $R --strategy random --seed 2 -o "$tmp/r.h5" > /dev/null
check 0 "" check --baseline "$tmp/a.h5" --candidate "$tmp/b.h5" --json
cp "$tmp/out" "$tmp/check.json"
"$N" check --baseline "$tmp/a.h5" --candidate "$tmp/b.h5" > "$tmp/check.txt"
pyok "check --json: 4 rows (random, rea x final, auc), the text's numbers, gate PASS, exit 0" "$tmp/check.json" "
rows = d['rows']
ok = d['command'] == 'check' and d['format'] == 1 and d['gate'] == 'PASS' and d['exit'] == 0
ok = ok and d['alpha'] == 0.05 and d['table_checksum'] and d['protocol'] == 'nb201-v1'
ok = ok and [(r['candidate_strategy'], r['metric']) for r in rows] == [('random', 'final'), ('random', 'auc'), ('rea', 'final'), ('rea', 'auc')]
txt = [l.split() for l in open('$tmp/check.txt') if l.startswith('cifar10 ')]
for r, t in zip(rows, txt):
    ok = ok and r['dataset'] == 'cifar10' and r['runs_baseline'] == 30 and r['runs_candidate'] == 30
    ok = ok and '%.4f' % r['mean_baseline'] == t[4] and '%.4f' % r['mean_candidate'] == t[5]
    ok = ok and abs(r['diff'] - (r['mean_candidate'] - r['mean_baseline'])) < 1e-9 and r['lo'] <= r['diff'] <= r['hi']
    ok = ok and r['p'] <= r['p_holm'] <= 1 and r['verdict'] in ('same', 'better', 'worse') and r['fails'] is False
ok = ok and len(txt) == 4"
# a candidate that is worse: random search against REA's baseline
check 1 "" check --baseline "$tmp/a.h5" --candidate "$tmp/r.h5" --strategy rea:random --json
pyok "check --json of a failing gate: a row 'worse' that fails, gate FAIL, exit 1 (as the exit status)" "$tmp/out" "
f = [r for r in d['rows'] if r['fails']]
ok = d['gate'] == 'FAIL' and d['exit'] == 1 and len(f) >= 1 and all(r['verdict'] == 'worse' and r['lo'] > 0 for r in f)
ok = ok and all(r['baseline_strategy'] == 'rea' and r['candidate_strategy'] == 'random' for r in d['rows'])"
check 2 "--json is for a comparison" check --summarize "$tmp/a.h5" -o "$tmp/s.txt" --json

# ---- train: JSON lines, one object per epoch
ARCH='|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|'
TR="train --arch $ARCH --dataset fashion-mnist --epochs 2 --channels 4 --cells 1 --train-subset 256 --eval-subset 128 --downsample 2"
if [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte ]; then
    check 0 "" --quiet $TR --json
    cp "$tmp/out" "$tmp/train.json"
    check 0 "" --quiet $TR
    pyok "train --json: start, one line per epoch, end; the same accuracies as the text" "$tmp/train.json" "
ok = [l['type'] for l in lines] == ['start', 'epoch', 'epoch', 'end'] and all(l['command'] == 'train' for l in lines)
s = lines[0]
ok = ok and s['arch'] == '$ARCH' and s['input'] == [1, 14, 14] and s['n_train'] == 256 and s['n_valid'] == 128
ok = ok and s['epochs'] == 2 and s['channels'] == 4 and s['params'] > 0 and s['retrain'] is False
txt = [l.split() for l in open('$tmp/out') if l.startswith('epoch ')]
for e, t in zip(lines[1:3], txt):
    ok = ok and e['epochs'] == 2 and 0 <= e['train']['acc'] <= 100 and e['train']['images'] == 256
    ok = ok and '%.4f' % e['train']['loss'] == t[4] and '%.2f%%' % e['train']['acc'] == t[6]
    ok = ok and '%.2f%%' % e['valid']['acc'] == t[11] and '%.2f%%' % e['test']['acc'] == t[16]
ok = ok and [e['epoch'] for e in lines[1:3]] == [1, 2] and len(txt) == 2 and lines[3]['total_s'] > 0"
    check 0 "" --quiet train --space sss --arch 8:8:8:8:8 --dataset fashion-mnist --epochs 1 --train-subset 64 --eval-subset 64 --downsample 2 --json
    cp "$tmp/out" "$tmp/train_sss.json"
    pyok "train --space sss --json: the widths are the arch, channels and cells null" "$tmp/train_sss.json" "
s = lines[0]
ok = s['space'] == 'sss' and s['arch'] == '8:8:8:8:8' and s['channels'] is None and s['cells'] is None and s['params'] == 11570"
else
    echo "FAIL cli: train --json needs Fashion-MNIST in /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist; make setup does)"
    fail=$((fail + 1))
fi

# ---- tables info and tables devices
check 0 "" tables info "$T" --json
cp "$tmp/out" "$tmp/info.json"
"$N" tables info "$T" > "$tmp/info.txt"
pyok "tables info --json: space, archs, checksum, datasets and their metrics as the text says" "$tmp/info.json" "
txt = open('$tmp/info.txt').read()
ok = d['command'] == 'tables info' and d['space'] == 'nb201' and d['archs'] == 15625 and d['checksum_verified'] is None
ok = ok and ('content_checksum ' + d['content_checksum']) in txt and d['table_format'] == 'nastab-table'
names = [x['name'] for x in d['datasets']]
ok = ok and names == ['cifar10-valid', 'cifar10', 'cifar100', 'ImageNet16-120']
c10 = [x for x in d['datasets'] if x['name'] == 'cifar10'][0]
f200 = [f for f in c10['fidelities'] if f['epochs'] == 200][0]
va = [m for m in f200['metrics'] if m['name'] == 'test_acc'][0]
ok = ok and not va['damaged'] and any(f['epochs'] == 12 for f in c10['fidelities'])
ok = ok and ('hardware columns: %d ' % d['hardware_columns']) in txt"
check 0 "" tables info "$T" --json --verify
pyok "tables info --json --verify: checksum_verified true" "$tmp/out" "ok = d['checksum_verified'] is True"
check 0 "" tables devices "$T" --json
cp "$tmp/out" "$tmp/dev.json"
"$N" tables devices "$T" > "$tmp/dev.txt"
pyok "tables devices --json: every column of the text, with unit, batch, source, missing" "$tmp/dev.json" "
txt = [l.split() for l in open('$tmp/dev.txt')][1:]
cols = d['columns']
ok = d['command'] == 'tables devices' and len(cols) == len(txt) and len(cols) > 5
for c, t in zip(cols, txt):
    ok = ok and [c['name'], c['device'], c['metric'], c['unit'], c['dataset'] or '-', str(c['batch']), c['source'], str(c['missing'])] == t
ok = ok and any(c['name'] == 'hwnas_edgegpu_latency_cifar10' and c['unit'] == 'ms' for c in cols)"
check 1 "garbage.h5" tables devices "$tmp/garbage.h5" --json
ok_if "tables devices --json on a bad file: nothing on stdout" test ! -s "$tmp/out"

# ---- latency (fake timer: deterministic values; tests/cli/latency.sh)
cp "$T" "$tmp/t.h5"
NASTAB_TEST_TIMER=fake "$N" --quiet latency --table "$tmp/t.h5" --device tiny --sample 3 --channels 4 --cells 1 \
    --batch 1,2 --csv-out "$tmp/l.csv" --json > "$tmp/lat.json" 2> "$tmp/err"
ok_if "latency --json: exit 0" test $? -eq 0
pyok "latency --json: two columns, their values as the CSV and the table, stored" "$tmp/lat.json" "
import csv
ok = d['command'] == 'latency' and d['type'] == 'measure' and d['sample'] == 3 and d['stored'] is True
ok = ok and d['channels'] == 4 and d['input'] == [3, 32, 32] and 'cpu=' in d['host']
ok = ok and [c['name'] for c in d['columns']] == ['tiny_latency_b1', 'tiny_latency_b2']
for c in d['columns']:
    v = sorted(float(r['value']) for r in csv.DictReader(open(c['csv'])))
    ok = ok and c['measured'] == 3 and c['flagged'] == 0 and c['unit'] == 'ms'
    ok = ok and abs(c['median_ms'] - v[1]) < 1e-4 * v[1] and abs(c['min_ms'] - v[0]) < 1e-4 * v[0]
    ok = ok and c['kendall'][0]['against'] == 'flops' and c['kendall'][0]['pairs'] == 3"
"$N" tables devices "$tmp/t.h5" --json > "$tmp/dev2.json"
pyok "latency --json: the columns it reports are in the table" "$tmp/dev2.json" "
ok = {'tiny_latency_b1', 'tiny_latency_b2'} <= {c['name'] for c in d['columns']}"
NASTAB_TEST_TIMER=fake "$N" --quiet latency --table "$tmp/t.h5" --device tiny --sample 3 --channels 4 --cells 1 \
    --json > "$tmp/lat2.json" 2> "$tmp/err"
ok_if "latency --json refusing an existing column: exit 1, nothing on stdout" \
    sh -c "[ $? -eq 1 ] && [ ! -s '$tmp/lat2.json' ] && grep -q 'already has hardware column' '$tmp/err'"
check 0 "" latency --table "$T" --device x --sample 4 --plan-out "$tmp/plan.csv" --json
pyok "latency --plan-out --json: the plan's size" "$tmp/out" "
ok = d['type'] == 'plan' and d['sample'] == 4 and len(open(d['plan_out']).read().splitlines()) == 5"
finish
