#!/bin/sh
# tests/cli/pip_install.sh - `pip install ./python` as README.md "Your
# strategy in Python" says: a virtual environment of Debian's /usr/bin/python3
# (--system-site-packages, so numpy and h5py come from Debian), the package
# installed offline from a copy of python/ (the build leaves build/ and
# *.egg-info beside the sources), then, from outside the source tree, import
# nastab from the environment and run a strategy through `nastab run
# --strategy-exec` with it. Needs python3-venv, python3-pip and
# python3-setuptools, which .ci/setup installs: a machine without them gets
# a SKIP line naming the packages, never a silent pass.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
missing=""
[ -x "$PY" ] || missing="python3"
[ -z "$missing" ] && ! "$PY" -c "import ensurepip, venv" 2>/dev/null && missing="$missing python3-venv"
[ -z "$missing" ] && ! "$PY" -m pip --version > /dev/null 2>&1 && missing="$missing python3-pip"
[ -z "$missing" ] && ! "$PY" -c "import setuptools" 2>/dev/null && missing="$missing python3-setuptools"
if [ -n "$missing" ]; then
    echo "SKIP cli: pip install ./python NOT TESTED: missing Debian packages:$missing (apt-get install python3-venv python3-pip python3-setuptools; make setup does)"
    finish
fi
root=$(pwd)
case "$N" in /*) ;; *) N="$root/$N" ;; esac
case "$T" in /*) ;; *) T="$root/$T" ;; esac
cp -r python "$tmp/src"
rm -rf "$tmp/src/build" "$tmp/src"/*.egg-info
"$PY" -m venv --system-site-packages "$tmp/venv" > "$tmp/venv.log" 2>&1
ok_if "python3 -m venv --system-site-packages" test -x "$tmp/venv/bin/python"
"$tmp/venv/bin/pip" install --no-index --no-build-isolation -q "$tmp/src" > "$tmp/pip.log" 2>&1
rc=$?
ok_if "pip install --no-index --no-build-isolation ./python (exit $rc; $(tail -c 200 "$tmp/pip.log" | tr '\n' ' '))" test $rc -eq 0
mkdir "$tmp/away"
rm -rf "$tmp/src" # the installed copy must stand alone
cd "$tmp/away" || exit 1
ok_if "outside the source tree, import nastab finds the installed package (protocol 1)" \
    "$tmp/venv/bin/python" -c "
import sys, nastab
ok = nastab.__file__.startswith('$tmp/venv/') and nastab.PROTOCOL == 1 and issubclass(nastab.Strategy, object)
sys.exit(0 if ok else 1)"
# a strategy file of the user's, away from python/ (so no sys.path help)
cat > mine.py <<'PYEOF'
import nastab

class MyRandom(nastab.Strategy):
    def ask(self):
        return self.env.random_arch(self.rng)
    def tell(self, arch, score):
        pass

nastab.serve(MyRandom)
PYEOF
"$N" --quiet run --table "$T" --dataset cifar10 --runs 5 -o "$tmp/away/mine.h5" --json \
    --strategy-exec "$tmp/venv/bin/python mine.py" --strategy-name my-rs > out.json 2> err.txt
rc=$?
ok_if "nastab run --strategy-exec with the installed package: exit 0 ($(tail -c 300 err.txt | tr '\n' ' '))" test $rc -eq 0
ok_if "its results: 5 runs of my-rs, external, each with a result" "$PY" -c "
import json, sys
s = json.load(open('out.json'))['series'][0]
sys.exit(0 if s['strategy'] == 'my-rs' and s['runs'] == 5 and s['runs_with_result'] == 5 and 'mine.py' in s['external'] else 1)"
cd "$root" || exit 1
finish
