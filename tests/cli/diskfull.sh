#!/bin/sh
# Command-line tests of a full disk while a results file is written (issue 11
# item 8, results part): `run -o` and `mo -o` under a 40-block file size
# limit (ulimit -f, SIGXFSZ ignored: writes fail with EFBIG as on a full
# disk) must exit 1 with a message naming the output, and leave neither the
# file nor its temporary.
#
# XFAIL_TEARDOWN=1: the crash at exit (HDF5's atexit teardown, H5_term_library,
# after the failed H5Fclose: SIGSEGV) is fixed by H5dont_atexit() before the
# first HDF5 call, which lands with tables/h5util.c or bench/main.c (not in
# this branch); until then a SIGSEGV is reported as "xfail" and not counted.
# Set it to 0 once that fix is merged.
XFAIL_TEARDOWN=0
. "$(dirname "$0")/lib.sh"

mkdir "$tmp/full"
full() { # label, then nastab arguments (the output is $tmp/full/out.h5)
    label=$1; shift
    sh -c "trap '' XFSZ; ulimit -f 40; exec \"\$0\" \"\$@\"" "$N" --quiet "$@" > /dev/null 2> "$tmp/err"
    rc=$?
    if [ "$rc" -ge 128 ] && [ "$XFAIL_TEARDOWN" = 1 ]; then
        echo "xfail cli: $label on a full disk: exit $rc (HDF5 teardown at exit; see XFAIL_TEARDOWN)"
    else
        ok_if "$label on a full disk: exit 1 (got $rc)" [ "$rc" -eq 1 ]
        [ "$rc" -lt 128 ] || [ "$XFAIL_TEARDOWN" = 1 ] ||
            echo "     (the teardown fix is in: set XFAIL_TEARDOWN=0)"
    fi
    ok_if "$label on a full disk: the message names the output ($(head -c 160 "$tmp/err"))" \
        grep -q "full/out.h5" "$tmp/err"
    ok_if "$label on a full disk: no file, no temporary" [ -z "$(ls "$tmp/full")" ]
    rm -f "$tmp/full/"*
}
full "run -o" run --table "$T" --dataset cifar10,cifar100 --strategy random,rea --runs 100 -o "$tmp/full/out.h5"
full "mo -o" mo --table "$T" --dataset cifar10,cifar100 --device edgegpu --strategy random,nsga2 --runs 30 -o "$tmp/full/out.h5"

finish
