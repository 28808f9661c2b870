#!/bin/sh
# The README's five-line h5py snippet reads the table nastab wrote and finds
# the published best cifar10-valid architecture (index 6111, 91.6067 %).
BUILD=${1:-build}
PY=/usr/bin/python3
if ! $PY -c "import h5py" 2>/dev/null; then
    echo "FAIL h5py: python3-h5py is not installed (make setup installs it)"; echo "0 passed, 1 failed"; exit 1
fi
snippet=$(sed -n '/^```python$/,/^```$/p' README.md | sed '1d;$d' | sed "s|build/nb201.h5|$BUILD/nb201.h5|")
out=$(printf '%s\n' "$snippet" | $PY 2>&1)
want='|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2| 91.60667'
if [ "$out" = "$want" ]; then echo "ok   h5py: README snippet prints the best cifar10-valid cell"; echo "1 passed, 0 failed"
else echo "FAIL h5py: README snippet printed '$out', want '$want'"; echo "0 passed, 1 failed"; exit 1; fi
