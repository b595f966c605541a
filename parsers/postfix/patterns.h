// File: parsers/postfix/patterns.h
// The pattern tables for every Postfix daemon, one accessor per daemon. Each
// table lives in its own *_patterns.cc file beside this header, and each row
// carries sample lines checked by patterns_test.cc: every sample matches its
// own row and no other non-fallback row of its daemon's table.
//
// PostfixParser (postfix_parser.h) compiles TableRows(d) for each d:
// DaemonPatterns(d), then CommonPatterns() (generic warning:/fatal:/panic:
// fallback rows), then DaemonLastPatterns(d).
#ifndef MAILGAUGE_PARSERS_POSTFIX_PATTERNS_H_
#define MAILGAUGE_PARSERS_POSTFIX_PATTERNS_H_

#include <vector>

#include "absl/types/span.h"
#include "parsers/postfix/event.h"
#include "parsers/postfix/pattern_table.h"

namespace mailgauge::parsers {

// smtpd_patterns.cc
absl::Span<const Pattern> SmtpdPatterns();
// postscreen_patterns.cc: postscreen, dnsblog, tlsproxy, anvil
absl::Span<const Pattern> PostscreenPatterns();
absl::Span<const Pattern> DnsblogPatterns();
absl::Span<const Pattern> TlsproxyPatterns();
absl::Span<const Pattern> AnvilPatterns();
// cleanup_patterns.cc: cleanup, pickup
absl::Span<const Pattern> CleanupPatterns();
absl::Span<const Pattern> PickupPatterns();
// qmgr_patterns.cc
absl::Span<const Pattern> QmgrPatterns();
// delivery_patterns.cc: local, virtual, smtp, lmtp, pipe, error, discard
absl::Span<const Pattern> LocalPatterns();
absl::Span<const Pattern> VirtualPatterns();
absl::Span<const Pattern> SmtpPatterns();
absl::Span<const Pattern> LmtpPatterns();
absl::Span<const Pattern> PipePatterns();
absl::Span<const Pattern> ErrorPatterns();
absl::Span<const Pattern> DiscardPatterns();
// bounce_patterns.cc
absl::Span<const Pattern> BouncePatterns();
// admin_patterns.cc: postsuper, master, postfix-script, verify, scache,
// postdrop, sendmail, postqueue, postlog, postmap, postalias, tlsmgr,
// proxymap, trivial-rewrite, showq, flush, spawn, qmqpd, policy-spf
absl::Span<const Pattern> PostsuperPatterns();
absl::Span<const Pattern> MasterPatterns();
absl::Span<const Pattern> PostfixScriptPatterns();
absl::Span<const Pattern> VerifyPatterns();
absl::Span<const Pattern> ScachePatterns();
absl::Span<const Pattern> PostdropPatterns();
absl::Span<const Pattern> SendmailPatterns();
absl::Span<const Pattern> AdminMiscPatterns();  // the remaining small daemons
// common_patterns.cc: rows every daemon shares (fallback rows).
absl::Span<const Pattern> CommonPatterns();

// The specific rows for `d` (without CommonPatterns()). Empty for
// kUnknown/kOther.
absl::Span<const Pattern> DaemonPatterns(Daemon d);

// admin_patterns.cc: the fallback rows tried after CommonPatterns() for `d`,
// for a daemon whose remaining lines are free text (postlog). Mostly empty.
absl::Span<const Pattern> DaemonLastPatterns(Daemon d);

// Every row of d's table, in the order the first match is taken.
std::vector<Pattern> TableRows(Daemon d);

}  // namespace mailgauge::parsers

#endif  // MAILGAUGE_PARSERS_POSTFIX_PATTERNS_H_
