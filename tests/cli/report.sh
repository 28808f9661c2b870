#!/bin/sh
# Command-line tests of `nastab report` (issue 17): the documents of a report
# folder (report.md embedding every figure drawn, report.html referring only
# to files that exist, report.tex a complete article that pdflatex compiles,
# report_body.tex the fragment), --figure-width, and the rank statistics
# counting cifar10-valid and cifar10 as one dataset.
. "$(dirname "$0")/lib.sh"

check 0 "" --quiet run --table "$T" --dataset cifar10-valid,cifar10,cifar100 --strategy random,rea,local \
    --runs 4 --budget 3000 --seed 0 -o "$tmp/r.h5"
check 2 "--figure-width: 'wide'" report "$tmp/r.h5" --figure-width wide -o "$tmp/rep"
check 0 "" --quiet report "$tmp/r.h5" -o "$tmp/rep"
check 0 "" --quiet report "$tmp/r.h5" -o "$tmp/col" --figure-width column --format md,pdf
check 0 "" --quiet report "$tmp/r.h5" -o "$tmp/md" --format md
ok_if "report: --format md alone still writes ranks.md" grep -q "Friedman test over 2" "$tmp/md/ranks.md"
ok_if "report: --figure-width column draws 3.25 in figures" grep -q "pdfcairo size 3.250in" "$tmp/col/anytime_cifar10.gp"
if command -v gnuplot > /dev/null 2>&1; then
    missing=""
    for f in "$tmp"/rep/*.png; do
        b=$(basename "$f")
        grep -qF "]($b)" "$tmp/rep/report.md" || missing="$missing $b"
    done
    ok_if "report: report.md embeds every PNG drawn${missing:+ (missing:$missing)}" test -z "$missing"
    bad=""
    for s in $(grep -o 'src="[^"]*"' "$tmp/rep/report.html" | sed 's/^src="//; s/"$//'); do
        test -s "$tmp/rep/$s" || bad="$bad $s"
    done
    ok_if "report: report.html refers only to files that exist${bad:+ (missing:$bad)}" test -z "$bad"
    ok_if "report: report.html has a figure per SVG" \
        test "$(grep -c '<figure' "$tmp/rep/report.html")" -eq "$(ls "$tmp"/rep/*.svg | wc -l)"
fi
# report.html in a real browser (headless Chromium from Debian): every figure
# loads and no script fails (the page records both on <body>); a deleted
# figure is caught; a screenshot is taken. Skipped without the browser.
browser=$(command -v chromium-headless-shell || command -v chromium || true)
if [ -n "$browser" ] && command -v gnuplot > /dev/null 2>&1; then
    view() { # page -> its <body> tag after load
        timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
            --virtual-time-budget=5000 "$@" 2> /dev/null | grep -o '<body[^>]*>'
    }
    body=$(view --dump-dom "file://$tmp/rep/report.html")
    ok_if "report: report.html in $browser: every figure loads ($body)" \
        sh -c "echo '$body' | grep -q 'data-figures=\"ok [1-9]' && ! echo '$body' | grep -q data-errors"
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1000,1400 \
        --virtual-time-budget=5000 --screenshot="$tmp/shot.png" "file://$tmp/rep/report.html" > /dev/null 2>&1
    ok_if "report: screenshot of report.html" test -s "$tmp/shot.png"
    rm "$tmp/rep/final_cifar100.svg"
    body=$(view --dump-dom "file://$tmp/rep/report.html")
    ok_if "report: a missing figure is caught in the browser" \
        sh -c "echo '$body' | grep -q 'data-figures=\"missing: final_cifar100.svg'"
else
    echo "skip cli: no headless Chromium (apt-get install chromium-headless-shell): report.html not checked in a browser"
fi
ok_if "report: ranks.md counts cifar10-valid and cifar10 once" \
    grep -q "Friedman test over 2 independent datasets (CIFAR-10, CIFAR-100); CIFAR-10-valid is left out" "$tmp/rep/ranks.md"
ok_if "report: report.tex is a complete document around report_body.tex" \
    grep -q 'input{report_body.tex}' "$tmp/rep/report.tex"
if command -v pdflatex > /dev/null 2>&1; then
    ok_if "report: pdflatex compiles report.tex" \
        sh -c "cd '$tmp/rep' && pdflatex -interaction=nonstopmode -halt-on-error report.tex > pdflatex.out 2>&1"
    ok_if "report: no overfull boxes in report.tex" sh -c "! grep -q 'Overfull' '$tmp/rep/report.log'"
else
    echo "skip cli: pdflatex not found (apt-get install texlive-latex-base texlive-latex-recommended)"
fi
finish
