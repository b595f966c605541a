#include "cli/input_flags.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace mailgauge::cli {

void AddInputFlags(Args* args) {
  args->Value("year", "YEAR",
              "year of classic (RFC 3164) timestamps, which carry none; default: "
              "inferred from today, with the December->January roll-over");
  args->Value("timezone", "TZ",
              "time zone of classic timestamps, e.g. Europe/Berlin; default: the "
              "local zone");
  args->Value("syslog-name", "NAME",
              "syslog name of a Postfix instance besides postfix and postfix-*; "
              "repeatable");
  args->Value("unparsed", "FILE",
              "write every line that is not understood to FILE");
  args->Value("max-line-bytes", "N", "cut lines longer than N bytes (default 65536)");
}

absl::StatusOr<analyzer::LogInputOptions> InputOptionsFromFlags(const Args& args) {
  analyzer::LogInputOptions options;
  if (args.Has("year")) {
    char* end = nullptr;
    const std::string y = args.Get("year");
    const long year = std::strtol(y.c_str(), &end, 10);
    if (end == y.c_str() || *end != '\0' || year < 1970 || year > 9999) {
      return absl::InvalidArgumentError(
          absl::StrCat("--year: '", y, "' is not a year between 1970 and 9999"));
    }
    options.envelope.year = static_cast<int>(year);
  }
  if (args.Has("timezone")) {
    const std::string tz = args.Get("timezone");
    absl::TimeZone zone;
    if (!absl::LoadTimeZone(tz, &zone)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--timezone: unknown time zone '", tz, "'"));
    }
    options.envelope.time_zone = zone;
  }
  for (const std::string& name : args.GetAll("syslog-name")) {
    options.envelope.syslog_names.Add(name);
  }
  options.unparsed_path = args.Get("unparsed");
  if (args.Has("max-line-bytes")) {
    const std::string v = args.Get("max-line-bytes");
    char* end = nullptr;
    const long n = std::strtol(v.c_str(), &end, 10);
    if (end == v.c_str() || *end != '\0' || n < 256) {
      return absl::InvalidArgumentError(
          absl::StrCat("--max-line-bytes: '", v, "' must be a number >= 256"));
    }
    options.max_line_bytes = static_cast<size_t>(n);
  }
  return options;
}

void PrintInputStats(const analyzer::LogInputStats& s) {
  std::fprintf(stderr,
               "mailgauge: %llu lines in %llu files: %llu Postfix lines, %llu parsed, "
               "%llu not understood, %llu with an unreadable envelope, %llu from "
               "other programs, %llu overlong, %llu with a time earlier than the "
               "newest before\n",
               static_cast<unsigned long long>(s.lines),
               static_cast<unsigned long long>(s.files),
               static_cast<unsigned long long>(s.postfix_lines),
               static_cast<unsigned long long>(s.parsed_lines),
               static_cast<unsigned long long>(s.unparsed_lines()),
               static_cast<unsigned long long>(s.malformed_lines),
               static_cast<unsigned long long>(s.other_program_lines),
               static_cast<unsigned long long>(s.overlong_lines),
               static_cast<unsigned long long>(s.time_went_backwards));
  for (const auto& [daemon, n] : s.unparsed_by_daemon) {
    std::fprintf(stderr, "mailgauge:   not understood from %s: %llu\n",
                 daemon.c_str(), static_cast<unsigned long long>(n));
  }
}

}  // namespace mailgauge::cli
