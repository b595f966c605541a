// File: parsers/postfix/fast_path.h
// Hand-written parsers for the line shapes that make up most of a busy
// server's log, so the hot path needs no regular expression: delivery lines
// of every agent, qmgr from=/removed, cleanup message-id= and
// header/body_checks actions, pickup uid=, smtpd connect/client= (with SASL
// fields)/disconnect, TLS summaries (smtpd "established from", smtp and lmtp
// "established to"), smtpd NOQUEUE/QID access and milter actions (reject,
// reject_warning, milter-reject, filter, hold, discard, ...), smtpd "lost
// connection|timeout|too many errors after", SASL failures, improper
// pipelining, non-SMTP commands, rate limits, SSL_accept errors, unresolved
// or unlisted or unverified client names and TLS library problems,
// smtp/lmtp "connect to", "host X said", "lost connection with",
// "conversation with ... timed out", TLS library problems, TLS failures and
// SSL_connect errors, postscreen CONNECT/PASS/DNSBL rank/DISCONNECT, PREGREET, HANGUP,
// protocol violations, allowlisting and RCPT/CONNECT rejects, dnsblog
// listings, tlsproxy CONNECT/DISCONNECT/TLS summaries, and bounce
// notifications. (A line taken by the tables costs
// ~40-60 k instructions, a hand-read one ~1-2 k.) FastParse dispatches on
// the daemon, then on the first bytes of the message. They are
// an optimisation of the pattern tables, never a second definition: each
// accepts a line only when it reads it exactly as the table row would
// (including RE2's \s and its lazy/greedy choices), and declines (returns
// false) on anything unusual, leaving the line to the tables.
// fast_path_test.cc checks the two agree on every sample line, the
// real-Postfix corpora, generated traffic and randomly mutated lines.
//
//   Event e;
//   if (!FastParse(Daemon::kQmgr, "4B0C72A1F3: removed", &e)) { /* tables */ }
#ifndef MAILGAUGE_PARSERS_POSTFIX_FAST_PATH_H_
#define MAILGAUGE_PARSERS_POSTFIX_FAST_PATH_H_

#include <string_view>

#include "parsers/postfix/event.h"

namespace mailgauge::parsers {

// Fills `event` (which the caller has cleared) and returns true if `message`
// is one of the common shapes for `daemon`; returns false, with `event`
// possibly partly written, otherwise.
bool FastParse(Daemon daemon, std::string_view message, Event* event);

}  // namespace mailgauge::parsers

#endif  // MAILGAUGE_PARSERS_POSTFIX_FAST_PATH_H_
