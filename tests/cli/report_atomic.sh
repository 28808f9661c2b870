#!/bin/sh
# Command-line tests of the report folders' outputs (issue 11 item 5): every
# file `report`, `mo-report` and `devices-report` write appears complete under
# its final name or not at all. On a full disk (ulimit -f, SIGXFSZ ignored:
# writes fail with EFBIG) no 0-byte file, no cut text file and no temporary is
# left under the report folder, and a report already there stays whole; a
# successful report leaves no gnuplot *.log; a stale temporary of a dead
# process is removed by the next report; a report refuses to write over the
# file it reads.
. "$(dirname "$0")/lib.sh"

check 0 "" --quiet run --table "$T" --dataset cifar10,cifar100 --strategy random,rea,local \
    --runs 4 --budget 3000 --seed 0 -o "$tmp/r.h5"
check 0 "" --quiet mo --table "$T" --dataset cifar10 --device edgegpu --strategy random,nsga2 \
    --runs 3 -o "$tmp/m.h5"
gp=$(command -v gnuplot || true)
fmt=md,csv,tex
[ -n "$gp" ] && fmt=md,csv,tex,png,svg
check 0 "" --quiet report "$tmp/r.h5" -o "$tmp/good" --format "$fmt"
ok_if "report: no gnuplot *.log left after a successful report" \
    [ -z "$(ls "$tmp/good" | grep '\.log$')" ]

limited() { # nastab arguments, run with a 16-block file size limit
    sh -c "trap '' XFSZ; ulimit -f 24; exec \"\$0\" \"\$@\"" "$N" --quiet "$@" > /dev/null 2> "$tmp/err"
}
whole() { # dir: 1 when no empty file, no temporary, and every text file equals good's
    bad=""
    for f in "$1"/*; do
        [ -e "$f" ] || continue
        b=$(basename "$f")
        case "$b" in
        *.tmp.*) bad="$bad $b(temporary)" ;;
        *.png | *.pdf | *.svg) [ -s "$f" ] || bad="$bad $b(empty)" ;;
        *) if [ ! -s "$f" ]; then bad="$bad $b(empty)"
           elif [ -f "$2/$b" ] && ! cmp -s "$f" "$2/$b"; then bad="$bad $b(differs)"; fi ;;
        esac
    done
    [ -z "$bad" ] || echo "     $1:$bad"
    [ -z "$bad" ]
}
limited report "$tmp/r.h5" -o "$tmp/full" --format "$fmt"
rc=$?
ok_if "report on a full disk: exit 1 (got $rc; $(head -c 160 "$tmp/err"))" [ "$rc" -eq 1 ]
ok_if "report on a full disk: no empty, cut or temporary file" whole "$tmp/full" "$tmp/good"
cp -r "$tmp/good" "$tmp/again"
limited report "$tmp/r.h5" -o "$tmp/again" --format "$fmt"
ok_if "report over an earlier report on a full disk: the earlier files stay whole" \
    whole "$tmp/again" "$tmp/good"
ok_if "report over an earlier report on a full disk: no file lost" \
    [ "$(ls "$tmp/again" | grep -v '\.log$' | wc -l)" -eq "$(ls "$tmp/good" | wc -l)" ]

check 0 "" --quiet mo-report "$tmp/m.h5" -o "$tmp/mo-good" --format png
limited mo-report "$tmp/m.h5" -o "$tmp/mo-full" --format png
rc=$?
ok_if "mo-report on a full disk: exit 1 (got $rc)" [ "$rc" -eq 1 ]
ok_if "mo-report on a full disk: no empty, cut or temporary file" whole "$tmp/mo-full" "$tmp/mo-good"
limited devices-report --table "$T" -o "$tmp/dev-full" --format png
rc=$?
ok_if "devices-report on a full disk: exit 1 (got $rc)" [ "$rc" -eq 1 ]
ok_if "devices-report on a full disk: no empty or temporary file" whole "$tmp/dev-full" /nonexistent

# A temporary left by a killed report (its pid is dead) goes with the next one.
dead=$(sh -c 'echo $$')
while kill -0 "$dead" 2> /dev/null; do dead=$(sh -c 'echo $$'); done
printf 'cut sh' > "$tmp/good/ranks.md.tmp.$dead"
printf 'cut' > "$tmp/good/summary.csv.tmp.$dead"
[ -n "$gp" ] && : > "$tmp/good/anytime_cifar10.png.tmp.$dead"
check 0 "" --quiet report "$tmp/r.h5" -o "$tmp/good" --format "$fmt"
ok_if "report: stale temporaries of a dead process are removed" \
    [ -z "$(ls "$tmp/good" | grep "\.tmp\.")" ]

# A report never writes the file it reads.
mkdir "$tmp/in"
cp "$tmp/r.h5" "$tmp/in/ranks.md"
check 1 "it is the input results file" report "$tmp/in/ranks.md" -o "$tmp/in" --format md
ok_if "report refusing its input: the results file is unchanged" cmp -s "$tmp/r.h5" "$tmp/in/ranks.md"
cp "$tmp/m.h5" "$tmp/in/mo_report.md"
check 1 "it is the input results file" mo-report "$tmp/in/mo_report.md" -o "$tmp/in" --format png
ok_if "mo-report refusing its input: the results file is unchanged" cmp -s "$tmp/m.h5" "$tmp/in/mo_report.md"

finish
