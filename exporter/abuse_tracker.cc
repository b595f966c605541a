#include "exporter/abuse_tracker.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/json_int.h"
#include "nlohmann/json.hpp"

namespace mailgauge::exporter {
namespace {

constexpr int64_t kMicros = 1000000;

void KeyInto(std::string* k, std::string_view host, std::string_view instance,
             std::string_view queue_id) {
  k->clear();
  k->append(host).push_back('\0');
  k->append(instance).push_back('\0');
  k->append(queue_id);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

std::string ClientNetwork(std::string_view addr) {
  if (addr.empty() || addr.size() > 63) return "";
  char buf[64];
  std::memcpy(buf, addr.data(), addr.size());
  buf[addr.size()] = '\0';
  unsigned char bytes[16];
  if (::inet_pton(AF_INET, buf, bytes) == 1) {
    std::string key = "4:";
    for (int i = 0; i < 3; ++i) {
      if (i > 0) key.push_back('.');
      key += std::to_string(bytes[i]);
    }
    return key;
  }
  // Postfix writes IPv6 clients as [ipv6:2001:db8::1] in some places.
  std::string_view v6 = addr;
  if (v6.size() > 5 && (v6.substr(0, 5) == "ipv6:" || v6.substr(0, 5) == "IPv6:")) {
    v6.remove_prefix(5);
    std::memcpy(buf, v6.data(), v6.size());
    buf[v6.size()] = '\0';
  }
  if (::inet_pton(AF_INET6, buf, bytes) == 1) {
    static const char kHex[] = "0123456789abcdef";
    std::string key = "6:";
    for (int i = 0; i < 8; ++i) {
      key.push_back(kHex[bytes[i] >> 4]);
      key.push_back(kHex[bytes[i] & 15]);
    }
    return key;
  }
  return "";
}

AbuseTracker::AbuseTracker(AbuseTrackerOptions options) : options_(options) {}

void AbuseTracker::OnAuthenticatedMessage(std::string_view host,
                                          std::string_view instance,
                                          std::string_view queue_id,
                                          std::string_view user, int64_t micros) {
  if (user.empty() || queue_id.empty()) return;
  if (micros > now_micros_) now_micros_ = micros;
  KeyInto(&key_, host, instance, queue_id);
  auto [it, inserted] = queue_ids_.try_emplace(key_, std::string(user));
  if (!inserted) {
    it->second = std::string(user);  // a reused queue ID
    return;
  }
  queue_order_.push_back(key_);
  while (queue_ids_.size() > options_.max_queue_ids && !queue_order_.empty()) {
    queue_ids_.erase(queue_order_.front());
    queue_order_.pop_front();
    saturated_ = true;
  }
  // Entries of removed messages stay in queue_order_ until they reach its
  // front; keep the deque bounded too.
  while (queue_order_.size() > 2 * options_.max_queue_ids) {
    queue_ids_.erase(queue_order_.front());
    queue_order_.pop_front();
  }
}

void AbuseTracker::OnRecipient(std::string_view host, std::string_view instance,
                               std::string_view queue_id, std::string_view to,
                               int64_t micros) {
  if (queue_ids_.empty() || to.empty()) return;
  KeyInto(&key_, host, instance, queue_id);
  auto q = queue_ids_.find(key_);
  if (q == queue_ids_.end()) return;
  const std::string& user = q->second;
  const int64_t t = std::max(micros, now_micros_);
  now_micros_ = t;
  auto s = senders_.find(user);
  if (s == senders_.end()) {
    if (senders_.size() >= options_.max_senders) {
      saturated_ = true;
      return;
    }
    s = senders_.emplace(user, SenderState()).first;
  }
  std::string rcpt = Lower(to);
  s->second.recipients[rcpt] = t;
  recipient_entries_.push_back({t, user, std::move(rcpt)});
  Expire();
}

void AbuseTracker::OnMessageRemoved(std::string_view host, std::string_view instance,
                                    std::string_view queue_id) {
  if (queue_ids_.empty()) return;
  KeyInto(&key_, host, instance, queue_id);
  queue_ids_.erase(key_);
}

void AbuseTracker::OnRelayDenied(std::string_view client_addr, int64_t micros) {
  std::string net = ClientNetwork(client_addr);
  if (net.empty()) return;
  const int64_t t = std::max(micros, now_micros_);
  now_micros_ = t;
  auto it = networks_.find(net);
  if (it == networks_.end() && networks_.size() >= options_.max_networks) {
    // Make room: the oldest entry goes (the count then covers less than
    // the window).
    saturated_ = true;
    while (!network_entries_.empty() && networks_.size() >= options_.max_networks) {
      auto& [when, key] = network_entries_.front();
      auto old = networks_.find(key);
      if (old != networks_.end() && old->second == when) networks_.erase(old);
      network_entries_.pop_front();
    }
  }
  networks_[net] = t;
  network_entries_.emplace_back(t, std::move(net));
  Expire();
}

void AbuseTracker::AdvanceTo(int64_t micros) {
  if (micros > now_micros_) now_micros_ = micros;
  Expire();
}

void AbuseTracker::Expire() {
  const int64_t cutoff = now_micros_ - options_.window_seconds * kMicros;
  auto drop_recipient = [&](const RecipientEntry& e) {
    auto s = senders_.find(e.sender);
    if (s == senders_.end()) return;
    auto r = s->second.recipients.find(e.recipient);
    if (r != s->second.recipients.end() && r->second == e.micros) {
      s->second.recipients.erase(r);
      if (s->second.recipients.empty()) senders_.erase(s);
    }
  };
  while (!recipient_entries_.empty() &&
         (recipient_entries_.front().micros <= cutoff ||
          recipient_entries_.size() > options_.max_recipient_entries)) {
    if (recipient_entries_.front().micros > cutoff) saturated_ = true;
    drop_recipient(recipient_entries_.front());
    recipient_entries_.pop_front();
  }
  while (!network_entries_.empty() && network_entries_.front().first <= cutoff) {
    auto& [when, key] = network_entries_.front();
    auto it = networks_.find(key);
    if (it != networks_.end() && it->second == when) networks_.erase(it);
    network_entries_.pop_front();
  }
}

std::vector<AbuseTracker::Sender> AbuseTracker::TopSenders() const {
  std::vector<Sender> all;
  all.reserve(senders_.size());
  for (const auto& [name, state] : senders_) {
    all.push_back({name, state.recipients.size()});
  }
  auto better = [](const Sender& a, const Sender& b) {
    return a.recipients != b.recipients ? a.recipients > b.recipients : a.name < b.name;
  };
  const size_t k = std::min(options_.top_k, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end(),
                    better);
  all.resize(k);
  return all;
}

size_t AbuseTracker::senders_over_threshold() const {
  size_t n = 0;
  for (const auto& [name, state] : senders_) {
    if (state.recipients.size() >= options_.sender_threshold) ++n;
  }
  return n;
}

std::string AbuseTracker::SerializeState() const {
  using nlohmann::json;
  json j;
  j["format"] = "mailgauge-abuse";
  j["version"] = 1;
  j["now"] = now_micros_;
  j["saturated"] = saturated_;
  json queue_ids = json::array();
  for (const std::string& key : queue_order_) {
    auto it = queue_ids_.find(key);
    if (it != queue_ids_.end()) queue_ids.push_back(json::array({key, it->second}));
  }
  j["queue_ids"] = std::move(queue_ids);
  // In time order: replaying them rebuilds every "last seen".
  json recipients = json::array();
  for (const RecipientEntry& e : recipient_entries_) {
    recipients.push_back(json::array({e.micros, e.sender, e.recipient}));
  }
  j["recipients"] = std::move(recipients);
  json networks = json::array();
  for (const auto& [micros, net] : network_entries_) {
    networks.push_back(json::array({micros, net}));
  }
  j["networks"] = std::move(networks);
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

absl::Status AbuseTracker::RestoreState(std::string_view text) {
  using nlohmann::json;
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains("format") ||
      !j["format"].is_string() || j["format"].get<std::string>() != "mailgauge-abuse") {
    return absl::DataLossError("not a saved relay-abuse window");
  }
  if (!j.contains("version") || !j["version"].is_number_integer() ||
      JsonToInt<int>(j["version"]) != 1) {
    return absl::DataLossError("saved relay-abuse window of another version");
  }
  AbuseTracker fresh(options_);
  try {
    fresh.now_micros_ = JsonInt<int64_t>(j.at("now"));
    fresh.saturated_ = j.at("saturated").get<bool>();
    for (const json& q : j.at("queue_ids")) {
      std::string key = q.at(0).get<std::string>();
      if (fresh.queue_ids_.emplace(key, q.at(1).get<std::string>()).second) {
        fresh.queue_order_.push_back(std::move(key));
      }
    }
    int64_t previous = INT64_MIN;
    for (const json& r : j.at("recipients")) {
      RecipientEntry e{JsonInt<int64_t>(r.at(0)), r.at(1).get<std::string>(),
                       r.at(2).get<std::string>()};
      if (e.micros < previous) return absl::DataLossError("saved recipients out of order");
      previous = e.micros;
      fresh.senders_[e.sender].recipients[e.recipient] = e.micros;
      fresh.recipient_entries_.push_back(std::move(e));
    }
    previous = INT64_MIN;
    for (const json& n : j.at("networks")) {
      const int64_t micros = JsonInt<int64_t>(n.at(0));
      if (micros < previous) return absl::DataLossError("saved networks out of order");
      previous = micros;
      std::string net = n.at(1).get<std::string>();
      fresh.networks_[net] = micros;
      fresh.network_entries_.emplace_back(micros, std::move(net));
    }
  } catch (const std::exception& e) {
    return absl::DataLossError(
        absl::StrCat("saved relay-abuse window is malformed: ", e.what()));
  }
  // The caps of this run apply.
  while (fresh.queue_ids_.size() > options_.max_queue_ids) {
    fresh.queue_ids_.erase(fresh.queue_order_.front());
    fresh.queue_order_.pop_front();
  }
  while (fresh.networks_.size() > options_.max_networks && !fresh.network_entries_.empty()) {
    auto& [when, key] = fresh.network_entries_.front();
    auto it = fresh.networks_.find(key);
    if (it != fresh.networks_.end() && it->second == when) fresh.networks_.erase(it);
    fresh.network_entries_.pop_front();
  }
  fresh.Expire();
  *this = std::move(fresh);
  return absl::OkStatus();
}

}  // namespace mailgauge::exporter
