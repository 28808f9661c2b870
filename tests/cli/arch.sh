#!/bin/sh
# Command-line tests of `nastab arch`: the official NATS-Bench size-space
# figures (parameters, FLOPs, index) for each dataset, NB201's canonical
# form, JSON output, and every bad input exiting 2 with a message naming it.
#   expected-exit | expected substring of stderr | command (after `nastab`)
. "$(dirname "$0")/lib.sh"

out_has() { # description, substring of the last command's stdout
    if grep -qF -- "$2" "$tmp/out"; then echo "ok   cli: $1"; pass=$((pass + 1));
    else echo "FAIL cli: $1: stdout lacks '$2': $(head -c 300 "$tmp/out")"; fail=$((fail + 1)); fi
}

BEST='|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|'

check 0 "" arch --help
check 0 "" arch --space sss --arch 8:8:8:8:8
out_has "8:8:8:8:8 params on cifar10" "params     11714 (0.011714 M)"
out_has "8:8:8:8:8 flops on cifar10" "flops      4.481114 M"
out_has "8:8:8:8:8 index" "index      0 of 32768"
out_has "sss has no canonical form" "canonical  none"
check 0 "" arch --space sss --arch 8:8:8:8:8 --dataset cifar100
out_has "8:8:8:8:8 params on cifar100" "params     12524"
check 0 "" arch --space sss --arch 8:8:8:8:8 --dataset ImageNet16-120
out_has "8:8:8:8:8 params on ImageNet16-120" "params     12704"
check 0 "" arch --space sss --arch 8:8:8:16:32 --json
out_has "8:8:8:16:32 as JSON" '"index": 11, "size": 32768, "dataset": "cifar10", "classes": 10, "input": [3, 32, 32], "params": 49202, "params_m": 0.049202, "flops_m": 6.840650}'
check 0 "" arch --space sss --arch 8:8:8:16:32 --dataset ImageNet16-120 --json
out_has "8:8:8:16:32 ImageNet16-120 (official 0.052832 M, 1.71404 MFLOPs)" '"params": 52832, "params_m": 0.052832, "flops_m": 1.714040'
check 0 "" arch --space sss --arch 64:64:64:64:64 --dataset fashion-mnist
out_has "last index" "index      32767 of 32768"
out_has "fashion-mnist shape" "fashion-mnist (10 classes, 1x28x28)"
check 0 "" arch --space nb201 --arch "$BEST" --json
out_has "nb201 JSON has the canonical form" '"canonical_index": 11468'
check 0 "" arch --space nb201 --arch '|skip_connect~0|+|none~0|none~1|+|none~0|none~1|nor_conv_3x3~2|'
out_has "nb201 canonical representative" "canonical  |none~0|+|none~0|none~1|+|none~0|none~1|nor_conv_3x3~2| (index 9375)"

# bad input: exit 2, the message names the value
check 2 "missing --space" arch --arch 8:8:8:8:8
check 2 "missing --arch" arch --space sss
check 2 "search space 'nats-sss' is not known; hint: known spaces are nb201, sss" arch --space nats-sss --arch 8:8:8:8:8
check 2 "at position 4: width '12' of layer 3 is not one of the choices" arch --space sss --arch 8:8:12:8:8
check 2 "wrong number of layers: found 4, expected 5" arch --space sss --arch 8:8:8:8
check 2 "wrong number of layers: more than 5" arch --space sss --arch 8:8:8:8:8:8
check 2 "trailing characters" arch --space sss --arch '8:8:8:8:8x'
check 2 "arch string: at position 0" arch --space nb201 --arch 8:8:8:8:8
check 2 "arch string (sss): at position 0: expected the width of layer 1 (digits), found '|'" arch --space sss --arch "$BEST"
check 2 "--dataset: unknown 'imagenet'" arch --space sss --arch 8:8:8:8:8 --dataset imagenet
check 2 "unknown option" arch --space sss --arch 8:8:8:8:8 --channels 4
# train refuses an unknown space and a string of the other space before loading data
check 2 "search space 'nat' is not known" train --space nat --arch 8:8:8:8:8 --dataset cifar10
check 2 "arch string (sss)" train --space sss --arch "$BEST" --dataset cifar10
finish
