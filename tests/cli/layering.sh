#!/bin/sh
# The module layering (README.md "Layout"), checked on the sources: a module
# includes only modules below it (or beside it where the matrix says so),
# never a module above; a *_private.h header only from its own module; and
# no library file calls exit() (library code fails with nb_status).
#
# Levels, lowest first:
#   0 core
#   1 spaces
#   2 nn, tables
#   3 results, precompute, strategies
#   4 reports
#   5 bench (the command line; bench/probe, the stand-alone latency probe, too)
# Allowed includes ("X -> Y": files of X may include headers of Y); every
# module may include its own headers:
#   core        -> (nothing)
#   spaces      -> core
#   nn          -> core spaces
#   tables      -> core spaces
#   results     -> core spaces nn tables
#   precompute  -> core spaces nn tables
#   strategies  -> core spaces nn tables results
#   reports     -> core spaces nn tables results precompute strategies
#   bench       -> everything
# So nn and tables do not include each other, and neither do results,
# precompute and strategies, except strategies -> results (strategies fill
# the results module's series).
# Only sh, grep and sed; tests/, examples/ and the build folder are not
# checked (they may include anything).
# Usage: tests/cli/layering.sh [BUILD_DIR]   (run from the repository root;
# prints "N passed, N failed" last)
pass=0; fail=0
ok() { echo "ok   layering: $1"; pass=$((pass + 1)); }
ko() { echo "FAIL layering: $1"; fail=$((fail + 1)); }

MODULES="core spaces nn tables results precompute strategies reports bench"

# allowed MODULE: the modules MODULE's files may include, besides itself
allowed() {
    case $1 in
    core) echo "" ;;
    spaces) echo "core" ;;
    nn | tables) echo "core spaces" ;;
    results | precompute) echo "core spaces nn tables" ;;
    strategies) echo "core spaces nn tables results" ;;
    reports) echo "core spaces nn tables results precompute strategies" ;;
    bench) echo "$MODULES" ;;
    esac
}

# Source files of a module (C, headers, CUDA), one per line.
files_of() {
    grep -rl --include='*.c' --include='*.h' --include='*.cu' '' "$1"
}

# Every '#include "mod/file.h"' of file f: prints mod/file.h per line.
includes_of() {
    sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\/[^"]*\)".*/\1/p' "$1"
}

for m in $MODULES; do
    [ -d "$m" ] || { ko "$m: no such folder"; continue; }
    allow=" $m $(allowed "$m") "
    bad=""
    for f in $(files_of "$m"); do
        for inc in $(includes_of "$f"); do
            dep=${inc%%/*}
            case " $MODULES " in *" $dep "*) ;; *) continue ;; esac # not a module: not ours
            case $allow in
            *" $dep "*) ;;
            *) bad="$bad $f:$inc" ;;
            esac
            case $inc in
            *_private.h) [ "$dep" = "$m" ] || bad="$bad $f:$inc(private)" ;;
            esac
        done
    done
    if [ -z "$bad" ]; then ok "$m includes only itself$(allowed "$m" | sed 's/^./ and &/')"
    else ko "$m includes what it may not:$bad"
    fi
done

# No exit() in library code: every module but bench.
bad=""
for m in $MODULES; do
    [ "$m" = bench ] && continue
    # comment lines (" * ...", "/* ...", "// ...") and strings may mention exit()
    hits=$(grep -nE '(^|[^_[:alnum:]])exit[[:space:]]*\(' $(files_of "$m") 2>/dev/null |
           grep -vE '^[^:]*:[0-9]+:[[:space:]]*(\*|/\*|//)' |
           sed 's/"[^"]*"//g' | grep -E '(^|[^_[:alnum:]])exit[[:space:]]*\(' |
           sed 's/^\([^:]*:[0-9]*\):.*/\1/')
    [ -n "$hits" ] && bad="$bad $hits"
done
if [ -z "$bad" ]; then ok "no library file calls exit()"
else ko "library code calls exit():$bad"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
