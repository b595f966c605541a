#include "parsers/postfix/patterns.h"

namespace mailgauge::parsers {

absl::Span<const Pattern> DaemonPatterns(Daemon d) {
  switch (d) {
    case Daemon::kSmtpd: return SmtpdPatterns();
    case Daemon::kPostscreen: return PostscreenPatterns();
    case Daemon::kDnsblog: return DnsblogPatterns();
    case Daemon::kTlsproxy: return TlsproxyPatterns();
    case Daemon::kAnvil: return AnvilPatterns();
    case Daemon::kCleanup: return CleanupPatterns();
    case Daemon::kPickup: return PickupPatterns();
    case Daemon::kQmgr: return QmgrPatterns();
    case Daemon::kLocal: return LocalPatterns();
    case Daemon::kVirtual: return VirtualPatterns();
    case Daemon::kSmtp: return SmtpPatterns();
    case Daemon::kLmtp: return LmtpPatterns();
    case Daemon::kPipe: return PipePatterns();
    case Daemon::kError: return ErrorPatterns();
    case Daemon::kDiscard: return DiscardPatterns();
    case Daemon::kBounce: return BouncePatterns();
    case Daemon::kPostsuper: return PostsuperPatterns();
    case Daemon::kMaster: return MasterPatterns();
    case Daemon::kPostfixScript: return PostfixScriptPatterns();
    case Daemon::kVerify: return VerifyPatterns();
    case Daemon::kScache: return ScachePatterns();
    case Daemon::kPostdrop: return PostdropPatterns();
    case Daemon::kSendmail: return SendmailPatterns();
    case Daemon::kPostqueue:
    case Daemon::kPostlog:
    case Daemon::kPostmap:
    case Daemon::kPostalias:
    case Daemon::kTlsmgr:
    case Daemon::kProxymap:
    case Daemon::kTrivialRewrite:
    case Daemon::kShowq:
    case Daemon::kFlush:
    case Daemon::kSpawn:
    case Daemon::kQmqpd:
    case Daemon::kPolicySpf:
    // The postfix(1) command ("postfix[PID]:", parsers/program_name.h) and
    // daemons Postfix does not have.
    case Daemon::kOther:
      return AdminMiscPatterns();
    case Daemon::kUnknown:
    case Daemon::kNumDaemons:
      break;
  }
  return {};
}

std::vector<Pattern> TableRows(Daemon d) {
  std::vector<Pattern> rows;
  for (const absl::Span<const Pattern> part :
       {DaemonPatterns(d), CommonPatterns(), DaemonLastPatterns(d)}) {
    rows.insert(rows.end(), part.begin(), part.end());
  }
  return rows;
}

}  // namespace mailgauge::parsers
