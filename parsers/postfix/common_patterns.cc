// Rows every Postfix daemon shares. A daemon's own table is consulted first;
// the severities are fallbacks that catch a warning we have no specific row
// for, so that it is still understood and counted.
#include "parsers/postfix/patterns.h"
#include "parsers/postfix/queue_id.h"

namespace mailgauge::parsers {
namespace {

const Pattern kCommonPatterns[] = {
    {EventKind::kWarning,
     "^(?:" MAILGAUGE_QID ": )?warning: (?P<detail>.*)$",
     {"warning: database /etc/postfix/virtual.db is older than source file /etc/postfix/virtual",
      "warning: dict_nis_init: NIS domain name not set - NIS lookups disabled",
      "3F2A81C0D2: warning: queue file size limit exceeded"},
     /*fallback=*/true},
    {EventKind::kError,
     "^(?:" MAILGAUGE_QID ": )?error: (?P<detail>.*)$",
     {"error: open database /etc/postfix/transport.db: No such file or directory"},
     /*fallback=*/true},
    {EventKind::kFatal,
     "^(?:" MAILGAUGE_QID ": )?fatal: (?P<detail>.*)$",
     {"fatal: parameter inet_interfaces: no local interface found for 192.0.2.1"},
     /*fallback=*/true},
    // src/tls: the TLS library's notes, from any daemon that uses it
    // (smtpd, smtp, lmtp, tlsproxy). "setting up" is logged at
    // *_tls_loglevel 2 (at 1 before Postfix 2.3); the CA data note is an
    // info line, not a warning, and was "Certificate Authority data" before
    // Postfix 3.x's "Certification Authority data, CAfile=...".
    {EventKind::kNotice,
     R"(^(?P<detail>setting up TLS connection) (?:from|to) (?P<remote_host>\S+)$)",
     {"setting up TLS connection from unknown[192.0.2.9]",
      "setting up TLS connection to mx.example.org[192.0.2.3]:25"}},
    {EventKind::kNotice,
     "^(?P<detail>cannot (?:load Certificat(?:e|ion) Authority data|set default OpenSSL "
     "certificate verification paths).*: disabling TLS support)$",
     {"cannot load Certificate Authority data: disabling TLS support",
      "cannot load Certification Authority data, CAfile=\"/etc/ssl/ca.pem\": disabling TLS support",
      "cannot set default OpenSSL certificate verification paths: disabling TLS support"}},
    {EventKind::kPanic,
     "^(?:" MAILGAUGE_QID ": )?panic: (?P<detail>.*)$",
     {"panic: myfree: corrupt or unallocated memory block"},
     /*fallback=*/true},
};

}  // namespace

absl::Span<const Pattern> CommonPatterns() { return kCommonPatterns; }

}  // namespace mailgauge::parsers
