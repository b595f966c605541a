// File: refmta/network_list.h
// mynetworks-style address lists: "127.0.0.0/8", "[::1]/128", "192.0.2.7",
// "[2001:db8::1]", matched against a client's IP address. IPv4 clients also
// match IPv4-mapped IPv6 entries ("[::ffff:127.0.0.0]/104") and vice versa,
// as Postfix does.
//
//   absl::StatusOr<NetworkList> nets = NetworkList::Parse({"127.0.0.0/24", "[::1]/128"});
//   nets->Contains("127.0.0.9");   // true
//   nets->Contains("127.0.1.9");   // false
//
// Thread-safety: immutable after Parse; Contains may be called concurrently.
#ifndef MAILGAUGE_REFMTA_NETWORK_LIST_H_
#define MAILGAUGE_REFMTA_NETWORK_LIST_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace mailgauge::refmta {

class NetworkList {
 public:
  // Parses list items. InvalidArgument names the item at fault: a bad
  // address, a prefix length out of range, non-zero host bits (Postfix warns
  // about those; refmta refuses them so a typo is not silently widened), or
  // an item kind refmta does not support (host names, /file, type:table).
  [[nodiscard]] static absl::StatusOr<NetworkList> Parse(
      const std::vector<std::string>& items);

  // True when `ip` (textual IPv4 or IPv6, brackets allowed) lies in one of
  // the networks. An unparsable address matches nothing.
  bool Contains(absl::string_view ip) const;

  size_t size() const { return networks_.size(); }

 private:
  struct Network {
    std::array<uint8_t, 16> address;  // IPv4 stored as IPv4-mapped IPv6
    int prefix_bits;                  // 0..128, on the mapped form
  };
  std::vector<Network> networks_;
};

// Parses a textual IPv4 or IPv6 address (optionally in brackets) into its
// IPv4-mapped IPv6 form. Returns false when it is not an address.
bool ParseIpAddress(absl::string_view text, std::array<uint8_t, 16>* out);

}  // namespace mailgauge::refmta

#endif  // MAILGAUGE_REFMTA_NETWORK_LIST_H_
