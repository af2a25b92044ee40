#!/usr/bin/env bash
# t66-install-modes: the users, groups, owners and modes that `cmake --install`
# (to a DESTDIR) and then systemd-sysusers and `systemd-tmpfiles --create
# --root=` produce give each kind of user what docs/web/README.md's table says
# and nothing else (issue 13, High 2). Beyond the modes, the kernel is asked:
# a process with the web server's groups writes a request into
# /var/spool/vitrine/web and reads the site, but cannot write the tool's
# spool, a hotfolder or the state; an administrator writes the tool's spool.
# Needs root (chown) and the systemd tools; skipped otherwise.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"

[ "$(id -u)" = 0 ] || skip "needs root to set owners"
for tool in systemd-sysusers systemd-tmpfiles setpriv; do
    command -v "$tool" >/dev/null || skip "$tool is not installed"
done
[ -f "$VT_BUILD_DIR/cmake_install.cmake" ] || fail "no build in $VT_BUILD_DIR"

root=$T/root
chmod 0755 "$T"
mkdir -p "$root/etc"
DESTDIR=$root cmake --install "$VT_BUILD_DIR" --prefix /usr >"$T/install.log" 2>&1 ||
    fail "cmake --install failed: $(tail -n 20 "$T/install.log")"
for f in usr/lib/sysusers.d/vitrine.conf usr/lib/tmpfiles.d/vitrine.conf \
         usr/lib/systemd/system/vitrined.service usr/lib/cgi-bin/vitrine-edit.cgi \
         usr/lib/cgi-bin/vitrine-search.cgi; do
    assert_file "$root/$f" "installed: /$f"
done
systemd-sysusers --root="$root" >"$T/sysusers.log" 2>&1 ||
    fail "systemd-sysusers: $(cat "$T/sysusers.log")"
systemd-tmpfiles --create --root="$root" >"$T/tmpfiles.log" 2>&1 ||
    fail "systemd-tmpfiles: $(cat "$T/tmpfiles.log")"

gid_of() { awk -F: -v g="$1" '$1 == g { print $3 }' "$root/etc/group"; }
uid_of() { awk -F: -v u="$1" '$1 == u { print $3 }' "$root/etc/passwd"; }
vuid=$(uid_of vitrine)
vgid=$(gid_of vitrine)
wgid=$(gid_of vitrine-web)
[ -n "$vuid" ] && [ -n "$vgid" ] && [ -n "$wgid" ] || fail "sysusers made no vitrine user or groups"
grep -q "^vitrine-web:[^:]*:$wgid:.*vitrine" "$root/etc/group" || fail "vitrine is not in vitrine-web"
ok "users: vitrine ($vuid), groups vitrine ($vgid) and vitrine-web ($wgid), vitrine a member of vitrine-web"

# expect PATH MODE OWNER GROUP
expect() {
    local got want
    got=$(stat -c '%a %u %g' "$root$1") || fail "$1 was not created"
    want="$2 $(uid_of "$3") $(gid_of "$4")"
    assert_eq "$want" "$got" "$1: mode $2, $3:$4"
}
expect /srv/vitrine/originals 2750 vitrine vitrine-web
expect /srv/vitrine/quarantine 2750 vitrine vitrine
expect /srv/vitrine/site 2750 vitrine vitrine-web
expect /srv/vitrine/hotfolders 751 vitrine vitrine
expect /srv/iiif/images 2750 vitrine vitrine-web
expect /var/spool/vitrine 2771 vitrine vitrine
expect /var/spool/vitrine/web 2770 vitrine vitrine-web
expect /var/spool/vitrine/web/answers 2770 vitrine vitrine-web
expect /var/lib/vitrine 751 vitrine vitrine
expect /var/lib/vitrine/search 2750 vitrine vitrine-web

# What vitrined would write, with its UMask=0027, as user vitrine.
as_daemon() { setpriv --reuid="$vuid" --regid="$vgid" --groups="$wgid" --inh-caps=-all -- "$@"; }
as_daemon sh -c "umask 0027; echo page >'$root/srv/vitrine/site/index.html' &&
    mkdir -p '$root/srv/vitrine/hotfolders/photo' && echo state >'$root/var/lib/vitrine/data.mdb' &&
    mkdir '$root/var/lib/vitrine/search/index' && echo x >'$root/var/lib/vitrine/search/index/db'" ||
    fail "the daemon's user cannot write its folders"

# The web server: a user of its own with group vitrine-web only.
web=(setpriv --reuid=33333 --regid=33333 --groups="$wgid" --inh-caps=-all --)
admin=(setpriv --reuid=33334 --regid=33334 --groups="$vgid" --inh-caps=-all --)
can() { "$@" >/dev/null 2>&1; }
can "${web[@]}" sh -c "echo '{}' >'$root/var/spool/vitrine/web/1-x.json'" ||
    fail "the web server cannot write its request folder"
ok "web server: writes /var/spool/vitrine/web"
can "${web[@]}" cat "$root/srv/vitrine/site/index.html" || fail "the web server cannot read the site"
can "${web[@]}" cat "$root/var/lib/vitrine/search/index/db" || fail "the web server cannot read the index"
ok "web server: reads the site and the index"
can "${web[@]}" sh -c "echo x >'$root/var/spool/vitrine/1-x.json'" &&
    fail "the web server can write the tool's spool"
can "${web[@]}" sh -c "echo x >'$root/srv/vitrine/hotfolders/photo/x.jpg'" &&
    fail "the web server can write a hotfolder"
can "${web[@]}" sh -c "echo x >'$root/srv/vitrine/hotfolders/x.jpg'" &&
    fail "the web server can write the hotfolders' root"
can "${web[@]}" cat "$root/var/lib/vitrine/data.mdb" && fail "the web server can read the state"
can "${web[@]}" sh -c "echo x >'$root/var/lib/vitrine/x'" && fail "the web server can write the state"
can "${web[@]}" ls "$root/srv/vitrine/quarantine" && fail "the web server can list the quarantine"
ok "web server: cannot write the tool's spool, the hotfolders or the state, nor read the state"
can "${admin[@]}" sh -c "echo '{}' >'$root/var/spool/vitrine/2-x.json'" ||
    fail "an administrator cannot write the tool's spool"
can "${admin[@]}" cat "$root/var/lib/vitrine/data.mdb" || fail "an administrator cannot read the state"
can "${admin[@]}" sh -c "echo x >'$root/var/spool/vitrine/web/3-x.json'" &&
    fail "an administrator can write the web server's requests"
ok "administrator: writes the tool's spool, reads the state, not the web server's folder"
