#!/usr/bin/env bash
# End to end over real SSH (tier 4): `cordon serve` with an access config, a
# private sshd on 127.0.0.1 (own config, host key and pid file; UsePAM no; key
# login; Match Group + ForceCommand pinning the users to the console), two
# real OS users logged in with `ssh -t` inside tmux. One records a fever case
# through the form; the other's alerts pane must show it within a second.
# Both quit; sshd and the server are stopped by their pids; users removed.
#
# Usage: scripts/ssh-e2e.sh [path/to/cordon]   (default .build/debug/cordon)
# Needs root (it creates users); skips with a message when not root.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/debug/cordon}
say() { echo "ssh-e2e: $*" >&2; }
if [ "$(id -u)" != 0 ]; then
  say "SKIPPED: needs root to create OS users and run sshd"
  exit 0
fi
for tool in /usr/sbin/sshd ssh ssh-keygen tmux useradd; do
  command -v "$tool" >/dev/null || {
    say "missing $tool (scripts/setup installs openssh-server, openssh-client and tmux)"
    exit 1
  }
done
[ -x "$bin" ] || {
  say "no cordon binary at $bin: build first"
  exit 1
}

work=$(mktemp -d /tmp/cordon-ssh.XXXXXX)
chmod 755 "$work"
tag=$((RANDOM % 10000))
ua="cdsa$tag" ub="cdsb$tag" grp="cordon$tag"
port=$((22000 + RANDOM % 20000))
tm="tmux -L cdnssh$tag -f /dev/null"
server_pid=""

cleanup() {
  set +e
  $tm kill-server 2>/dev/null
  [ -f "$work/sshd.pid" ] && kill "$(cat "$work/sshd.pid")" 2>/dev/null
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  userdel -r "$ua" 2>/dev/null
  userdel -r "$ub" 2>/dev/null
  groupdel "$grp" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  say "FAILED: $*"
  for s in a b; do
    echo "---- screen $s ----" >&2
    $tm capture-pane -p -t "=$s:" >&2 2>/dev/null || true
  done
  echo "---- sshd log ----" >&2
  tail -20 "$work/sshd.log" >&2 || true
  echo "---- server log ----" >&2
  tail -20 "$work/serve.log" >&2 || true
  exit 1
}

# Users: A is the duty room (command), B an operator of the heating company.
groupadd "$grp"
for u in "$ua" "$ub"; do
  useradd -m -s /bin/sh -G "$grp" "$u"
  # No password, but not locked: without PAM, sshd refuses accounts whose password starts with "!".
  usermod -p '*' "$u"
done

# The binary where the users can run it (the build tree may be private to root).
cp "$bin" "$work/cordon"
chmod 755 "$work/cordon"
cat >"$work/access.toml" <<EOF
[users]
$ua = "command"
$ub = { role = "operator", unit = "heating" }
EOF
"$work/cordon" serve --data "$work/data" --socket "$work/cordon.sock" --config "$work/access.toml" --demo \
  >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do [ -S "$work/cordon.sock" ] && break; sleep 0.1; done
[ -S "$work/cordon.sock" ] || fail "the server did not create its socket"

# Keys and sshd.
ssh-keygen -q -t ed25519 -N '' -f "$work/host_key"
mkdir -p "$work/keys"
for u in "$ua" "$ub"; do
  ssh-keygen -q -t ed25519 -N '' -f "$work/key_$u"
  cp "$work/key_$u.pub" "$work/keys/$u"
done
chmod 644 "$work/keys/"*
cat >"$work/sshd_config" <<EOF
Port $port
ListenAddress 127.0.0.1
HostKey $work/host_key
PidFile $work/sshd.pid
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile $work/keys/%u
StrictModes no
PermitRootLogin no
AllowGroups $grp
Match Group $grp
  ForceCommand $work/cordon --socket $work/cordon.sock
  DisableForwarding yes
  PermitTTY yes
EOF
mkdir -p /run/sshd
chmod 755 /run/sshd
/usr/sbin/sshd -f "$work/sshd_config" -E "$work/sshd.log" || fail "sshd did not start"
for _ in $(seq 50); do [ -s "$work/sshd.pid" ] && break; sleep 0.1; done
[ -s "$work/sshd.pid" ] || fail "sshd wrote no pid file"

# Two consoles over ssh -t, side by side in tmux.
ssh_cmd() {
  echo "ssh -t -p $port -i $work/key_$1 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null" \
    "-o LogLevel=ERROR -o BatchMode=yes $1@127.0.0.1"
}
LANG=C.UTF-8 $tm new-session -d -s a -x 120 -y 36 "env TERM=xterm-256color $(ssh_cmd "$ua")"
LANG=C.UTF-8 $tm new-session -d -s b -x 120 -y 36 "env TERM=xterm-256color $(ssh_cmd "$ub")"
screen() { $tm capture-pane -p -t "=$1:" 2>/dev/null || true; }
wait_for() { # session text [tenths of a second]
  for _ in $(seq "${3:-150}"); do
    screen "$1" | grep -qF -- "$2" && return 0
    sleep 0.1
  done
  fail "screen $1 never showed '$2'"
}
wait_for a "服务器"
wait_for b "服务器"
wait_for a "$ua"
wait_for b "$ub"
say "both consoles are up over ssh"

# B watches its alerts pane, filtered to the name A is about to enter.
name="测试甲$tag"
$tm send-keys -t "=b:" 4
wait_for b "[4 告警队列"
$tm send-keys -t "=b:" /
$tm send-keys -t "=b:" -l "$name"
sleep 0.3

# A records the fever case through the form.
$tm send-keys -t "=a:" 2
wait_for a "[2 检查点状态"
$tm send-keys -t "=a:" f
wait_for a "录入发热病例"
$tm send-keys -t "=a:" Tab
$tm send-keys -t "=a:" -l "$name"
$tm send-keys -t "=a:" Tab
$tm send-keys -t "=a:" -l "38.5"
wait_for a "38.5"
start=$(date +%s%N)
$tm send-keys -t "=a:" Enter
seen=""
for _ in $(seq 200); do
  if screen b | grep -F "$name" | grep -qF "发热："; then
    seen=$(($(date +%s%N) - start))
    break
  fi
  sleep 0.01
done
[ -n "$seen" ] || fail "B's screen never showed the fever alert"
ms=$((seen / 1000000))
say "B saw the fever alert ${ms} ms after A pressed Enter"
[ "$ms" -le 1000 ] || fail "B saw the alert after ${ms} ms (limit 1000 ms)"
wait_for a "已保存"

# Both quit; their ssh sessions end with the console.
$tm send-keys -t "=b:" Escape
$tm send-keys -t "=a:" Escape
sleep 0.2
$tm send-keys -t "=a:" q
$tm send-keys -t "=b:" q
for _ in $(seq 50); do
  $tm has-session -t "=a" 2>/dev/null || $tm has-session -t "=b" 2>/dev/null || break
  sleep 0.1
done
if $tm has-session -t "=a" 2>/dev/null || $tm has-session -t "=b" 2>/dev/null; then
  fail "a console did not quit"
fi

# Gateways: the same pinned login runs `post` when the client asks for it,
# and nothing else.
ssh_batch() {
  ssh -p "$port" -i "$work/key_$1" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o LogLevel=ERROR -o BatchMode=yes "$1@127.0.0.1" "${@:2}"
}
posted=$(echo '{"type":"fever","site":"ht-1","person":"网关'"$tag"'","reading":38.6}' | ssh_batch "$ua" post) ||
  fail "ssh post failed: $posted"
echo "$posted" | grep -q '"seq"' || fail "ssh post did not save: $posted"
say "ssh $ua post saved: $posted"
if denied=$(ssh_batch "$ua" 'sh -c id' 2>&1 </dev/null); then fail "an arbitrary command ran over ssh: $denied"; fi
echo "$denied" | grep -q 'runs `post`' || fail "no clear refusal of another command: $denied"
say "ssh $ua 'sh -c id' refused: $denied"

# sshd and the server stop by their pids.
kill "$(cat "$work/sshd.pid")"
kill "$server_pid"
wait "$server_pid" || true
server_pid=""
grep -q "connected $ua as command" "$work/serve.log" || fail "the server did not log A's identity"
grep -q "connected $ub as operator of heating" "$work/serve.log" || fail "the server did not log B's identity"
say "1 passed, 0 failed"
