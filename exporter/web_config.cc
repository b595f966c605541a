#include "exporter/web_config.h"

#include <crypt.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace mailgauge::exporter {
namespace {

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// A valid bcrypt hash of no password anyone knows, checked against when no
// user is configured at all (basic auth is then off and this is not reached
// by the server).
constexpr char kDummyHash[] =
    "$2y$10$abcdefghijklmnopqrstuuZ0rHn1yXiRTgTz2t9yAfYHtCGt.9N7e";

std::atomic<internal::PasswordCheckObserver> password_check_observer{nullptr};

bool SupportedHash(const std::string& h) {
  return absl::StartsWith(h, "$2a$") || absl::StartsWith(h, "$2b$") ||
         absl::StartsWith(h, "$2y$") || absl::StartsWith(h, "$5$") ||
         absl::StartsWith(h, "$6$");
}

class Parser {
 public:
  Parser(std::string_view text, const std::string& filename)
      : text_(text), filename_(filename) {}

  absl::StatusOr<WebConfig> Parse() {
    WebConfig config;
    std::string section;   // current top-level key
    int section_indent = -1;
    std::map<std::string, std::string> tls;
    bool saw_tls = false, saw_users = false;
    size_t pos = 0;
    while (pos <= text_.size()) {
      size_t end = text_.find('\n', pos);
      if (end == std::string_view::npos) end = text_.size();
      std::string line(text_.substr(pos, end - pos));
      pos = end + 1;
      ++line_no_;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      StripComment(&line);
      while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.pop_back();
      if (line.empty()) {
        if (end == text_.size()) break;
        continue;
      }
      size_t indent = 0;
      while (indent < line.size() && line[indent] == ' ') ++indent;
      if (indent < line.size() && line[indent] == '\t') {
        return Error("tabs are not allowed in indentation; use blanks");
      }
      if (line.substr(indent) == "---") {
        if (indent != 0) return Error("'---' must start the line");
        continue;
      }
      std::string key, value;
      if (absl::Status s = SplitKeyValue(line.substr(indent), &key, &value); !s.ok()) {
        return s;
      }
      if (indent == 0) {
        section.clear();
        section_indent = -1;
        if (key != "tls_server_config" && key != "basic_auth_users") {
          return Error(absl::StrCat(
              "'", key,
              "' is not supported (only tls_server_config and basic_auth_users)"));
        }
        if ((key == "tls_server_config" && saw_tls) ||
            (key == "basic_auth_users" && saw_users)) {
          return Error(absl::StrCat("'", key, "' is given twice"));
        }
        (key == "tls_server_config" ? saw_tls : saw_users) = true;
        if (value.empty() || value == "{}" || value == "null" || value == "~") {
          section = key;
          continue;
        }
        return Error(absl::StrCat("'", key,
                                  "' must be followed by indented 'key: value' lines "
                                  "(flow style {a: b} is not supported)"));
      }
      if (section.empty()) {
        return Error("indented line outside tls_server_config or basic_auth_users");
      }
      if (section_indent < 0) section_indent = static_cast<int>(indent);
      if (static_cast<int>(indent) != section_indent) {
        return Error(absl::StrCat("indentation of ", indent,
                                  " blanks differs from the ", section_indent,
                                  " of the lines above (nested values are not supported)"));
      }
      absl::StatusOr<std::string> scalar = Scalar(value);
      if (!scalar.ok()) return scalar.status();
      if (section == "tls_server_config") {
        if (key != "cert_file" && key != "key_file") {
          return Error(absl::StrCat("tls_server_config: '", key,
                                    "' is not supported (only cert_file and key_file)"));
        }
        if (tls.count(key)) return Error(absl::StrCat("'", key, "' is given twice"));
        if (scalar->empty()) return Error(absl::StrCat("'", key, "' is empty"));
        tls[key] = *scalar;
        (key == "cert_file" ? tls_line_cert_ : tls_line_key_) = line_no_;
      } else {
        if (config.users.count(key)) {
          return Error(absl::StrCat("user '", key, "' is given twice"));
        }
        if (!SupportedHash(*scalar)) {
          return Error(absl::StrCat("the password of '", key,
                                    "' is not a bcrypt ($2a$, $2b$, $2y$), $5$ or $6$ "
                                    "crypt hash (make one with htpasswd -nBC 10 USER)"));
        }
        struct crypt_data data;
        std::memset(&data, 0, sizeof(data));
        const char* out = crypt_r("probe", scalar->c_str(), &data);
        if (out == nullptr || out[0] == '*' ||
            std::strncmp(out, scalar->c_str(), 4) != 0 ||
            std::strlen(out) != scalar->size()) {
          return Error(absl::StrCat("the password hash of '", key,
                                    "' is malformed (libcrypt does not accept it)"));
        }
        config.users[key] = *scalar;
      }
    }
    if (tls.count("cert_file") != tls.count("key_file")) {
      line_no_ = tls.count("cert_file") ? tls_line_cert_ : tls_line_key_;
      return Error("tls_server_config needs both cert_file and key_file");
    }
    if (tls.count("cert_file")) {
      config.cert_file = Resolve(tls["cert_file"]);
      config.key_file = Resolve(tls["key_file"]);
    }
    return config;
  }

 private:
  absl::Status Error(const std::string& why) const {
    return absl::InvalidArgumentError(
        absl::StrCat(filename_, ":", line_no_, ": ", why));
  }

  std::string Resolve(const std::string& p) const {
    if (p.empty() || p[0] == '/') return p;
    const size_t slash = filename_.rfind('/');
    if (slash == std::string::npos) return p;
    return filename_.substr(0, slash + 1) + p;
  }

  // Removes a comment: '#' at the start or after a blank, outside quotes.
  static void StripComment(std::string* line) {
    char quote = 0;
    for (size_t i = 0; i < line->size(); ++i) {
      const char c = (*line)[i];
      if (quote != 0) {
        if (c == '\\' && quote == '"') {
          ++i;
        } else if (c == quote) {
          quote = 0;
        }
        continue;
      }
      if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '#' && (i == 0 || (*line)[i - 1] == ' ' || (*line)[i - 1] == '\t')) {
        line->resize(i);
        return;
      }
    }
  }

  absl::Status SplitKeyValue(const std::string& s, std::string* key,
                             std::string* value) const {
    if (s[0] == '-') return Error("lists are not supported");
    const size_t colon = s.find(':');
    if (colon == std::string::npos || colon == 0 ||
        (colon + 1 < s.size() && s[colon + 1] != ' ')) {
      return Error(absl::StrCat("expected 'key: value', got '", s, "'"));
    }
    *key = s.substr(0, colon);
    for (char c : *key) {
      if (c == ' ' || c == '"' || c == '\'' || c == '{' || c == '[') {
        return Error(absl::StrCat("'", *key, "' is not a plain key"));
      }
    }
    *value = std::string(absl::StripAsciiWhitespace(AV(std::string_view(s).substr(colon + 1))));
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> Scalar(const std::string& v) const {
    if (v.empty()) return std::string();
    if (v[0] == '\'') {
      std::string out;
      size_t i = 1;
      for (; i < v.size(); ++i) {
        if (v[i] == '\'') {
          if (i + 1 < v.size() && v[i + 1] == '\'') {
            out += '\'';
            ++i;
          } else {
            break;
          }
        } else {
          out += v[i];
        }
      }
      if (i != v.size() - 1) return Error("unterminated or trailing text after a 'quoted' value");
      return out;
    }
    if (v[0] == '"') {
      std::string out;
      size_t i = 1;
      for (; i < v.size() && v[i] != '"'; ++i) {
        if (v[i] == '\\') {
          if (i + 1 >= v.size() || (v[i + 1] != '"' && v[i + 1] != '\\')) {
            return Error("only \\\" and \\\\ escapes are supported in \"quoted\" values");
          }
          ++i;
        }
        out += v[i];
      }
      if (i != v.size() - 1) return Error("unterminated or trailing text after a \"quoted\" value");
      return out;
    }
    if (v[0] == '{' || v[0] == '[' || v[0] == '&' || v[0] == '*' || v[0] == '|' ||
        v[0] == '>' || v[0] == '!') {
      return Error(absl::StrCat("'", v, "': only plain or quoted scalar values are supported"));
    }
    return v;
  }

  std::string_view text_;
  const std::string& filename_;
  int line_no_ = 0;
  int tls_line_cert_ = 0;
  int tls_line_key_ = 0;
};

}  // namespace

namespace internal {

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  // CRYPTO_memcmp reads every byte whatever differs; it cannot be turned
  // into an early-exit loop by the compiler as a hand-written one could.
  const bool same = CRYPTO_memcmp(a.data(), b.data(), n) == 0;
  return same && a.size() == b.size();
}

void SetPasswordCheckObserverForTesting(PasswordCheckObserver observer) {
  password_check_observer.store(observer);
}

}  // namespace internal

bool PasswordMatches(std::string_view password, const std::string& hash) {
  auto data = std::make_unique<struct crypt_data>();
  std::memset(data.get(), 0, sizeof(*data));
  const std::string pw(password);
  const char* out = crypt_r(pw.c_str(), hash.c_str(), data.get());
  // A hash libcrypt refuses is turned away when the file is read; should one
  // get here, it is still compared, so this path costs the same.
  const bool usable = out != nullptr && out[0] != '*';
  const bool equal = internal::ConstantTimeEquals(usable ? out : "", hash);
  if (internal::PasswordCheckObserver observer = password_check_observer.load()) {
    observer(hash);
  }
  return usable && equal;
}

bool WebConfig::CheckBasicAuth(const char* authorization) const {
  std::string user, password;
  bool parsed = false;
  if (authorization != nullptr) {
    absl::string_view v(authorization);
    v = absl::StripLeadingAsciiWhitespace(v);
    if (v.size() > 6 && absl::EqualsIgnoreCase(v.substr(0, 6), "basic ")) {
      std::string decoded;
      if (absl::Base64Unescape(absl::StripAsciiWhitespace(v.substr(6)), &decoded)) {
        const size_t colon = decoded.find(':');
        if (colon != std::string::npos) {
          user = decoded.substr(0, colon);
          password = decoded.substr(colon + 1);
          parsed = true;
        }
      }
    }
  }
  auto it = users.find(user);
  const bool known = parsed && it != users.end();
  // Always pay for one hash, and for an unknown user one with the settings
  // of a real user's hash (bcrypt cost, sha-crypt rounds), so a wrong user
  // costs as much as a wrong password.
  static const std::string* const dummy = new std::string(kDummyHash);
  const std::string* hash = dummy;
  if (known) {
    hash = &it->second;
  } else if (!users.empty()) {
    hash = &users.begin()->second;
  }
  const bool match = PasswordMatches(password, *hash);
  return known && match;
}

absl::StatusOr<WebConfig> ParseWebConfig(std::string_view text,
                                         const std::string& filename) {
  return Parser(text, filename).Parse();
}

absl::StatusOr<WebConfig> ReadWebConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot read the web config file: ",
                                            std::strerror(errno)));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  absl::StatusOr<WebConfig> c = ParseWebConfig(ss.str(), path);
  if (!c.ok()) return c;
  for (const std::string* f : {&c->cert_file, &c->key_file}) {
    if (!f->empty() && ::access(f->c_str(), R_OK) != 0) {
      return absl::NotFoundError(absl::StrCat(path, ": cannot read ", *f, ": ",
                                              std::strerror(errno)));
    }
  }
  return c;
}

}  // namespace mailgauge::exporter
