#!/bin/sh
# Command-line tests of the hardware-aware commands (mo, mo-report,
# devices-report): bad input gets a clear message and the documented exit
# code (0 ok, 1 failure, 2 bad usage); good input writes the promised files;
# the results do not depend on --threads.
#   expected-exit | expected substring of stderr | command (after `nastab`)
. "$(dirname "$0")/lib.sh"

M="--table $T --dataset cifar10 --device edgegpu"

# mo: usage errors
check 0 "" mo --help
check 2 "missing --table" mo --dataset cifar10 --device edgegpu --strategy nsga2 -o "$tmp/m.h5"
check 2 "missing --device" mo --table "$T" --dataset cifar10 --strategy nsga2 -o "$tmp/m.h5"
check 2 "missing -o RESULTS" mo $M --strategy nsga2
check 2 "unknown" mo $M --strategy genetic -o "$tmp/m.h5"
check 2 "'nsga2' given twice" mo $M --strategy nsga2,nsga2 -o "$tmp/m.h5"
check 2 "device 'toaster'" mo --table "$T" --dataset cifar10 --device toaster --strategy nsga2 -o "$tmp/m.h5"
check 2 "cifar11" mo --table "$T" --dataset cifar11 --device edgegpu --strategy nsga2 -o "$tmp/m.h5"
check 2 "--latency-max: -1 is out of range" mo $M --strategy nsga2 --latency-max -1 -o "$tmp/m.h5"
check 2 "--latency-max: 'fast' is not" mo $M --strategy nsga2 --latency-max fast -o "$tmp/m.h5"
check 2 "--population: 1 is out of range" mo $M --strategy nsga2 --population 1 -o "$tmp/m.h5"
check 2 "--runs: 0 is out of range" mo $M --strategy nsga2 --runs 0 -o "$tmp/m.h5"
check 1 "garbage.h5" mo --table "$tmp/garbage.h5" --dataset cifar10 --device edgegpu --strategy nsga2 -o "$tmp/m.h5"
# mo: a real run, 1 and 2 threads give the same file content
check 0 "" --quiet mo $M --strategy nsga2,scalarised,rea-constrained --runs 8 --budget 6000 --threads 1 -o "$tmp/m1.h5"
check 0 "" --quiet mo $M --strategy nsga2,scalarised,rea-constrained --runs 8 --budget 6000 --threads 2 -o "$tmp/m2.h5"
if command -v h5dump > /dev/null 2>&1; then
    h5dump -d /series/0/eval_arch "$tmp/m1.h5" > "$tmp/d1" 2>&1
    h5dump -d /series/0/eval_arch "$tmp/m2.h5" | sed "s|$tmp/m2.h5|$tmp/m1.h5|" > "$tmp/d2" 2>&1
    ok_if "mo: 1 and 2 threads give identical eval_arch" cmp -s "$tmp/d1" "$tmp/d2"
fi
check 0 "" --quiet mo --table "$T" --dataset cifar100 --device edgetpu,help_1080ti_latency_b32 --strategy random-constrained --runs 3 --latency-max 1.0 -o "$tmp/m3.h5"
# mo-report
check 2 "expected one RESULTS file" mo-report
check 1 "garbage.h5" mo-report "$tmp/garbage.h5" -o "$tmp/rep"
check 1 "not a nastab multi-objective results file" mo-report "$T" -o "$tmp/rep"
check 1 "nothere.h5" mo-report "$tmp/nothere.h5" -o "$tmp/rep"
check 2 "--format" mo-report "$tmp/m1.h5" --format docx -o "$tmp/rep"
check 0 "" --quiet mo-report "$tmp/m1.h5" -o "$tmp/rep" --format png
ok_if "mo-report: mo_report.md lists nsga2" grep -q "| nsga2 |" "$tmp/rep/mo_report.md"
ok_if "mo-report: hypervolume data written" test -s "$tmp/rep/hv_cifar10_hwnas_edgegpu_latency_cifar10.dat"
if command -v gnuplot > /dev/null 2>&1; then
    ok_if "mo-report: front figure drawn" test -s "$tmp/rep/front_cifar10_hwnas_edgegpu_latency_cifar10.png"
fi
# devices-report
check 2 "missing --table" devices-report -o "$tmp/dev"
check 2 "--dataset: 'cifar11'" devices-report --table "$T" --dataset cifar11 -o "$tmp/dev"
check 2 "no hardware column with metric 'speed'" devices-report --table "$T" --metric speed -o "$tmp/dev"
check 1 "garbage.h5" devices-report --table "$tmp/garbage.h5" -o "$tmp/dev"
check 0 "" --quiet devices-report --table "$T" --metric energy -o "$tmp/dev"
ok_if "devices-report: tau table has the diagonal 1.00" grep -q "| c0 | 1.00 |" "$tmp/dev/devices.md"

finish
