#include "cli/args.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace mailgauge::cli {

void Args::Flag(const std::string& name, const std::string& help, char short_name) {
  options_.push_back({name, "", help, short_name});
}

void Args::Value(const std::string& name, const std::string& value_name,
                 const std::string& help, char short_name) {
  options_.push_back({name, value_name, help, short_name});
}

const Args::Option* Args::Find(const std::string& name) const {
  for (const Option& o : options_) {
    if (o.name == name) return &o;
  }
  return nullptr;
}

const Args::Option* Args::FindShort(char c) const {
  for (const Option& o : options_) {
    if (o.short_name == c) return &o;
  }
  return nullptr;
}

absl::Status Args::Parse(int argc, char** argv, int first) {
  bool only_positional = false;
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (only_positional || arg == "-" || arg.size() < 2 || arg[0] != '-') {
      positional_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positional = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      if (FindShort('h') == nullptr || arg == "--help") {
        values_["help"].push_back("");
        continue;
      }
    }
    const Option* option = nullptr;
    std::string value;
    bool has_value = false;
    if (arg.rfind("--", 0) == 0) {
      std::string name = arg.substr(2);
      const size_t eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_value = true;
      }
      option = Find(name);
      if (option == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("mailgauge ", command_, ": unknown option --", name,
                         " (see --help)"));
      }
    } else {
      option = FindShort(arg[1]);
      if (option == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(
            "mailgauge ", command_, ": unknown option ", arg, " (see --help)"));
      }
      if (arg.size() > 2) {
        value = arg.substr(2);
        has_value = true;
      }
    }
    if (option->value_name.empty()) {
      if (has_value) {
        return absl::InvalidArgumentError(absl::StrCat(
            "mailgauge ", command_, ": option --", option->name, " takes no value"));
      }
      values_[option->name].push_back("");
      continue;
    }
    if (!has_value) {
      if (i + 1 >= argc) {
        return absl::InvalidArgumentError(
            absl::StrCat("mailgauge ", command_, ": option --", option->name,
                         " needs a value (", option->value_name, ")"));
      }
      value = argv[++i];
    }
    values_[option->name].push_back(value);
  }
  return absl::OkStatus();
}

std::string Args::Get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() || it->second.empty() ? fallback : it->second.back();
}

std::vector<std::string> Args::GetAll(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::string Args::Help() const {
  std::string out;
  for (const Option& o : options_) {
    std::string left = "  ";
    if (o.short_name != 0) {
      left += std::string("-") + o.short_name + ", ";
    }
    left += "--" + o.name;
    if (!o.value_name.empty()) left += " " + o.value_name;
    if (left.size() < 30) left.resize(30, ' ');
    else left += "\n" + std::string(30, ' ');
    out += left + o.help + "\n";
  }
  out += "  --help                      show this help\n";
  return out;
}

bool ParseDuration(const std::string& text, int64_t* seconds) {
  if (text.empty()) return false;
  char* end = nullptr;
  const long long n = std::strtoll(text.c_str(), &end, 10);
  if (end == text.c_str() || n < 0) return false;
  std::string unit(end);
  int64_t scale = 0;
  if (unit.empty() || unit == "s") scale = 1;
  else if (unit == "m") scale = 60;
  else if (unit == "h") scale = 3600;
  else if (unit == "d") scale = 86400;
  else if (unit == "w") scale = 7 * 86400;
  else return false;
  *seconds = n * scale;
  return true;
}

}  // namespace mailgauge::cli
