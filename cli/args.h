// File: cli/args.h
// A small command-line parser for mailgauge's subcommands: GNU-style long
// options (`--name VALUE`, `--name=VALUE`, `--flag`), short aliases, repeated
// options, and positional arguments after them or after `--`. Errors name the
// option at fault.
//
//   Args args("records");
//   args.Flag("include-unfinished", "print messages still in flight");
//   args.Value("year", "YEAR", "year of classic timestamps");
//   absl::Status s = args.Parse(argc, argv);
//   if (args.Has("include-unfinished")) ...
#ifndef MAILGAUGE_CLI_ARGS_H_
#define MAILGAUGE_CLI_ARGS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace mailgauge::cli {

class Args {
 public:
  explicit Args(std::string command) : command_(std::move(command)) {}

  // Declares a boolean option. `short_name` may be 0.
  void Flag(const std::string& name, const std::string& help, char short_name = 0);
  // Declares an option taking a value; may be repeated.
  void Value(const std::string& name, const std::string& value_name,
             const std::string& help, char short_name = 0);

  // Parses argv[first..argc). --help/-h set Has("help").
  [[nodiscard]] absl::Status Parse(int argc, char** argv, int first);

  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  // Last value given, or `fallback`.
  std::string Get(const std::string& name, const std::string& fallback = "") const;
  std::vector<std::string> GetAll(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

  // The option list, one per line, for --help.
  std::string Help() const;

 private:
  struct Option {
    std::string name;
    std::string value_name;  // empty for flags
    std::string help;
    char short_name = 0;
  };
  const Option* Find(const std::string& name) const;
  const Option* FindShort(char c) const;

  std::string command_;
  std::vector<Option> options_;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
};

// Parses "30s", "5m", "2h", "6d", "1w" or plain seconds into seconds.
[[nodiscard]] bool ParseDuration(const std::string& text, int64_t* seconds);

}  // namespace mailgauge::cli

#endif  // MAILGAUGE_CLI_ARGS_H_
