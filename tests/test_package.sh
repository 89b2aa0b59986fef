#!/usr/bin/env bash
# The Debian packages, built and checked the way an installation would meet them:
# cpack makes renod_*.deb and reno_*.deb from the build directory; their control fields
# (computed dependencies, conffiles, maintainer scripts) and file lists are checked; both
# are unpacked into a temporary root (dpkg -x: no chroot or container is available, and
# nothing is installed on this machine), where the installed programs answer --version and
# --help, the man pages render without warnings, systemd-analyze verifies the unit
# (ExecStart pointed into the temporary root, since the unit names /usr/sbin/renod) and
# scores its sandbox, systemd-sysusers reads the user's definition, and the bash
# completion parses and completes.
#
# Usage: test_package.sh BUILD_DIR. Exits 77 (ctest: skipped) where dpkg-deb is missing,
# i.e. not on Debian; everything else missing is a failure.
set -euo pipefail

build=$(cd "$1" && pwd)
command -v dpkg-deb >/dev/null || { echo "SKIP: dpkg-deb not found (not Debian)"; exit 77; }

work=$(mktemp -d /tmp/reno-package.XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}
check() { # check DESCRIPTION COMMAND...: runs it, failing with its output when it fails
    local what=$1
    shift
    local out
    if ! out=$("$@" 2>&1); then
        fail "$what: $out"
    fi
}
contains() { # contains DESCRIPTION TEXT WORD...
    local what=$1 text=$2
    shift 2
    for word in "$@"; do
        grep -qF -- "$word" <<<"$text" || fail "$what lacks '$word'"
    done
}

# ---- Build ---------------------------------------------------------------------------
(cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) ||
    { cat "$work/cpack.log" >&2; echo "FAIL: cpack" >&2; exit 1; }
renod_deb=$(ls "$work"/out/renod_*.deb)
reno_deb=$(ls "$work"/out/reno_*.deb)
echo "built $(basename "$renod_deb") $(stat -c %s "$renod_deb") bytes," \
    "$(basename "$reno_deb") $(stat -c %s "$reno_deb") bytes"

# ---- Control fields --------------------------------------------------------------------
for deb in "$renod_deb" "$reno_deb"; do
    name=$(dpkg-deb --field "$deb" Package)
    depends=$(dpkg-deb --field "$deb" Depends)
    echo "$name Depends: $depends"
    # dpkg-shlibdeps computed these from the linked libraries; none was typed by hand.
    contains "$name's Depends" "$depends" "libc6 (>=" "libsodium23" "libssl3" "libprotobuf-c1"
    [ "$(dpkg-deb --field "$deb" Architecture)" = "$(dpkg --print-architecture)" ] ||
        fail "$name: architecture"
    [ -n "$(dpkg-deb --field "$deb" Description)" ] || fail "$name: no description"
done
contains "renod's Depends" "$(dpkg-deb --field "$renod_deb" Depends)" "libpq5" "libuv1"
contains "reno's Depends" "$(dpkg-deb --field "$reno_deb" Depends)" "libncursesw6"
# The client does not need the database library, nor the server the terminal one.
grep -q libpq5 <<<"$(dpkg-deb --field "$reno_deb" Depends)" && fail "reno depends on libpq5"
grep -q libncurses <<<"$(dpkg-deb --field "$renod_deb" Depends)" &&
    fail "renod depends on ncurses"

dpkg-deb --control "$renod_deb" "$work/control"
[ "$(cat "$work/control/conffiles")" = "/etc/reno/renod.conf" ] ||
    fail "conffiles: $(cat "$work/control/conffiles")"
for script in postinst prerm postrm; do
    [ -x "$work/control/$script" ] || fail "renod has no executable $script"
    check "$script parses" sh -n "$work/control/$script"
done
contains "postinst" "$(cat "$work/control/postinst")" "systemd-sysusers reno.conf" \
    "dpkg-statoverride --update --add root reno 0640 /etc/reno/renod.conf"

# ---- File lists ------------------------------------------------------------------------
renod_files=$(dpkg-deb --contents "$renod_deb")
reno_files=$(dpkg-deb --contents "$reno_deb")
contains "renod's files" "$renod_files" ./usr/sbin/renod ./lib/systemd/system/renod.service \
    ./usr/lib/sysusers.d/reno.conf ./etc/reno/renod.conf ./usr/share/man/man8/renod.8.gz
contains "reno's files" "$reno_files" ./usr/bin/reno ./usr/share/man/man1/reno.1.gz \
    ./usr/share/bash-completion/completions/reno ./usr/share/locale/zh_CN/LC_MESSAGES/reno.mo
grep -q 'usr/bin/reno$' <<<"$renod_files" && fail "renod ships the client"
grep -q 'usr/sbin/renod$' <<<"$reno_files" && fail "reno ships the server"
# Every file belongs to root: the user reno owns nothing it could rewrite.
awk '{ if ($2 != "root/root") { print; bad = 1 } } END { exit bad }' \
    <<<"$renod_files$(printf '\n')$reno_files" >/dev/null || fail "a file not owned by root"

# ---- Unpacked into a temporary root ----------------------------------------------------
root=$work/root
dpkg -x "$renod_deb" "$root"
dpkg -x "$reno_deb" "$root"
version=$(sed -n 's/^project(reno VERSION \([0-9.]*\).*/\1/p' "$(dirname "$0")/../CMakeLists.txt")
[ "$("$root/usr/sbin/renod" --version)" = "renod $version" ] || fail "renod --version"
"$root/usr/bin/reno" --version | grep -q "^reno $version " || fail "reno --version"
contains "renod --help" "$("$root/usr/sbin/renod" --help)" migrate serve --tls-cert
contains "reno --help" "$(LC_ALL=C.UTF-8 LANGUAGE= "$root/usr/bin/reno" --help)" dashboard status
# The client looks for its catalogue where the package puts it, and reads Chinese from it.
grep -qaF /usr/share/locale "$root/usr/bin/reno" || fail "reno looks for its catalogue elsewhere"
if locale -a 2>/dev/null | grep -qi '^zh_CN\.utf-\?8$'; then
    zh_help=$(LANG=zh_CN.UTF-8 LC_ALL= LANGUAGE= RENO_LOCALEDIR=$root/usr/share/locale \
        "$root/usr/bin/reno" --help)
    grep -q '命令' <<<"$zh_help" || fail "LANG=zh_CN.UTF-8 reno --help is not Chinese"
fi

# Man pages: they render, without groff warnings, and carry the --help text.
for page in usr/share/man/man8/renod.8.gz usr/share/man/man1/reno.1.gz; do
    text=$(zcat "$root/$page" | LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z 2>&1) ||
        fail "$page: groff failed"
    [ -z "$text" ] || fail "$page: groff warns: $text"
    rendered=$(MANWIDTH=80 LC_ALL=C.UTF-8 man -l "$root/$page" 2>/dev/null)
    contains "$page" "$rendered" NAME SYNOPSIS DESCRIPTION
done
# man-db drops the overstriking when its output is not a terminal: plain text to search.
contains "renod(8)" "$(MANWIDTH=80 man -l "$root/usr/share/man/man8/renod.8.gz" 2>/dev/null)" \
    "UPGRADING" "renod --database 'dbname=reno' migrate" "--tls-cert" "/etc/reno/renod.conf"
contains "reno(1)" "$(MANWIDTH=80 man -l "$root/usr/share/man/man1/reno.1.gz" 2>/dev/null)" \
    "progress push" "COMPLETION"

# ---- The unit ------------------------------------------------------------------------
unit=$root/lib/systemd/system/renod.service
grep -q '^ExecStart=/usr/sbin/renod --config /etc/reno/renod.conf serve$' "$unit" ||
    fail "ExecStart"
for line in Type=notify User=reno ProtectSystem=strict ProtectHome=yes NoNewPrivileges=yes \
    PrivateTmp=yes PrivateDevices=yes "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6" \
    SystemCallFilter=@system-service CapabilityBoundingSet= WatchdogSec=30s; do
    grep -qx -- "$line" "$unit" || fail "the unit lacks $line"
done
if command -v systemd-analyze >/dev/null; then
    mkdir -p "$work/unit"
    sed "s|/usr/sbin/renod|$root/usr/sbin/renod|" "$unit" >"$work/unit/renod.service"
    # --man=no: the man page named by Documentation= is in the temporary root, not installed.
    # A directive it cannot parse is only a warning to systemd: any output is a failure.
    out=$(systemd-analyze verify --man=no "$work/unit/renod.service" 2>&1) || fail "verify: $out"
    [ -z "$out" ] || fail "systemd-analyze verify: $out"
    # The exposure score (0 safest, 10 least safe); 2.0 and below is what systemd calls OK.
    score=$(systemd-analyze security --offline=yes --no-pager "$work/unit/renod.service" 2>&1 |
        sed -n 's/.*Overall exposure level for renod.service: \([0-9.]*\).*/\1/p')
    echo "systemd-analyze security: exposure $score"
    awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 2.0) }' || fail "exposure '$score'"
    check "systemd-sysusers" systemd-sysusers --dry-run --root="$root" \
        "$root/usr/lib/sysusers.d/reno.conf"
else
    fail "systemd-analyze not found (scripts/setup installs systemd)"
fi

# ---- bash completion -----------------------------------------------------------------
completion=$root/usr/share/bash-completion/completions/reno
check "completion parses" bash -n "$completion"
complete_words() { # complete_words WORD...: what Tab offers after them (the last is partial)
    PATH=$root/usr/bin:$PATH bash -c '
        source "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _reno; printf "%s\n" "${COMPREPLY[@]}"' \
        _ "$completion" reno "$@"
}
[ "$(complete_words pro | sort | tr '\n' ' ')" = "progress project " ] ||
    fail "reno pro<Tab>: $(complete_words pro | tr '\n' ' ')"
[ "$(complete_words project cr)" = "create" ] || fail "reno project cr<Tab>"
contains "reno progress push --<Tab>" "$(complete_words progress push --)" --project --started
contains "reno --server x fund <Tab>" "$(complete_words --server x fund '')" allocate receive pay

if [ "$failures" -gt 0 ]; then
    echo "$failures package checks failed" >&2
    exit 1
fi
echo "package checks passed"
