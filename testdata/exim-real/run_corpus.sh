#!/bin/bash
# Regenerate one run of the Exim corpus.
#   run_corpus.sh NAME 'LOG_SELECTOR' LOGPATH_KIND(file|syslog) [short] [EXTRA_CONFIG_LINE...]
# Requires: /tmp/exim_root (dpkg -x of exim4-base, exim4-config, exim4-daemon-light, libidn12)
set -u
NAME=$1; LOGSEL=$2; KIND=$3; MODE=${4:-full}; shift 4 || shift $#
EXTRA="$*"
C=/tmp/exim_corpus
R=$C/run_$NAME
BIN=/tmp/exim_root/usr/sbin/exim4
export LD_LIBRARY_PATH=/tmp/exim_root/usr/lib/x86_64-linux-gnu LD_PRELOAD=libnss_wrapper.so NSS_WRAPPER_PASSWD=$C/nss/passwd NSS_WRAPPER_GROUP=$C/nss/group
# nss_wrapper supplies the compiled-in EXIM_USER "Debian-exim" (uid 8 = mail) without touching /etc/passwd
CONF=$C/exim_$NAME.conf
EX="$BIN -C $CONF"

rm -rf "$R"; mkdir -p $R/spool $R/log $R/mail
if [ "$KIND" = syslog ]; then LOGPATH=syslog; else LOGPATH="$R/log/%slog"; fi
sed -e "s#@RUNDIR@#$R#g" -e "s#@LOGPATH@#$LOGPATH#" -e "s#@EXTRA@#$EXTRA#" "$C/exim.conf.in" > $CONF
if [ -z "$LOGSEL" ]; then sed -i 's/^log_selector = @LOGSEL@$/# log_selector not set: Exim default/' $CONF
else sed -i "s#@LOGSEL@#$LOGSEL#" $CONF; fi
chmod 644 $CONF
cat > $R/aliases <<EOF
postmaster: alice
abuse: alice
team: alice, bob, carol
fwd: erin@remote.test
sales: bob, hank@remote.test
gone: :fail: No such user here
moved: :defer: Mailbox is being migrated
devnull: :blackhole:
archive: $R/mail/archive
pipe: |/bin/sh -c "cat >/dev/null"
pipefail: |/bin/false
EOF
{ for u in alice bob carol dave tiny submitter; do echo "$u: $u"; done; for i in $(seq -w 0 21); do echo "user$i: user$i"; done; } > $R/users
chown -R mail:mail $R/spool $R/log $R/mail

$EX -bV > $R/exim-bV.txt 2>&1

# sinks
python3 $C/sink.py 127.0.0.11:12526 normal > $R/sink1.out 2>&1 & S1=$!
python3 $C/sink.py 127.0.0.12:12527 busy2  > $R/sink2.out 2>&1 & S2=$!
python3 $C/sink.py 127.0.0.14:12530 tls    > $R/sink3.out 2>&1 & S3=$!
sleep 1

# daemon
if [ "$NAME" = rich ]; then $EX -bd -q1h; else $EX -bd; fi
sleep 1
DPID=$(cat $R/exim.pid); echo "daemon pid $DPID"

if [ "$MODE" = short ]; then
  python3 $C/traffic.py $NAME short > $R/traffic.out 2>&1
  printf 'From: alice@example.test\nTo: bob@example.test, gone@example.test\nSubject: local -t short\n\nhi\n' | $EX -odi -t -f alice@example.test
  sleep 3
  $EX -qff
  sleep 2
else
  python3 $C/traffic.py $NAME > $R/traffic.out 2>&1
  # ---- local (non-SMTP) submissions
  printf 'From: root\nTo: bob@example.test\nSubject: local as root\n\nhi from root\n' | $EX -odi -t
  printf 'From: alice@example.test\nTo: bob@example.test, gone@example.test, moved@example.test, nosuch@example.test\nSubject: local -t mixed\n\nhi\n' | $EX -odi -t -f alice@example.test
  printf 'Subject: local -bm\n\nbody\n' | $EX -odi -f bob@example.test carol@example.test fwd@example.test sales@example.test
  printf 'Subject: local -N\n\nbody\n' | $EX -N -odi -f alice@example.test bob@example.test dave@remote.test
  printf 'Subject: NOTSMTP-REJECT local\n\nbody\n' | $EX -odi -f alice@example.test bob@example.test
  printf 'Subject: local -odb\n\nbody\n' | $EX -odb -f carol@example.test alice@example.test
  printf 'Subject: queued for removal\n\nbody\n' | $EX -odq -f alice@example.test bob@example.test
  printf 'Subject: queued for freeze\n\nbody\n' | $EX -odq -f alice@example.test carol@example.test
  sleep 4
  $EX -bp > $R/queue_before.txt 2>&1
  # ids of the -odq messages (found via -bp headers is clumsy; use exipick-like grep on spool -H files)
  RMID=$(grep -l 'queued for removal' $R/spool/input/*-H 2>/dev/null | head -1 | xargs -r basename | sed 's/-H$//')
  FZID=$(grep -l 'queued for freeze' $R/spool/input/*-H 2>/dev/null | head -1 | xargs -r basename | sed 's/-H$//')
  echo "RMID=$RMID FZID=$FZID" > $R/ids.txt
  [ -n "$RMID" ] && $EX -Mrm $RMID
  [ -n "$FZID" ] && $EX -Mf $FZID
  # ---- ordinary queue run: retry times not reached
  $EX -q
  sleep 1
  # ---- open the closed port, force queue runs
  [ -n "$FZID" ] && $EX -Mt $FZID
  python3 $C/sink.py 127.0.0.13:12528 normal > $R/sink4.out 2>&1 & S4=$!
  sleep 1
  $EX -qff
  sleep 2
  $EX -qff -v > $R/qff2_verbose.txt 2>&1
  sleep 1
  QID=$(grep -l 'Subject: quota' $R/spool/input/*-H 2>/dev/null | head -1 | xargs -r basename | sed 's/-H$//')
  [ -n "$QID" ] && $EX -Mg $QID
  echo "QID=$QID" >> $R/ids.txt
  sleep 3
  kill $S4
fi
$EX -bp > $R/queue_after.txt 2>&1
kill -TERM $DPID
sleep 1
kill $S1 $S2 $S3
sleep 1
echo done
