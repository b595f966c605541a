// File: refmta/main_cf.h
// The main.cf subset refmta understands, parsed with Postfix's rules:
//   - "name = value" lines; '#' starts a comment only at the start of a line
//     (after optional whitespace), as in postconf(5);
//   - a line that starts with whitespace continues the previous line;
//   - "$name", "${name}" and "$(name)" expand recursively when a value is
//     used, "${name?text}" / "${name:text}" expand text when name is non-empty
//     / empty, and "$$" is a literal '$';
//   - lists are separated by commas and/or whitespace;
//   - times are a number with an optional unit s, m, h, d or w (the
//     parameter's default unit when omitted); sizes are plain byte counts.
// Parameters refmta does not know are kept and warned about ("unused
// parameter", as postconf says); a value that does not parse for a known
// typed parameter is an InvalidArgument error naming file and line.
//
//   absl::StatusOr<MainCf> cf = MainCf::ParseFile("/tmp/cfg/main.cf");
//   absl::StatusOr<RefmtaConfig> config = LoadRefmtaConfig(*cf);
//   config->message_size_limit;    // 10240000 unless main.cf says otherwise
//   config->mydestination;         // {"mx.example.com", "localhost.example.com", "localhost"}
//
// Thread-safety: MainCf and RefmtaConfig are plain values; const methods may
// be called concurrently.
#ifndef MAILGAUGE_REFMTA_MAIN_CF_H_
#define MAILGAUGE_REFMTA_MAIN_CF_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mailgauge::refmta {

// The kind of value a known parameter holds; decides how it is validated.
enum class ParamType { kString, kList, kTime, kSize, kInteger, kBool };

// One parameter refmta knows: its Postfix name, default value (before
// expansion, as `postconf -d` shows it) and type. For kTime, time_unit is the
// unit assumed when a value has none ('s', 'm', 'h', 'd' or 'w').
struct ParamSpec {
  const char* name;
  const char* default_value;
  ParamType type;
  char time_unit = 's';
};

// All parameters refmta knows, sorted by name.
const std::vector<ParamSpec>& KnownParameters();
// The spec for `name`, or nullptr when refmta does not know it.
const ParamSpec* FindParameter(absl::string_view name);

// A parsed main.cf: the literal (unexpanded) values from the file, where each
// was set, and warnings met while reading it.
class MainCf {
 public:
  // Parses main.cf text; `file_name` is used in messages only. Errors:
  // InvalidArgument for a line without '=' or an invalid value of a known
  // typed parameter ("main.cf, line 7: bad time value for parameter ...").
  [[nodiscard]] static absl::StatusOr<MainCf> Parse(absl::string_view text,
                                                    std::string file_name);
  // Reads and parses a file. NotFound when it does not exist.
  [[nodiscard]] static absl::StatusOr<MainCf> ParseFile(const std::string& path);

  // Sets (or overrides) a parameter, as `postconf -e` or a -o option would.
  // Validates typed parameters; the error names "override".
  [[nodiscard]] absl::Status Set(absl::string_view name, absl::string_view value);

  // The literal value from the file, or nullopt when the file does not set it.
  std::optional<std::string> Raw(absl::string_view name) const;
  // Where `name` was set ("main.cf, line 7"), or "" when it was not.
  std::string Origin(absl::string_view name) const;

  // The value of `name` (from the file, else its default, else "") with all
  // $references expanded. InvalidArgument on a reference loop.
  [[nodiscard]] absl::StatusOr<std::string> Expand(absl::string_view name) const;
  // Expands $references in arbitrary text using this configuration.
  [[nodiscard]] absl::StatusOr<std::string> ExpandText(absl::string_view text) const;

  // Warnings met so far: unknown parameters, references to undefined ones.
  const std::vector<std::string>& warnings() const { return warnings_; }
  const std::string& file_name() const { return file_name_; }

 private:
  struct Entry {
    std::string value;
    int line = 0;  // 0 for values set by Set()
  };
  absl::Status ValidateTyped(absl::string_view name, absl::string_view value,
                             int line) const;
  absl::StatusOr<std::string> ExpandInner(absl::string_view text, int depth,
                                          std::vector<std::string>* undefined) const;
  std::optional<std::string> Lookup(absl::string_view name) const;

  std::string file_name_;
  std::map<std::string, Entry, std::less<>> entries_;
  std::vector<std::string> warnings_;
};

// Splits a Postfix list: items separated by commas and/or whitespace.
std::vector<std::string> SplitPostfixList(absl::string_view value);

// Parses a Postfix time value ("300s", "5d", "4000", "1w") to seconds,
// using default_unit when the value has no unit. InvalidArgument otherwise.
[[nodiscard]] absl::StatusOr<int64_t> ParsePostfixTime(absl::string_view value,
                                                       char default_unit);
// Parses a size or integer value (decimal digits, no unit, as Postfix
// requires). InvalidArgument otherwise.
[[nodiscard]] absl::StatusOr<int64_t> ParsePostfixInteger(absl::string_view value);
// Parses "yes"/"no" (any case). InvalidArgument otherwise.
[[nodiscard]] absl::StatusOr<bool> ParsePostfixBool(absl::string_view value);

// The values refmta acts on, expanded and typed.
struct RefmtaConfig {
  std::string config_directory;
  std::string queue_directory;
  std::string myhostname;
  std::string mydomain;
  std::string myorigin;
  std::vector<std::string> mydestination;
  std::vector<std::string> inet_interfaces;
  std::vector<std::string> mynetworks;
  std::vector<std::string> local_recipient_maps;
  std::vector<std::string> relay_domains;
  std::vector<std::string> relay_recipient_maps;
  std::string relayhost;
  std::vector<std::string> alias_maps;
  std::vector<std::string> alias_database;
  std::vector<std::string> virtual_alias_domains;
  std::vector<std::string> virtual_alias_maps;
  std::vector<std::string> virtual_mailbox_domains;
  std::vector<std::string> virtual_mailbox_maps;
  std::string virtual_mailbox_base;
  std::vector<std::string> transport_maps;
  int64_t mailbox_size_limit = 0;
  int64_t virtual_mailbox_limit = 0;
  int64_t message_size_limit = 0;
  // Free bytes the queue file system must keep; smtpd answers MAIL FROM
  // with 452 4.3.1 below it (or below 1.5 * message_size_limit).
  int64_t queue_minfree = 0;
  std::string recipient_delimiter;
  std::string home_mailbox;
  std::vector<std::string> smtpd_relay_restrictions;
  std::vector<std::string> smtpd_recipient_restrictions;
  std::vector<std::string> header_checks;
  std::string smtpd_banner;
  int64_t smtpd_timeout_seconds = 0;
  int64_t smtpd_recipient_limit = 0;
  int64_t smtpd_hard_error_limit = 0;
  int64_t smtpd_soft_error_limit = 0;
  int64_t smtpd_junk_command_limit = 0;
  // Per-client limits kept by anvil (refmta/anvil.h), checked when a client
  // connects: more simultaneous connections than the count limit, or more
  // connections per anvil_rate_time_unit than the rate limit, are answered
  // 421 before the greeting. 0 means no limit (the struct's default; main.cf's
  // are 50 and 0). Clients that match smtpd_client_event_limit_exceptions
  // (network addresses; default $mynetworks) are not limited.
  int64_t smtpd_client_connection_count_limit = 0;
  int64_t smtpd_client_connection_rate_limit = 0;
  std::vector<std::string> smtpd_client_event_limit_exceptions;
  int64_t anvil_rate_time_unit_seconds = 60;
  int64_t line_length_limit = 0;
  bool disable_vrfy_command = false;
  int64_t unknown_local_recipient_reject_code = 0;
  int64_t relay_domains_reject_code = 0;
  int64_t maximal_queue_lifetime_seconds = 0;
  int64_t bounce_queue_lifetime_seconds = 0;
  int64_t minimal_backoff_time_seconds = 0;
  int64_t maximal_backoff_time_seconds = 0;
  int64_t queue_run_delay_seconds = 0;
  int64_t default_destination_concurrency_limit = 0;
  bool enable_long_queue_ids = false;
  std::vector<std::string> allow_mail_to_commands;
  std::vector<std::string> allow_mail_to_files;
  std::string syslog_name;
  std::string double_bounce_sender;
  std::string smtpd_tls_cert_file;
  std::string smtpd_tls_key_file;
  std::string smtpd_tls_security_level;  // "", "none", "may" (STARTTLS offered), "encrypt"
  std::string smtp_tls_security_level;   // "", "none", "may" (STARTTLS used when offered)
  int64_t smtp_destination_concurrency_limit = 0;
  std::vector<std::string> notify_classes;
  std::string double_bounce_notice_recipient;  // 2bounce_notice_recipient
};

// Expands and types every parameter RefmtaConfig holds. InvalidArgument
// (naming the parameter and where it was set) on a bad value or a loop.
[[nodiscard]] absl::StatusOr<RefmtaConfig> LoadRefmtaConfig(const MainCf& cf);

}  // namespace mailgauge::refmta

#endif  // MAILGAUGE_REFMTA_MAIN_CF_H_
