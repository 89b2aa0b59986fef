#!/bin/sh
# Checks that every message catalogue is complete: each string the client marks for
# translation (the files in po/POTFILES, extracted as the reno-pot target does) has a
# translation in po/<lang>.po that is neither missing, empty nor fuzzy, and that msgfmt
# accepts the catalogue with its format checks. A person under that language must never
# read an English sentence the catalogue forgot.
#   po/check-catalogue.sh SOURCE_DIR    (exit 77: the gettext tools are not installed)
set -eu
src=${1:?usage: check-catalogue.sh SOURCE_DIR}
for tool in xgettext msgcmp msgfmt; do
    command -v "$tool" >/dev/null 2>&1 || { echo "no $tool: skipped"; exit 77; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$src" && xgettext --from-code=UTF-8 --language=C --keyword=_ --keyword=N_ \
    --keyword=NC_:1c,2 --keyword=OP:4 --package-name=reno --no-location \
    --files-from=po/POTFILES --output="$tmp/reno.pot")
status=0
for po in "$src"/po/*.po; do
    # msgcmp counts an untranslated or fuzzy entry as missing.
    if ! msgcmp "$po" "$tmp/reno.pot"; then
        echo "$po: strings above lack a translation: run the reno-pot target and translate them" >&2
        status=1
    fi
    stats=$(LC_ALL=C msgfmt --check --statistics -o /dev/null "$po" 2>&1)
    echo "$(basename "$po"): $stats"
    case "$stats" in
    *fuzzy* | *untranslated*) echo "$po: fuzzy or untranslated entries" >&2; status=1 ;;
    esac
done
exit $status
