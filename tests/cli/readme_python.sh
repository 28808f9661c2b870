#!/bin/sh
# tests/cli/readme_python.sh - README.md "Your strategy in Python" as a user
# would copy it: the Python block becomes my_rs.py, the first shell block runs
# as written (but 60 runs instead of 500, for time), and the CI recipe's block
# (without its `make` line: this build is the one under test) passes against
# the summary the README says to commit, and fails, exit 1, for a regressed
# copy of the strategy. A README edit that breaks a command fails here.
. "$(dirname "$0")/lib.sh"
root=$(pwd)
case "$BUILD" in /*) B=$BUILD ;; *) B=$root/$BUILD ;; esac
mkdir "$tmp/user" && cd "$tmp/user" || exit 1
ln -s "$B" build && ln -s "$root/python" python
# block N (1-based) of kind K (py or sh) in the section
block() {
    awk -v kind="$1" -v want="$2" '
        /^## Your strategy in Python/ { on = 1; next }
        on && /^## / { on = 0 }
        on && $0 == "```" kind { n++; if (n == want) { inb = 1; next } }
        inb && /^```/ { inb = 0 }
        inb { print }' "$root/README.md"
}
block py 1 > my_rs.py
block sh 1 | sed 's/--runs 500/--runs 60/' > first.sh
block sh 2 | sed -e 's/--runs 500/--runs 60/' -e '/^make /d' > ci.sh
ok_if "README: a Python block (my_rs.py) and two shell blocks" \
    sh -c "grep -q 'nastab.serve' my_rs.py && grep -q 'nastab check' first.sh && grep -q 'nastab check' ci.sh"
sh -e first.sh > first.out 2> first.err
ok_if "README: the first shell block runs (exit 0, gate PASS): $(tail -c 200 first.err | tr '\n' ' ')" \
    sh -c "[ $? -eq 0 ] && grep -q 'gate: PASS' first.out"
sum=$(awk '/^## Your strategy in Python/ { on = 1; next } on && /^## / { on = 0 } on' "$root/README.md" |
    tr '\n' ' ' | sed -n 's/.*`\(nastab check --summarize [^`]*\)`.*/\1/p')
mkdir -p tests/fixtures/baselines
PATH="$PWD/build:$PATH" sh -c "$sum" > /dev/null 2>&1
ok_if "README: the CI recipe's summary command ('$sum') writes the baseline" test -s tests/fixtures/baselines/mine.txt
sh -e ci.sh > ci.out 2> ci.err
ok_if "README: the CI job passes for the same strategy (exit 0): $(tail -c 200 ci.err | tr '\n' ' ')" \
    sh -c "[ $? -eq 0 ] && grep -q 'gate: PASS' ci.out"
sed 's/return self.env.random_arch(self.rng)/return self.env.archs[self.rng.randrange(2000)]/' my_rs.py > bad.py
mv bad.py my_rs.py
sh -e ci.sh > ci.out 2> ci.err
ok_if "README: the CI job fails (exit 1) for a strategy that got worse" \
    sh -c "[ $? -eq 1 ] && grep -q 'gate: FAIL' ci.out"
cd "$root" || exit 1
finish
