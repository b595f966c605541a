// File: exporter/web_config.h
// --web.config.file: TLS and basic auth on the metrics endpoint, in the
// Prometheus exporter-toolkit format, and the password check.
//
//   # web-config.yml
//   tls_server_config:
//     cert_file: /etc/mailgauge/tls.crt
//     key_file: /etc/mailgauge/tls.key
//   basic_auth_users:
//     prometheus: $2y$10$X0h1gDsPszWURQaxFh.zoubFi6DXncSjhoQNJgRrnGs7EsimhC7zG
//
//   absl::StatusOr<WebConfig> c = ReadWebConfig("/etc/mailgauge/web-config.yml");
//   if (!c.ok()) { std::cerr << c.status().message(); return 1; }
//   if (!c->CheckBasicAuth(header_value)) { /* 401 */ }
//
// The YAML accepted is this subset (an error names the file and line of
// anything else):
//   - `#` comments (at the start of a line or after a blank) and blank lines;
//   - the top-level keys `tls_server_config` and `basic_auth_users`, each
//     followed by `key: value` lines indented by blanks (no tabs) all at the
//     same indentation, or written as `{}` or `null`/`~`/nothing for empty;
//   - values: plain scalars, 'single-quoted' ('' is a quote) or
//     "double-quoted" (with \" and \\);
//   - in tls_server_config only cert_file and key_file (both or neither);
//     relative paths are relative to the config file's directory, as in
//     exporter-toolkit. Other exporter-toolkit keys (client_auth_type,
//     client_ca_file, min_version, cipher_suites, http_server_config, …)
//     are refused by name rather than silently ignored.
//   - in basic_auth_users: user name → crypt(3) hash. bcrypt ($2a$, $2b$,
//     $2y$) as exporter-toolkit, and also SHA-256/SHA-512 crypt ($5$, $6$);
//     every hash is checked with libcrypt when the file is read.
// The file is read once at start-up.
//
// Thread-safety: a WebConfig is immutable after reading; CheckBasicAuth may
// be called from several threads at once.
#ifndef MAILGAUGE_EXPORTER_WEB_CONFIG_H_
#define MAILGAUGE_EXPORTER_WEB_CONFIG_H_

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace mailgauge::exporter {

struct WebConfig {
  // Both empty: plain HTTP.
  std::string cert_file;
  std::string key_file;
  // user -> crypt(3) hash. Empty: no authentication.
  std::map<std::string, std::string> users;

  bool tls() const { return !cert_file.empty(); }
  bool basic_auth() const { return !users.empty(); }

  // Whether an `Authorization` header value ("Basic base64(user:pass)";
  // nullptr when absent) names a user of `users` with the right password.
  // Every call computes exactly one crypt(3) hash and makes one
  // constant-time comparison (OpenSSL's CRYPTO_memcmp), whatever the
  // header: for an unknown user or a header that does not parse, the
  // password is hashed with the settings (algorithm, cost, salt) of the
  // first configured user and the answer is no. So timing tells neither
  // which users exist nor how much of a password matched (users whose
  // hashes have different costs still take different times).
  bool CheckBasicAuth(const char* authorization) const;
};

// Parses the text of a web config file; `filename` is used in errors and to
// resolve relative paths.
[[nodiscard]] absl::StatusOr<WebConfig> ParseWebConfig(std::string_view text,
                                                       const std::string& filename);

// Reads and parses `path`. Also checks that the certificate and key files
// are readable.
[[nodiscard]] absl::StatusOr<WebConfig> ReadWebConfig(const std::string& path);

// crypt(3) of `password` with the settings of `hash`, compared with `hash`
// in constant time.
bool PasswordMatches(std::string_view password, const std::string& hash);

namespace internal {

// Whether a and b are equal, in time that depends on their lengths only
// (CRYPTO_memcmp over the common length; the lengths are not secret: a
// crypt(3) output's length follows from its algorithm).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Tests only: called by PasswordMatches after each check with the stored
// hash whose settings were used; nullptr (the default) for none. Lets a
// test count the hashes CheckBasicAuth computes without timing anything.
using PasswordCheckObserver = void (*)(const std::string& hash);
void SetPasswordCheckObserverForTesting(PasswordCheckObserver observer);

}  // namespace internal

}  // namespace mailgauge::exporter

#endif  // MAILGAUGE_EXPORTER_WEB_CONFIG_H_
