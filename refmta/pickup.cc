#include "refmta/pickup.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace mailgauge::refmta {
namespace {

std::string Qualify(const std::string& address, const std::string& origin) {
  if (address.empty() || address.find('@') != std::string::npos) return address;
  return absl::StrCat(address, "@", origin);
}

// The address in one header list item: "Name <a@b>" -> "a@b", "a@b" -> "a@b".
std::string AddressOf(absl::string_view item) {
  size_t lt = item.rfind('<');
  size_t gt = item.rfind('>');
  if (lt != absl::string_view::npos && gt != absl::string_view::npos && gt > lt) {
    return std::string(absl::StripAsciiWhitespace(item.substr(lt + 1, gt - lt - 1)));
  }
  return std::string(absl::StripAsciiWhitespace(item));
}

}  // namespace

std::vector<std::string> RecipientsFromHeaders(absl::string_view content) {
  std::vector<std::string> out;
  size_t body = 0;
  for (const std::string& h : LogicalHeaders(content, &body)) {
    size_t colon = h.find(':');
    std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(h.substr(0, colon)));
    if (name != "to" && name != "cc" && name != "bcc") continue;
    std::string value;
    for (char c : h.substr(colon + 1)) value.push_back(c == '\n' || c == '\t' ? ' ' : c);
    // Split at commas outside quotes and angle brackets.
    std::string item;
    bool quoted = false;
    int angle = 0;
    auto flush = [&]() {
      std::string a = AddressOf(item);
      item.clear();
      if (!a.empty() && std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
    };
    for (char c : value) {
      if (c == '"') quoted = !quoted;
      if (!quoted && c == '<') ++angle;
      if (!quoted && c == '>' && angle > 0) --angle;
      if (c == ',' && !quoted && angle == 0) {
        flush();
      } else {
        item.push_back(c);
      }
    }
    flush();
  }
  return out;
}

absl::StatusOr<std::string> DropMessage(Queue* queue, const std::string& sender,
                                        const std::vector<std::string>& recipients,
                                        int64_t uid, absl::string_view content) {
  if (recipients.empty()) {
    return absl::InvalidArgumentError("no recipient addresses found in message header");
  }
  std::string normalized;
  normalized.reserve(content.size());
  for (size_t i = 0; i < content.size(); ++i) {
    if (content[i] == '\r' && i + 1 < content.size() && content[i + 1] == '\n') continue;
    normalized.push_back(content[i]);
  }
  if (!normalized.empty() && normalized.back() != '\n') normalized.push_back('\n');
  Envelope env;
  env.sender = sender;
  for (const std::string& r : recipients) env.recipients.push_back({r});
  env.origin = "sendmail";
  env.uid = uid;
  return queue->Enqueue(QueueName::kMaildrop, env, normalized);
}

absl::StatusOr<int> PickupAll(Queue* queue, Cleanup* cleanup, PostfixLogWriter* log,
                              const RefmtaConfig& config, int64_t pickup_pid) {
  auto ids = queue->List(QueueName::kMaildrop);
  if (!ids.ok()) return ids.status();
  std::string origin_domain = config.myorigin.substr(config.myorigin.rfind('@') + 1);
  int picked = 0;
  for (const std::string& drop_id : *ids) {
    auto file = queue->Read(QueueName::kMaildrop, drop_id);
    if (absl::IsNotFound(file.status())) continue;
    if (!file.ok()) {
      // pickup.c moves damaged files to "corrupt"; refmta warns and drops it.
      log->Warning("pickup", pickup_pid,
                   absl::StrCat("maildrop/", drop_id, ": ", file.status().message()));
      (void)queue->Remove(QueueName::kMaildrop, drop_id);
      continue;
    }
    absl::Time now = absl::Now();
    auto id = queue->Reserve(QueueName::kIncoming, now);
    if (!id.ok()) return id.status();
    const Envelope& drop = file->envelope;
    // pickup.c: msg_info("%s: uid=%d from=<%s>", ...) with the sender as given.
    log->Info("pickup", pickup_pid,
              postfix_message::PickupUid(*id, drop.uid, drop.sender.empty()
                                                            ? std::string()
                                                            : drop.sender));
    IncomingMessage m;
    m.queue_id = *id;
    m.sender = Qualify(drop.sender, origin_domain);
    for (const QueuedRecipient& r : drop.recipients) {
      m.recipients.push_back(Qualify(r.address, origin_domain));
    }
    m.client_name = "localhost";
    m.client_addr = "127.0.0.1";
    m.protocol = "";
    m.arrival = now;
    m.content = file->message;
    m.uid = drop.uid < 0 ? 0 : drop.uid;
    const CleanupResult result = cleanup->Process(m, QueueName::kIncoming);
    if (result.kind == CleanupResult::Kind::kFailed) {
      // Like pickup(8): a message sendmail accepted is never dropped because
      // cleanup could not write it; it stays in maildrop for the next run.
      log->Warning("pickup", pickup_pid,
                   absl::StrCat("maildrop/", drop_id, ": error writing ", *id, ": ",
                                result.reply));
      continue;
    }
    if (absl::Status s = queue->Remove(QueueName::kMaildrop, drop_id); !s.ok()) return s;
    ++picked;
  }
  return picked;
}

}  // namespace mailgauge::refmta
