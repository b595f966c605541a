#include "refmta/network_list.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace mailgauge::refmta {

bool ParseIpAddress(absl::string_view text, std::array<uint8_t, 16>* out) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  std::string s(text);
  if (s.size() > 5 && (s.compare(0, 5, "IPv6:") == 0 || s.compare(0, 5, "ipv6:") == 0)) {
    s = s.substr(5);
  }
  in_addr v4;
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    out->fill(0);
    (*out)[10] = 0xff;
    (*out)[11] = 0xff;
    std::memcpy(out->data() + 12, &v4, 4);
    return true;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(out->data(), &v6, 16);
    return true;
  }
  return false;
}

absl::StatusOr<NetworkList> NetworkList::Parse(const std::vector<std::string>& items) {
  NetworkList list;
  for (const std::string& item : items) {
    if (item.empty()) continue;
    // "/file" and "type:table" items: a table type has a letter that is not a
    // hex digit before its ':' ("hash:", "cidr:"), an IPv6 address has none.
    size_t colon = item.find(':');
    bool is_table = colon != std::string::npos && colon > 0 && item.front() != '[' &&
                    std::any_of(item.begin(), item.begin() + colon, [](char c) {
                      return absl::ascii_isalpha(static_cast<unsigned char>(c)) &&
                             !absl::ascii_isxdigit(static_cast<unsigned char>(c));
                    });
    if (item.front() == '/' || is_table) {
      return absl::InvalidArgumentError(absl::StrCat(
          "mynetworks: unsupported item \"", item,
          "\" (refmta accepts addresses and networks only, not files or tables)"));
    }
    absl::string_view address = item;
    int bits = -1;
    size_t slash = item.rfind('/');
    if (slash != std::string::npos) {
      address = absl::string_view(item).substr(0, slash);
      if (!absl::SimpleAtoi(absl::string_view(item).substr(slash + 1), &bits) ||
          bits < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("mynetworks: bad prefix length in \"", item, "\""));
      }
    }
    Network net;
    if (!ParseIpAddress(address, &net.address)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "mynetworks: \"", item, "\" is not an IPv4 or IPv6 address or network"));
    }
    bool is_v4 = address.find(':') == absl::string_view::npos;
    int max_bits = is_v4 ? 32 : 128;
    if (bits == -1) bits = max_bits;
    if (bits > max_bits) {
      return absl::InvalidArgumentError(
          absl::StrCat("mynetworks: prefix length out of range in \"", item, "\""));
    }
    net.prefix_bits = is_v4 ? bits + 96 : bits;
    for (int bit = net.prefix_bits; bit < 128; ++bit) {
      if (net.address[bit / 8] & (0x80 >> (bit % 8))) {
        return absl::InvalidArgumentError(absl::StrCat(
            "mynetworks: non-null host address bits in \"", item, "\""));
      }
    }
    list.networks_.push_back(net);
  }
  return list;
}

bool NetworkList::Contains(absl::string_view ip) const {
  std::array<uint8_t, 16> addr;
  if (!ParseIpAddress(ip, &addr)) return false;
  for (const Network& net : networks_) {
    int full = net.prefix_bits / 8;
    if (std::memcmp(addr.data(), net.address.data(), full) != 0) continue;
    int rest = net.prefix_bits % 8;
    if (rest != 0) {
      uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
      if ((addr[full] & mask) != (net.address[full] & mask)) continue;
    }
    return true;
  }
  return false;
}

}  // namespace mailgauge::refmta
