#!/bin/sh
# tests/cli/ws_report.sh - issue 12 items 4-5 on the command line: a
# `nastab search` results file records its budget unit (epochs) and, with
# --rank-sample, Kendall tau / Spearman rho per method and epoch; `nastab
# report` draws its weight-sharing figures (not the simulated-time anytime
# figure) and lists each method as a CSV row with a budget_unit column;
# `nastab check` gates two search files and refuses a search file against a
# `nastab run` file (exit 2), naming both units, also through a summary.
# Uses tables/fmnist.h5 and the Debian Fashion-MNIST files; skipped without.
. "$(dirname "$0")/lib.sh"
F=tables/fmnist.h5
D=/usr/share/datasets/fashion-mnist
if [ ! -f "$F" ] || [ ! -d "$D" ]; then echo "skip cli: ws_report ($F or $D missing)"; finish; fi

check 0 "" search --method gdas,rsps --table "$F" --preset tiny --runs 2 --rank-sample 8 -o "$tmp/a.h5"
check 0 "" search --method gdas,rsps --table "$F" --preset tiny --runs 2 --seed 1 -o "$tmp/b.h5"
ok_if "series records budget_unit epochs" sh -c "h5dump -a /series/fashion-mnist/gdas/budget_unit '$tmp/a.h5' | grep -q '\"epochs\"'"
ok_if "rank tau/rho recorded per run and epoch" sh -c "h5ls '$tmp/a.h5/ws/fashion-mnist/rsps' | grep -q 'rank_tau .*{2, 2}'"
ok_if "no rank data without --rank-sample" sh -c "! h5ls '$tmp/b.h5/ws/fashion-mnist/rsps' | grep -q rank_tau"

check 0 "" report "$tmp/a.h5" --format csv
ok_if "csv lists each method as a strategy row" sh -c "grep -q '^fashion-mnist,rsps,2,2,' '$tmp/out' && grep -q '^fashion-mnist,gdas,2,2,' '$tmp/out'"
ok_if "csv header names the unit" sh -c "'$N' report '$tmp/a.h5' --format csv | head -1 | grep -qx 'dataset,strategy,runs,budget,valid_mean,valid_std,test_mean,test_std,budget_unit'"
ok_if "csv rows end in epochs" sh -c "'$N' report '$tmp/a.h5' --format csv | tail -1 | grep -q ',epochs$'"
if command -v gnuplot > /dev/null 2>&1; then
    check 0 "" report "$tmp/a.h5" -o "$tmp/rep"
    for f in ws_acc_fashion-mnist ws_probs_fashion-mnist_gdas ws_probs_fashion-mnist_rsps ws_rank_fashion-mnist; do
        ok_if "report drew $f" sh -c "test -s '$tmp/rep/$f.png' && test -s '$tmp/rep/$f.pdf' && test -s '$tmp/rep/$f.svg'"
    done
    ok_if "no simulated-time anytime figure for epochs" test ! -e "$tmp/rep/anytime_fashion-mnist.png"
    ok_if "report.md names the ws figures" grep -q "ws_probs_fashion-mnist_gdas" "$tmp/rep/report.md"
    ok_if "ws.md gives tau/rho" grep -q "Kendall tau" "$tmp/rep/ws.md"
fi

# the gate: search vs search compares; search vs run is refused naming both units
check 0 "" check --baseline "$tmp/a.h5" --candidate "$tmp/b.h5"
ok_if "search vs search gates per method" sh -c "grep -q '^fashion-mnist  *rsps  *final' '$tmp/out' && grep -q '^gate: PASS' '$tmp/out'"
check 0 "" run --table "$F" --dataset fashion-mnist --strategy random,rea --runs 2 -o "$tmp/run.h5"
check 2 "counts epochs" check --baseline "$tmp/a.h5" --candidate "$tmp/run.h5"
check 2 "counts simulated seconds" check --baseline "$tmp/run.h5" --candidate "$tmp/a.h5"
check 0 "" check --summarize "$tmp/a.h5" -o "$tmp/a.csv"
ok_if "summary keeps the unit" grep -qx "# budget_unit: epochs" "$tmp/a.csv"
check 2 "counts simulated seconds" check --baseline "$tmp/run.h5" --candidate "$tmp/a.csv"
check 0 "" search --method gdas,rsps --table "$F" --preset tiny --epochs 3 --runs 2 -o "$tmp/c.h5"
check 2 "2 epochs vs candidate 3 epochs" check --baseline "$tmp/a.h5" --candidate "$tmp/c.h5"

# bad --rank-sample
check 2 "--rank-sample 1" search --method gdas --table "$F" --preset tiny --rank-sample 1 -o "$tmp/x.h5"
check 2 "--rank-sample" search --method gdas --table "$F" --preset tiny --rank-sample -3 -o "$tmp/x.h5"
check 1 "cells with a validation accuracy" search --method gdas --table "$F" --preset tiny --rank-sample 99999 -o "$tmp/x.h5"
ok_if "no results file after refusals" test ! -e "$tmp/x.h5"
finish
