#!/bin/sh
# Command-line tests of an installed nastab (issue 11 item 12): `make install
# PREFIX=P` installs the published data in P/share/nastab and the installed
# binary, run from another folder, imports the NB201 table with no --source
# (the same content checksum as from the source tree); with no data anywhere it says to
# pass --source; the example plugin builds into an OUT folder that does not
# exist yet; no installed header carries internal notes.
. "$(dirname "$0")/lib.sh"

P="$tmp/p"
root=$(pwd)
if make --no-print-directory -s install BUILD="$BUILD" PREFIX="$P" DESTDIR= > "$tmp/install.log" 2>&1; then
    ok_if "make install PREFIX=$P" true
else
    ok_if "make install: $(tail -5 "$tmp/install.log")" false
fi
for f in share/nastab/nb201.csv.gz share/nastab/curves200.csv.gz share/nastab/PROVENANCE.md \
    share/nastab/PROTOCOL.md share/nastab/EXEC_PROTOCOL.md; do
    ok_if "installed $f" [ -f "$P/$f" ]
done
mkdir "$tmp/elsewhere"
(cd "$tmp/elsewhere" && "$P/bin/nastab" --quiet tables import nb201 -o t.h5) > /dev/null 2> "$tmp/err"
rc=$?
ok_if "installed binary, run elsewhere: tables import nb201 -o t.h5 exits 0 (got $rc; $(head -c 200 "$tmp/err"))" \
    [ "$rc" -eq 0 ]
"$N" --quiet tables import nb201 --source tables/data -o "$tmp/src.h5" 2> /dev/null
sum() { "$N" tables verify "$1" 2>&1 | sed -n 's/.*checksum \([0-9a-f]*\) verified.*/\1/p'; }
a=$(sum "$tmp/elsewhere/t.h5"); b=$(sum "$tmp/src.h5")
ok_if "installed binary, run elsewhere: the same table content as from the source tree ($a, $b)" \
    sh -c "[ -n '$a' ] && [ '$a' = '$b' ]"
# No data anywhere: the message says --source.
mkdir -p "$tmp/bare/bin" "$tmp/bare/run"
cp "$P/bin/nastab" "$tmp/bare/bin/nastab"
(cd "$tmp/bare/run" && "$tmp/bare/bin/nastab" tables import nb201 -o t.h5) > /dev/null 2> "$tmp/err"
rc=$?
if [ -f /usr/local/share/nastab/nb201.csv.gz ]; then
    ok_if "no data: skipped (/usr/local/share/nastab has it)" true
else
    ok_if "no data anywhere: exit 1 and a hint to pass --source ($(head -c 200 "$tmp/err"))" \
        sh -c "[ $rc -eq 1 ] && grep -q 'pass --source' '$tmp/err'"
fi
# The example plugin into a folder that does not exist yet.
if command -v pkg-config > /dev/null 2>&1; then
    PKG_CONFIG_PATH="$P/lib/pkgconfig" make --no-print-directory -s -C examples/strategy-plugin \
        OUT="$tmp/new/dir" > "$tmp/ex.log" 2>&1
    ok_if "example plugin: make OUT=<missing folder> builds ($(tail -c 200 "$tmp/ex.log"))" \
        [ -f "$tmp/new/dir/my_strategy.so" ]
fi
# Installed headers: no internal notes, no path into the source tree's
# private headers or a work folder.
notes=$(grep -rn -i -E 'temporary header|the lead|\bTODO\b|FIXME|XXX|/work/|_private\.h|tab_h5\.h|merges? it' \
    "$P/include/nastab" 2> /dev/null | head -5)
ok_if "installed headers carry no internal notes${notes:+: $notes}" [ -z "$notes" ]
cd "$root" || exit 1
finish
