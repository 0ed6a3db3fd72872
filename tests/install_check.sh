#!/usr/bin/env bash
# What `cmake --install` puts in place, checked as a packager would: every
# file where the desktop expects it, the desktop file and AppStream metainfo
# valid, the man page rendering without warnings and naming every option the
# program itself lists, and --version naming the libraries in use.
# usage: install_check.sh BUILD_DIR DREDGE_STUDIO_EXE
set -euo pipefail
build=$1 exe=$2
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# Outside CI a missing validator is a skip of that check; in CI it is a failure.
need() {
    command -v "$1" >/dev/null && return 0
    [ "${CI:-}" = true ] && fail "$1 is missing (build.sh test installs it)"
    echo "SKIP: $1 not installed"; return 1
}

DESTDIR="$root" cmake --install "$build" --prefix /usr >/dev/null
for f in bin/dredge-studio share/applications/dredge-studio.desktop \
         share/icons/hicolor/scalable/apps/dredge-studio.svg \
         share/icons/hicolor/256x256/apps/dredge-studio.png \
         share/metainfo/io.dredge.Studio.metainfo.xml share/man/man1/dredge-studio.1 \
         share/doc/dredge-studio/README.md share/doc/dredge-studio/CHANGELOG.md \
         share/doc/dredge-studio/user-guide.md; do
    [ -s "$root/usr/$f" ] || fail "not installed: /usr/$f"
done
file "$root/usr/share/icons/hicolor/256x256/apps/dredge-studio.png" | grep -q "256 x 256" ||
    fail "the PNG icon is not 256 x 256"
grep -q '<release version="'"$("$exe" --version | head -1 | awk '{print $3}')"'"' \
    "$root/usr/share/metainfo/io.dredge.Studio.metainfo.xml" ||
    fail "the metainfo's release is not the app's version"

if need desktop-file-validate; then
    desktop-file-validate "$root/usr/share/applications/dredge-studio.desktop"
fi
if need appstreamcli; then
    appstreamcli validate --no-net "$root/usr/share/metainfo/io.dredge.Studio.metainfo.xml"
fi
man_page="$root/usr/share/man/man1/dredge-studio.1"
if need groff; then
    warnings=$(groff -man -Tutf8 -ww "$man_page" 2>&1 >/dev/null)
    [ -z "$warnings" ] || fail "the man page renders with warnings: $warnings"
fi

# Every option the program lists is in the man page (as \-\-name).
for command in "" train serve runs sweep; do
    options=$("$exe" $command --help | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u)
    for option in $options; do
        case "$option" in --help | --help-all) continue ;; esac
        grep -qF -- "$(echo "$option" | sed 's/-/\\-/g')" "$man_page" ||
            fail "'dredge-studio $command $option' is not in the man page"
    done
done

# Every setting of the settings table is in the man page with its default (the
# page's list is made from the table at build time: this checks that making).
settings_doc="$build/app/dredge-settings-doc"
rendered=$(MANWIDTH=1000 man -l "$man_page" 2>/dev/null | tr -s ' ')
while IFS=$'\t' read -r flag default; do
    paragraph=$({ grep -A1 -E -- "^ $flag( |,|$)" <<<"$rendered" || true; } | sed -n 2p)
    [ -n "$paragraph" ] || fail "the setting $flag is not in the man page"
    [ -z "$default" ] || grep -qF -- "$default" <<<"$paragraph" ||
        fail "the man page does not give $flag's default $default: $paragraph"
done < <("$settings_doc" --list)

version=$("$exe" --version)
for library in "DREDGE Studio" "Qt 6" "LibTorch" "OpenSSL" "SQLite 3"; do
    grep -q "^$library" <<<"$version" || fail "--version does not name $library: $version"
done
echo "install check passed"
