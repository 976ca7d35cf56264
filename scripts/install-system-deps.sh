#!/usr/bin/env bash
# Installs the Debian packages that the test suite drives for real (no mocks):
#   ansible-core    ansible-playbook / ansible-inventory / ansible-galaxy, run on fixture playbooks
#   openssh-server  a real sshd on loopback as the target host; openssh-client for ssh-keyscan
#   knot            an authoritative DNS server on 127.0.0.0/8 for interoperability tests
#   git             playbook fetch against a local repository; the tag cache keys on commits
#   openssl         a throw-away CA and certificates for the local HTTPS servers of verify tests
#   sudo            present on the loopback "server", as MDAD requires (server preflight hook)
#   bsdutils, tar   `script` (a real pseudo-terminal for the wizard tests) and role tarballs
#   iproute2        `ss`, which the server preflight hook reads on the loopback "server"
#   systemd-journal-remote  writes journald files from export-format fixtures, which the real
#                   journalctl reads (`watch`'s log source tests; journald itself does not run here)
#   strace          the test that atomic writes fsync the folder after the rename
#   chromium        headless, opens the transcript HTML (hostile bodies must stay inert)
# Idempotent; runs as root (or via sudo when available).
set -euo pipefail
packages=(ansible-core openssh-server openssh-client knot git openssl sudo bsdutils tar iproute2 systemd-journal-remote strace chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "system packages: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts services on install; the tests start their own instances on loopback.
for svc in knot ssh systemd-journal-remote.socket; do
  $SUDO systemctl disable --now "$svc" >/dev/null 2>&1 || $SUDO service "$svc" stop >/dev/null 2>&1 || true
done
echo "system packages: done"
