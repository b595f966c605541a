#!/bin/bash
# refmta with its queue directory on a full file system (a 2 MB tmpfs): held
# mail accepted before the disk filled up survives untouched; a message that
# no longer fits is refused at the end of DATA with Postfix's
# "451 4.3.0 Error: queue file write error" (cleanup logs "write queue
# file: No space left on device") and leaves no partial file; with no free
# block at all MAIL FROM gets "452 4.3.1 Insufficient system storage"; once
# space is freed the held mail is released and delivered.
# Needs mount(2) (root); without it the test says so and fails.
set -euo pipefail
BIN="$1"
EXAMPLES="$(dirname "$2")"
TMP="$(mktemp -d "${TEST_TMPDIR:-/tmp}/refmta_full.XXXXXX")"
SPOOL="$TMP/spool"
mkdir -p "$TMP/cfg" "$SPOOL"
if ! mount -t tmpfs -o size=2m tmpfs "$SPOOL" 2>"$TMP/mount.err"; then
  echo "cannot mount a tmpfs for the spool: $(cat "$TMP/mount.err")"; exit 1
fi
PID=""
cleanup() {
  [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  umount "$SPOOL" 2>/dev/null || umount -l "$SPOOL" 2>/dev/null || true
}
trap cleanup EXIT
cp "$EXAMPLES"/main.cf "$EXAMPLES"/aliases "$EXAMPLES"/local_users "$EXAMPLES"/vmailbox \
   "$EXAMPLES"/header_checks "$TMP/cfg/"
# No size limit: MAIL FROM is then refused only when no block is free
# (smtpd_check_queue), so a large message can still fail at DATA end.
sed -i -e 's/^message_size_limit *=.*/message_size_limit = 0/' \
       -e 's/^queue_run_delay *=.*/queue_run_delay = 1s/' "$TMP/cfg/main.cf"

"$BIN" serve --config-dir "$TMP/cfg" --listen 127.0.0.1:0 --spool "$SPOOL" \
  --log "$TMP/maillog" --ledger "$TMP/ledger.jsonl" 2>"$TMP/stderr" &
PID=$!
for _ in $(seq 100); do grep -q 'listening on' "$TMP/stderr" && break; sleep 0.1; done
PORT="$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$TMP/stderr")"
[ -n "$PORT" ] || { cat "$TMP/stderr"; echo "server did not start"; exit 1; }

# session FILE PAIRS...: "command|expected reply prefix"; DATA bodies are
# given as "@BYTES" (a body of that many bytes).
session() {
  exec 3<>"/dev/tcp/127.0.0.1/$PORT"
  local reply
  read -r reply <&3
  for pair in "$@"; do
    local cmd="${pair%%|*}" want="${pair##*|}"
    if [[ "$cmd" == @* ]]; then
      { printf 'Subject: %s\r\n\r\n' "$SUBJECT"
        { head -c "${cmd#@}" /dev/zero | tr '\0' 'x' | fold -w 70; echo; } | sed 's/$/\r/'
        printf '.\r\n'; } >&3
    else
      printf '%s\r\n' "$cmd" >&3
    fi
    while read -r reply <&3; do [[ "${reply:3:1}" == "-" ]] || break; done
    reply="${reply%$'\r'}"
    if [[ "$reply" != "$want"* ]]; then
      echo "after '$cmd': got '$reply', want '$want'"; exit 1
    fi
  done
  printf 'QUIT\r\n' >&3; exec 3>&-
}

# 1. Three held messages ([hold] in the subject: header_checks HOLD).
SUBJECT="[hold] before the disk filled"
for i in 1 2 3; do
  session "EHLO c.example|250" "MAIL FROM:<jo@partner.example>|250" \
          "RCPT TO:<alice@example.com>|250" "DATA|354" "@2000|250 2.0.0 Ok: queued as"
done
HELD="$(ls "$SPOOL/hold" | sort)"
[ "$(echo "$HELD" | wc -l)" = 3 ] || { echo "want 3 held messages, got: $HELD"; exit 1; }
sums_before="$(cd "$SPOOL/hold" && md5sum $HELD)"

# 2. Fill the file system, then free 256 KB: a 600 KB message no longer fits.
dd if=/dev/zero of="$SPOOL/ballast2" bs=64k count=4 2>/dev/null
dd if=/dev/zero of="$SPOOL/ballast" bs=64k 2>/dev/null || true
dd if=/dev/zero of="$SPOOL/ballast3" bs=4k 2>/dev/null || true
rm -f "$SPOOL/ballast2"
SUBJECT="too big for what is left"
session "EHLO c.example|250" "MAIL FROM:<jo@partner.example>|250" \
        "RCPT TO:<alice@example.com>|250" "DATA|354" "@600000|451 4.3.0 Error: queue file write error"
grep -q 'postfix/cleanup\[[0-9]*\]: warning: [0-9A-F]*: write queue file: No space left on device' \
  "$TMP/maillog" || { cat "$TMP/maillog"; echo "no cleanup write warning"; exit 1; }
left="$(ls -A "$SPOOL/incoming")"
[ -z "$left" ] || { echo "partial queue file left in incoming: $left"; exit 1; }

# 3. No free block at all: MAIL FROM is refused (smtpd_check_queue).
dd if=/dev/zero of="$SPOOL/ballast4" bs=4k 2>/dev/null || true
session "EHLO c.example|250" "MAIL FROM:<jo@partner.example>|452 4.3.1 Insufficient system storage"
grep -q 'NOQUEUE: reject: MAIL from localhost\[127.0.0.1\]: 452 4.3.1 Insufficient system storage; proto=ESMTP helo=<c.example>' \
  "$TMP/maillog" || { grep smtpd "$TMP/maillog" | tail -5; echo "no MAIL reject line"; exit 1; }
grep -q 'warning: not enough free space in mail queue: [0-9]* bytes < 1.5\*message size limit' \
  "$TMP/maillog" || { echo "no free space warning"; exit 1; }

# 4. Nothing accepted was lost or damaged: the held files are unchanged and
#    postqueue -j lists them without a warning.
[ "$sums_before" = "$(cd "$SPOOL/hold" && md5sum $HELD)" ] || { echo "held files changed"; exit 1; }
"$BIN" postqueue --config-dir "$TMP/cfg" --spool "$SPOOL" -j >"$TMP/q.json" 2>"$TMP/q.err"
[ "$(grep -c '"queue_name": "hold"' "$TMP/q.json")" = 3 ] || { cat "$TMP/q.json" "$TMP/q.err"; exit 1; }
[ ! -s "$TMP/q.err" ] || { cat "$TMP/q.err"; echo "postqueue warned"; exit 1; }

# 5. Free the space, release the held mail: all three are delivered.
rm -f "$SPOOL"/ballast*
"$BIN" postsuper --config-dir "$TMP/cfg" --spool "$SPOOL" --log "$TMP/maillog" \
  --ledger "$TMP/ledger.jsonl" -H ALL hold
for _ in $(seq 100); do
  [ "$(grep -c 'status=sent (delivered to mailbox)' "$TMP/maillog")" -ge 3 ] && break
  sleep 0.1
done
for id in $HELD; do
  grep -q " $id: to=<alice@example.com>, .*status=sent (delivered to mailbox)" "$TMP/maillog" ||
    { grep "$id" "$TMP/maillog"; echo "$id not delivered"; exit 1; }
done
[ "$(grep -c '^Subject: \[hold\] before the disk filled' "$SPOOL/mail/alice")" = 3 ] ||
  { echo "alice's mailbox does not hold the three messages"; exit 1; }
echo PASS
