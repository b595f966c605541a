#include "refmta/main_cf.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "refmta/config_lines.h"

namespace mailgauge::refmta {
namespace {

constexpr int kMaxExpansionDepth = 100;

// Defaults as Postfix 3.7 `postconf -d` shows them, except where refmta must
// not depend on the system: alias maps live in $config_directory, and there
// is no passwd lookup in local_recipient_maps.
const std::vector<ParamSpec>* MakeKnownParameters() {
  auto* specs = new std::vector<ParamSpec>{
      {"2bounce_notice_recipient", "postmaster", ParamType::kString},
      {"alias_database", "hash:$config_directory/aliases", ParamType::kList},
      {"alias_maps", "hash:$config_directory/aliases", ParamType::kList},
      {"allow_mail_to_commands", "alias, forward", ParamType::kList},
      {"allow_mail_to_files", "alias, forward", ParamType::kList},
      {"anvil_rate_time_unit", "60s", ParamType::kTime, 's'},
      {"biff", "yes", ParamType::kBool},
      {"bounce_notice_recipient", "postmaster", ParamType::kString},
      {"bounce_queue_lifetime", "5d", ParamType::kTime, 'd'},
      {"compatibility_level", "3.6", ParamType::kString},
      {"config_directory", "/etc/postfix", ParamType::kString},
      {"default_destination_concurrency_limit", "20", ParamType::kInteger},
      {"default_transport", "smtp", ParamType::kString},
      {"delay_warning_time", "0h", ParamType::kTime, 'h'},
      {"disable_vrfy_command", "no", ParamType::kBool},
      {"double_bounce_sender", "double-bounce", ParamType::kString},
      {"enable_long_queue_ids", "no", ParamType::kBool},
      {"forward_path",
       "$home/.forward${recipient_delimiter}${extension}, $home/.forward",
       ParamType::kList},
      {"header_checks", "", ParamType::kList},
      {"home_mailbox", "", ParamType::kString},
      {"inet_interfaces", "all", ParamType::kList},
      {"inet_protocols", "all", ParamType::kList},
      {"line_length_limit", "2048", ParamType::kInteger},
      {"local_recipient_maps", "$alias_maps", ParamType::kList},
      {"local_transport", "local:$myhostname", ParamType::kString},
      {"mail_name", "Postfix", ParamType::kString},
      {"mailbox_size_limit", "51200000", ParamType::kSize},
      {"maillog_file", "", ParamType::kString},
      {"maximal_backoff_time", "4000s", ParamType::kTime, 's'},
      {"maximal_queue_lifetime", "5d", ParamType::kTime, 'd'},
      {"message_size_limit", "10240000", ParamType::kSize},
      {"minimal_backoff_time", "300s", ParamType::kTime, 's'},
      {"mydestination", "$myhostname, localhost.$mydomain, localhost",
       ParamType::kList},
      {"mydomain", "", ParamType::kString},        // computed, see Lookup
      {"myhostname", "", ParamType::kString},      // computed, see Lookup
      {"mynetworks", "127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128",
       ParamType::kList},
      {"mynetworks_style", "host", ParamType::kString},
      {"myorigin", "$myhostname", ParamType::kString},
      {"notify_classes", "resource, software", ParamType::kList},
      {"queue_directory", "/var/spool/postfix", ParamType::kString},
      {"queue_minfree", "0", ParamType::kSize},
      {"queue_run_delay", "300s", ParamType::kTime, 's'},
      {"recipient_delimiter", "", ParamType::kString},
      {"relay_domains", "", ParamType::kList},
      {"relay_domains_reject_code", "554", ParamType::kInteger},
      {"relay_recipient_maps", "", ParamType::kList},
      {"relayhost", "", ParamType::kString},
      {"smtp_destination_concurrency_limit", "$default_destination_concurrency_limit",
       ParamType::kInteger},
      {"smtp_helo_name", "$myhostname", ParamType::kString},
      {"smtp_tls_security_level", "", ParamType::kString},
      {"smtpd_banner", "$myhostname ESMTP $mail_name", ParamType::kString},
      // (DEF_PROC_LIMIT + 1) / 2 in mail_params.h.
      {"smtpd_client_connection_count_limit", "50", ParamType::kInteger},
      {"smtpd_client_connection_rate_limit", "0", ParamType::kInteger},
      {"smtpd_client_event_limit_exceptions",
       "${smtpd_client_connection_limit_exceptions:$mynetworks}", ParamType::kList},
      {"smtpd_client_restrictions", "", ParamType::kList},
      {"smtpd_delay_reject", "yes", ParamType::kBool},
      {"smtpd_hard_error_limit", "20", ParamType::kInteger},
      {"smtpd_helo_required", "no", ParamType::kBool},
      {"smtpd_helo_restrictions", "", ParamType::kList},
      {"smtpd_junk_command_limit", "100", ParamType::kInteger},
      {"smtpd_recipient_limit", "1000", ParamType::kInteger},
      {"smtpd_recipient_restrictions", "", ParamType::kList},
      {"smtpd_relay_restrictions",
       "permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination",
       ParamType::kList},
      {"smtpd_sender_restrictions", "", ParamType::kList},
      {"smtpd_soft_error_limit", "10", ParamType::kInteger},
      {"smtpd_timeout", "300s", ParamType::kTime, 's'},
      {"smtpd_tls_cert_file", "", ParamType::kString},
      {"smtpd_tls_key_file", "$smtpd_tls_cert_file", ParamType::kString},
      {"smtpd_tls_security_level", "", ParamType::kString},
      {"smtputf8_enable", "yes", ParamType::kBool},
      {"syslog_name", "postfix", ParamType::kString},
      {"transport_maps", "", ParamType::kList},
      {"unknown_local_recipient_reject_code", "550", ParamType::kInteger},
      {"unknown_virtual_alias_reject_code", "550", ParamType::kInteger},
      {"unknown_virtual_mailbox_reject_code", "550", ParamType::kInteger},
      {"virtual_alias_domains", "$virtual_alias_maps", ParamType::kList},
      {"virtual_alias_maps", "", ParamType::kList},
      {"virtual_mailbox_base", "", ParamType::kString},
      {"virtual_mailbox_domains", "$virtual_mailbox_maps", ParamType::kList},
      {"virtual_mailbox_limit", "51200000", ParamType::kSize},
      {"virtual_mailbox_maps", "", ParamType::kList},
  };
  std::sort(specs->begin(), specs->end(),
            [](const ParamSpec& a, const ParamSpec& b) {
              return absl::string_view(a.name) < absl::string_view(b.name);
            });
  return specs;
}

bool IsParamNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

std::string SystemHostName() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof(buf) - 1) != 0 || buf[0] == '\0') {
    return "localhost";
  }
  return absl::AsciiStrToLower(buf);
}

}  // namespace

const std::vector<ParamSpec>& KnownParameters() {
  static const std::vector<ParamSpec>* specs = MakeKnownParameters();
  return *specs;
}

const ParamSpec* FindParameter(absl::string_view name) {
  const auto& specs = KnownParameters();
  auto it = std::lower_bound(specs.begin(), specs.end(), name,
                             [](const ParamSpec& s, absl::string_view n) {
                               return absl::string_view(s.name) < n;
                             });
  if (it == specs.end() || absl::string_view(it->name) != name) return nullptr;
  return &*it;
}

std::vector<std::string> SplitPostfixList(absl::string_view value) {
  std::vector<std::string> items;
  for (absl::string_view item :
       absl::StrSplit(value, absl::ByAnyChar(", \t\r\n"), absl::SkipEmpty())) {
    items.emplace_back(item);
  }
  return items;
}

absl::StatusOr<int64_t> ParsePostfixTime(absl::string_view value,
                                         char default_unit) {
  absl::string_view v = absl::StripAsciiWhitespace(value);
  size_t digits = 0;
  while (digits < v.size() && std::isdigit(static_cast<unsigned char>(v[digits]))) {
    ++digits;
  }
  if (digits == 0 || v.size() > digits + 1) {
    return absl::InvalidArgumentError(absl::StrCat("bad time value: \"", value, "\""));
  }
  int64_t number = 0;
  if (!absl::SimpleAtoi(v.substr(0, digits), &number)) {
    return absl::InvalidArgumentError(absl::StrCat("bad time value: \"", value, "\""));
  }
  char unit = digits < v.size() ? absl::ascii_tolower(v[digits]) : default_unit;
  int64_t factor = 0;
  switch (unit) {
    case 's': factor = 1; break;
    case 'm': factor = 60; break;
    case 'h': factor = 3600; break;
    case 'd': factor = 86400; break;
    case 'w': factor = 7 * 86400; break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("bad time unit in \"", value, "\" (use s, m, h, d or w)"));
  }
  if (number > INT64_MAX / factor) {
    return absl::InvalidArgumentError(absl::StrCat("time value too large: \"", value, "\""));
  }
  return number * factor;
}

absl::StatusOr<int64_t> ParsePostfixInteger(absl::string_view value) {
  absl::string_view v = absl::StripAsciiWhitespace(value);
  int64_t number = 0;
  bool all_digits = !v.empty() && std::all_of(v.begin(), v.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
  if (!all_digits || !absl::SimpleAtoi(v, &number)) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad numerical value: \"", value, "\""));
  }
  return number;
}

absl::StatusOr<bool> ParsePostfixBool(absl::string_view value) {
  std::string v = absl::AsciiStrToLower(absl::StripAsciiWhitespace(value));
  if (v == "yes") return true;
  if (v == "no") return false;
  return absl::InvalidArgumentError(
      absl::StrCat("bad boolean value: \"", value, "\" (use yes or no)"));
}

absl::StatusOr<MainCf> MainCf::ParseFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  }
  std::stringstream buf;
  buf << in.rdbuf();
  return Parse(buf.str(), path);
}

absl::StatusOr<MainCf> MainCf::Parse(absl::string_view text, std::string file_name) {
  MainCf cf;
  cf.file_name_ = std::move(file_name);
  // Join logical lines first: a physical line that starts with whitespace
  // continues the previous logical line; comment and blank lines end nothing
  // and are skipped (postconf(5): "empty lines and whitespace-only lines are
  // ignored, as are lines whose first non-whitespace character is a '#'").
  auto logical = JoinLogicalLines(text, cf.file_name_, "parameter");
  if (!logical.ok()) return logical.status();
  for (const LogicalLine& l : *logical) {
    size_t eq = l.text.find('=');
    absl::string_view name =
        absl::StripAsciiWhitespace(absl::string_view(l.text).substr(0, eq));
    if (eq == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(cf.file_name_, ", line ", l.line,
                                                ": missing '=' after attribute name: \"",
                                                name, "\""));
    }
    if (name.empty() || !std::all_of(name.begin(), name.end(), IsParamNameChar)) {
      return absl::InvalidArgumentError(absl::StrCat(cf.file_name_, ", line ", l.line,
                                                ": bad parameter name: \"", name,
                                                "\""));
    }
    absl::string_view value =
        absl::StripAsciiWhitespace(absl::string_view(l.text).substr(eq + 1));
    if (absl::Status s = cf.ValidateTyped(name, value, l.line); !s.ok()) return s;
    if (FindParameter(name) == nullptr) {
      cf.warnings_.push_back(absl::StrCat(cf.file_name_, ", line ", l.line,
                                          ": unused parameter: ", name, "=", value));
    }
    cf.entries_[std::string(name)] = Entry{std::string(value), l.line};
  }
  return cf;
}

absl::Status MainCf::Set(absl::string_view name, absl::string_view value) {
  if (absl::Status s = ValidateTyped(name, value, 0); !s.ok()) return s;
  entries_[std::string(name)] = Entry{std::string(value), 0};
  return absl::OkStatus();
}

absl::Status MainCf::ValidateTyped(absl::string_view name, absl::string_view value,
                                   int line) const {
  const ParamSpec* spec = FindParameter(name);
  // Values with $references are checked after expansion, in LoadRefmtaConfig.
  if (spec == nullptr || value.find('$') != absl::string_view::npos) {
    return absl::OkStatus();
  }
  absl::Status status;
  switch (spec->type) {
    case ParamType::kTime:
      status = ParsePostfixTime(value, spec->time_unit).status();
      break;
    case ParamType::kSize:
    case ParamType::kInteger:
      status = ParsePostfixInteger(value).status();
      break;
    case ParamType::kBool:
      status = ParsePostfixBool(value).status();
      break;
    case ParamType::kString:
    case ParamType::kList:
      break;
  }
  if (status.ok()) return status;
  std::string where = line > 0 ? absl::StrCat(file_name_, ", line ", line)
                               : std::string("override");
  return absl::InvalidArgumentError(absl::StrCat(where, ": parameter ", name, ": ",
                                            status.message()));
}

std::optional<std::string> MainCf::Raw(absl::string_view name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) return std::nullopt;
  return it->second.value;
}

std::string MainCf::Origin(absl::string_view name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) return "";
  if (it->second.line == 0) return "override";
  return absl::StrCat(file_name_, ", line ", it->second.line);
}

std::optional<std::string> MainCf::Lookup(absl::string_view name) const {
  auto it = entries_.find(name);
  if (it != entries_.end()) return it->second.value;
  if (name == "myhostname") {
    // Postfix: the FQDN from gethostname(); a name without a dot gets
    // ".$mydomain" (or ".localdomain") appended.
    std::string host = SystemHostName();
    if (host.find('.') != std::string::npos) return host;
    auto domain = entries_.find("mydomain");
    return absl::StrCat(host, ".",
                        domain != entries_.end() ? domain->second.value
                                                 : std::string("localdomain"));
  }
  // mydomain's default ($myhostname minus its first component) is computed
  // in ExpandInner, since it needs the expanded host name.
  if (const ParamSpec* spec = FindParameter(name)) return std::string(spec->default_value);
  return std::nullopt;
}

absl::StatusOr<std::string> MainCf::Expand(absl::string_view name) const {
  std::vector<std::string> undefined;
  return ExpandInner(absl::StrCat("${", name, "}"), 0, &undefined);
}

absl::StatusOr<std::string> MainCf::ExpandText(absl::string_view text) const {
  std::vector<std::string> undefined;
  return ExpandInner(text, 0, &undefined);
}

absl::StatusOr<std::string> MainCf::ExpandInner(
    absl::string_view text, int depth, std::vector<std::string>* undefined) const {
  if (depth > kMaxExpansionDepth) {
    return absl::InvalidArgumentError(absl::StrCat(
        file_name_, ": parameter expansion loop (more than ", kMaxExpansionDepth,
        " levels) in \"", text, "\""));
  }
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c != '$') {
      out.push_back(c);
      ++i;
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '$') {
      out.push_back('$');
      i += 2;
      continue;
    }
    std::string name;
    absl::string_view modifier_text;
    char modifier = 0;
    if (i + 1 < text.size() && (text[i + 1] == '{' || text[i + 1] == '(')) {
      char close = text[i + 1] == '{' ? '}' : ')';
      // Find the matching close, allowing one level of nesting in the text.
      size_t j = i + 2;
      int level = 1;
      while (j < text.size()) {
        if (text[j] == text[i + 1]) ++level;
        if (text[j] == close && --level == 0) break;
        ++j;
      }
      if (j >= text.size()) {
        return absl::InvalidArgumentError(absl::StrCat(file_name_, ": unbalanced '",
                                                  std::string(1, text[i + 1]),
                                                  "' in \"", text, "\""));
      }
      absl::string_view inner = text.substr(i + 2, j - i - 2);
      size_t k = 0;
      while (k < inner.size() && IsParamNameChar(inner[k])) ++k;
      name = std::string(inner.substr(0, k));
      if (k < inner.size()) {
        modifier = inner[k];
        if (modifier != '?' && modifier != ':') {
          return absl::InvalidArgumentError(absl::StrCat(
              file_name_, ": bad parameter reference \"$", std::string(1, text[i + 1]),
              inner, std::string(1, close), "\""));
        }
        modifier_text = inner.substr(k + 1);
        // Postfix 3.x also allows "${name?{text}}"; drop the braces.
        if (modifier_text.size() >= 2 && modifier_text.front() == '{' &&
            modifier_text.back() == '}') {
          modifier_text = modifier_text.substr(1, modifier_text.size() - 2);
        }
      }
      i = j + 1;
    } else {
      size_t j = i + 1;
      while (j < text.size() && IsParamNameChar(text[j])) ++j;
      name = std::string(text.substr(i + 1, j - i - 1));
      i = j;
    }
    if (name.empty()) {
      out.push_back('$');  // a lone '$' stays as it is
      continue;
    }
    std::string value;
    if (name == "mydomain" && entries_.find("mydomain") == entries_.end()) {
      auto host = ExpandInner("${myhostname}", depth + 1, undefined);
      if (!host.ok()) return host.status();
      size_t dot = host->find('.');
      value = dot == std::string::npos || dot + 1 == host->size()
                  ? std::string("localdomain")
                  : host->substr(dot + 1);
    } else if (std::optional<std::string> raw = Lookup(name)) {
      auto expanded = ExpandInner(*raw, depth + 1, undefined);
      if (!expanded.ok()) return expanded.status();
      value = *std::move(expanded);
    } else if (std::find(undefined->begin(), undefined->end(), name) ==
               undefined->end()) {
      undefined->push_back(name);
    }
    if (modifier == '?') {
      if (!value.empty()) {
        auto t = ExpandInner(modifier_text, depth + 1, undefined);
        if (!t.ok()) return t.status();
        out += *t;
      }
    } else if (modifier == ':') {
      if (value.empty()) {
        auto t = ExpandInner(modifier_text, depth + 1, undefined);
        if (!t.ok()) return t.status();
        out += *t;
      }
    } else {
      out += value;
    }
  }
  return out;
}

namespace {

// Helpers for LoadRefmtaConfig: expand one parameter and convert it, with
// errors that name the parameter and where it was set.
class Loader {
 public:
  explicit Loader(const MainCf& cf) : cf_(cf) {}

  void String(const char* name, std::string* out) {
    if (!status_.ok()) return;
    auto v = cf_.Expand(name);
    if (!v.ok()) {
      status_ = v.status();
      return;
    }
    *out = std::string(absl::StripAsciiWhitespace(*v));
  }
  void List(const char* name, std::vector<std::string>* out) {
    std::string v;
    String(name, &v);
    *out = SplitPostfixList(v);
  }
  void Time(const char* name, int64_t* out) {
    std::string v;
    String(name, &v);
    if (!status_.ok()) return;
    const ParamSpec* spec = FindParameter(name);
    Convert(name, ParsePostfixTime(v, spec ? spec->time_unit : 's'), out);
  }
  void Integer(const char* name, int64_t* out) {
    std::string v;
    String(name, &v);
    if (!status_.ok()) return;
    Convert(name, ParsePostfixInteger(v), out);
  }
  void Bool(const char* name, bool* out) {
    std::string v;
    String(name, &v);
    if (!status_.ok()) return;
    Convert(name, ParsePostfixBool(v), out);
  }
  absl::Status status() const { return status_; }

 private:
  template <typename T>
  void Convert(const char* name, absl::StatusOr<T> v, T* out) {
    if (v.ok()) {
      *out = *v;
      return;
    }
    std::string where = cf_.Origin(name);
    if (where.empty()) where = absl::StrCat(cf_.file_name(), " (default)");
    status_ = absl::InvalidArgumentError(
        absl::StrCat(where, ": parameter ", name, ": ", v.status().message()));
  }

  const MainCf& cf_;
  absl::Status status_;
};

}  // namespace

absl::StatusOr<RefmtaConfig> LoadRefmtaConfig(const MainCf& cf) {
  RefmtaConfig c;
  Loader l(cf);
  l.String("config_directory", &c.config_directory);
  l.String("queue_directory", &c.queue_directory);
  l.String("myhostname", &c.myhostname);
  l.String("mydomain", &c.mydomain);
  l.String("myorigin", &c.myorigin);
  l.List("mydestination", &c.mydestination);
  l.List("inet_interfaces", &c.inet_interfaces);
  l.List("mynetworks", &c.mynetworks);
  l.List("local_recipient_maps", &c.local_recipient_maps);
  l.List("relay_domains", &c.relay_domains);
  l.List("relay_recipient_maps", &c.relay_recipient_maps);
  l.String("relayhost", &c.relayhost);
  l.List("alias_maps", &c.alias_maps);
  l.List("alias_database", &c.alias_database);
  l.List("virtual_alias_domains", &c.virtual_alias_domains);
  l.List("virtual_alias_maps", &c.virtual_alias_maps);
  l.List("virtual_mailbox_domains", &c.virtual_mailbox_domains);
  l.List("virtual_mailbox_maps", &c.virtual_mailbox_maps);
  l.String("virtual_mailbox_base", &c.virtual_mailbox_base);
  l.List("transport_maps", &c.transport_maps);
  l.Integer("mailbox_size_limit", &c.mailbox_size_limit);
  l.Integer("virtual_mailbox_limit", &c.virtual_mailbox_limit);
  l.Integer("message_size_limit", &c.message_size_limit);
  l.Integer("queue_minfree", &c.queue_minfree);
  l.String("recipient_delimiter", &c.recipient_delimiter);
  l.String("home_mailbox", &c.home_mailbox);
  l.List("smtpd_relay_restrictions", &c.smtpd_relay_restrictions);
  l.List("smtpd_recipient_restrictions", &c.smtpd_recipient_restrictions);
  l.List("header_checks", &c.header_checks);
  l.String("smtpd_banner", &c.smtpd_banner);
  l.Time("smtpd_timeout", &c.smtpd_timeout_seconds);
  l.Integer("smtpd_recipient_limit", &c.smtpd_recipient_limit);
  l.Integer("smtpd_hard_error_limit", &c.smtpd_hard_error_limit);
  l.Integer("smtpd_soft_error_limit", &c.smtpd_soft_error_limit);
  l.Integer("smtpd_junk_command_limit", &c.smtpd_junk_command_limit);
  l.Integer("smtpd_client_connection_count_limit", &c.smtpd_client_connection_count_limit);
  l.Integer("smtpd_client_connection_rate_limit", &c.smtpd_client_connection_rate_limit);
  l.List("smtpd_client_event_limit_exceptions", &c.smtpd_client_event_limit_exceptions);
  l.Time("anvil_rate_time_unit", &c.anvil_rate_time_unit_seconds);
  l.Integer("line_length_limit", &c.line_length_limit);
  l.Bool("disable_vrfy_command", &c.disable_vrfy_command);
  l.Integer("unknown_local_recipient_reject_code",
            &c.unknown_local_recipient_reject_code);
  l.Integer("relay_domains_reject_code", &c.relay_domains_reject_code);
  l.Time("maximal_queue_lifetime", &c.maximal_queue_lifetime_seconds);
  l.Time("bounce_queue_lifetime", &c.bounce_queue_lifetime_seconds);
  l.Time("minimal_backoff_time", &c.minimal_backoff_time_seconds);
  l.Time("maximal_backoff_time", &c.maximal_backoff_time_seconds);
  l.Time("queue_run_delay", &c.queue_run_delay_seconds);
  l.Integer("default_destination_concurrency_limit",
            &c.default_destination_concurrency_limit);
  l.Bool("enable_long_queue_ids", &c.enable_long_queue_ids);
  l.List("allow_mail_to_commands", &c.allow_mail_to_commands);
  l.List("allow_mail_to_files", &c.allow_mail_to_files);
  l.String("syslog_name", &c.syslog_name);
  l.String("double_bounce_sender", &c.double_bounce_sender);
  l.String("smtpd_tls_cert_file", &c.smtpd_tls_cert_file);
  l.String("smtpd_tls_key_file", &c.smtpd_tls_key_file);
  l.String("smtpd_tls_security_level", &c.smtpd_tls_security_level);
  l.String("smtp_tls_security_level", &c.smtp_tls_security_level);
  l.Integer("smtp_destination_concurrency_limit", &c.smtp_destination_concurrency_limit);
  l.List("notify_classes", &c.notify_classes);
  l.String("2bounce_notice_recipient", &c.double_bounce_notice_recipient);
  if (!l.status().ok()) return l.status();
  return c;
}

}  // namespace mailgauge::refmta
