// File: common/json_int.h
// Integers out of JSON that someone else may have written (state files,
// `mailgauge report --merge` inputs, `postqueue -j`), without nlohmann's
// get<T>(), which converts a float out of T's range (7e27 for a uint64_t)
// with undefined behaviour and a negative number to an unsigned type by
// wrapping around.
//
//   m.size = JsonInt<int64_t>(j.at("size"));          // throws if not one
//   if (auto v = JsonToInt<int64_t>(j["arrival_time"])) arrival = *v;
#ifndef MAILGAUGE_COMMON_JSON_INT_H_
#define MAILGAUGE_COMMON_JSON_INT_H_

#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <type_traits>

#include "nlohmann/json.hpp"

namespace mailgauge {

// v's value as the integer type T, or nullopt when v is not a whole number
// (a float is not, even 5.0) or does not fit T.
template <typename T>
std::optional<T> JsonToInt(const nlohmann::json& v) {
  static_assert(std::is_integral_v<T>, "JsonToInt is for integer types");
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<T>::max())) return std::nullopt;
    return static_cast<T>(u);
  }
  if (v.is_number_integer()) {
    const int64_t i = v.get<int64_t>();
    if (i < 0) {
      if (std::is_unsigned_v<T> ||
          i < static_cast<int64_t>(std::numeric_limits<T>::min())) {
        return std::nullopt;
      }
    } else if (static_cast<uint64_t>(i) > static_cast<uint64_t>(std::numeric_limits<T>::max())) {
      return std::nullopt;
    }
    return static_cast<T>(i);
  }
  return std::nullopt;
}

// JsonToInt, throwing std::out_of_range when v is not an integer that fits
// T: for readers that already catch nlohmann's own exceptions
// (std::exception) and report the input as malformed.
template <typename T>
T JsonInt(const nlohmann::json& v) {
  const std::optional<T> value = JsonToInt<T>(v);
  if (!value) throw std::out_of_range("a value is not a whole number in range: " + v.dump());
  return *value;
}

}  // namespace mailgauge

#endif  // MAILGAUGE_COMMON_JSON_INT_H_
