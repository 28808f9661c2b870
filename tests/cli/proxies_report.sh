#!/bin/sh
# tests/cli/proxies_report.sh - `nastab proxies-report` on the NB201 table (its shipped
# /zc columns of all four datasets): Markdown, CSV, LaTeX and the heat map in the
# asked formats; bad --format refused; the table is never an output.
. "$(dirname "$0")/lib.sh"
check 0 "" proxies-report "$T" -o "$tmp/r"
for f in proxies.md proxies.csv proxies.tex proxies_rho.gp proxies_rho.dat proxies_rho.png proxies_rho.pdf proxies_rho.svg; do
    ok_if "proxies-report wrote $f" test -s "$tmp/r/$f"
done
ok_if "csv: cifar10 synflow over all 15625 cells, rho 0.7794" grep -q "^cifar10,synflow,none,15625,0.7794," "$tmp/r/proxies.csv"
ok_if "tex: a booktabs row per column" test "$(grep -c ' & none & 15625 & ' "$tmp/r/proxies.tex")" -eq 12
ok_if "md links the heat map" grep -q "(proxies_rho.png)" "$tmp/r/proxies.md"
ok_if "heat map rows: synflow first (best mean rho)" grep -q "^# rows: synflow params flops" "$tmp/r/proxies_rho.dat"
check 0 "" proxies-report "$T" -o "$tmp/s" --format svg
ok_if "--format svg: only the svg figure" sh -c "test -s '$tmp/s/proxies_rho.svg' && test ! -e '$tmp/s/proxies_rho.png'"
check 2 "unknown format 'gif'" proxies-report "$T" -o "$tmp/g" --format gif
check 2 "the heat map is png, pdf or svg" proxies-report "$T" -o "$tmp/g" --format md
check 1 "has no proxy columns" proxies-report tables/fmnist-sss.h5 -o "$tmp/n"
finish
