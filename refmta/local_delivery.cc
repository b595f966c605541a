#include "refmta/local_delivery.h"

#include <algorithm>
#include <fstream>
#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "refmta/mailbox.h"

namespace mailgauge::refmta {
namespace {

// How many .forward files local(8) follows for one queued recipient before
// calling it a loop (Postfix's local uses the delivered-to count, 50 by
// default; refmta stops earlier, its configurations are small).
constexpr int kMaxForwardDepth = 10;

bool Contains(const std::vector<std::string>& list, absl::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// The user name and its extension split at the first recipient_delimiter
// character, as local(8) does.
std::string StripExtension(const std::string& local, const std::string& delimiters) {
  if (delimiters.empty()) return local;
  size_t pos = local.find_first_of(delimiters);
  if (pos == std::string::npos || pos == 0) return local;
  return local.substr(0, pos);
}

// A user name that is safe as one path component.
bool SafeUserName(absl::string_view user) {
  if (user.empty() || user == "." || user == "..") return false;
  for (char c : user) {
    if (c == '/' || c == '\0' || static_cast<unsigned char>(c) < 0x20) return false;
  }
  return true;
}

MailboxCopy CopyFor(const DeliveryInput& in, const std::string& delivered_to) {
  MailboxCopy copy;
  copy.sender = in.sender;
  copy.original_recipient = in.original_recipient.empty() ? in.recipient : in.original_recipient;
  copy.delivered_to = delivered_to;
  copy.content = in.content;
  return copy;
}

void Fill(LocalDeliveryResult* r, const MailboxResult& m) {
  r->dsn = m.dsn;
  r->reason = m.reason;
  r->status = m.delivered ? "sent" : (m.temporary() ? "deferred" : "bounced");
}

}  // namespace

absl::StatusOr<std::unique_ptr<LocalDeliveryAgent>> LocalDeliveryAgent::Create(
    const RefmtaConfig& config, const std::string& spool_dir) {
  std::unique_ptr<LocalDeliveryAgent> a(new LocalDeliveryAgent());
  a->config_ = config;
  a->spool_dir_ = spool_dir;
  for (const std::string& spec : config.alias_maps) {
    size_t colon = spec.find(':');
    if (colon == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("alias_maps: bad table \"", spec, "\""));
    }
    auto table = AliasTable::ParseFile(spec.substr(colon + 1));
    if (!table.ok()) return table.status();
    a->aliases_.push_back(*std::move(table));
  }
  for (const std::string& spec : config.local_recipient_maps) {
    if (Contains(config.alias_maps, spec)) continue;
    auto table = OpenLookupTable(spec);
    if (!table.ok()) return table.status();
    a->local_users_.push_back(*std::move(table));
  }
  auto vmaps = LookupTableList::Open(config.virtual_mailbox_maps);
  if (!vmaps.ok()) return vmaps.status();
  a->virtual_mailbox_maps_ = *std::move(vmaps);
  auto dest = DomainList::Create(config.mydestination);
  if (!dest.ok()) return dest.status();
  a->mydestination_ = *std::move(dest);
  a->alias_policy_ =
      AliasPolicy::FromLists(config.allow_mail_to_commands, config.allow_mail_to_files);
  a->files_in_forward_ = Contains(config.allow_mail_to_files, "forward");
  // refmta never runs commands: a command target is always refused.
  a->alias_policy_.commands_in_aliases = false;
  a->alias_policy_.commands_in_includes = false;
  size_t at = config.myorigin.rfind('@');
  a->origin_domain_ = absl::AsciiStrToLower(
      at == std::string::npos ? config.myorigin : config.myorigin.substr(at + 1));
  return a;
}

bool LocalDeliveryAgent::UserKnown(const std::string& user, const std::string& address) const {
  if (config_.local_recipient_maps.empty()) return true;
  for (const auto& table : local_users_) {
    if (table->Find(user) || table->Find(address)) return true;
  }
  return false;
}

LocalDeliveryResult LocalDeliveryAgent::DeliverToUser(const std::string& user,
                                                      const std::string& address,
                                                      const DeliveryInput& in,
                                                      absl::Time now) const {
  LocalDeliveryResult r;
  r.recipient = address;
  r.original_recipient = in.original_recipient.empty() ? in.recipient : in.original_recipient;
  r.relay = "local";
  if (!SafeUserName(user) || !UserKnown(user, address)) {
    // local/unknown.c: dsb_simple(why, "5.1.1", "unknown user: \"%s\"", user)
    r.dsn = "5.1.1";
    r.status = "bounced";
    r.reason = absl::StrCat("unknown user: \"", user, "\"");
    return r;
  }
  MailboxCopy copy = CopyFor(in, address);
  if (!config_.home_mailbox.empty()) {
    std::string path = absl::StrCat(spool_dir_, "/home/", user, "/", config_.home_mailbox);
    r.mailbox = path;
    if (absl::EndsWith(config_.home_mailbox, "/")) {
      Fill(&r, DeliverToMaildir(path, copy, config_.mailbox_size_limit, config_.myhostname,
                                now));
    } else {
      Fill(&r, AppendToMbox(path, user, copy, config_.mailbox_size_limit, now));
    }
    return r;
  }
  r.mailbox = absl::StrCat(spool_dir_, "/mail/", user);
  Fill(&r, AppendToMbox(r.mailbox, user, copy, config_.mailbox_size_limit, now));
  return r;
}

absl::optional<std::string> LocalDeliveryAgent::LocalNameOf(const std::string& target) const {
  SplitAddress t = SplitRecipient(target);
  if (t.domain.empty() || mydestination_.Contains(t.domain)) {
    return StripExtension(t.local, config_.recipient_delimiter);
  }
  return absl::nullopt;
}

absl::optional<std::vector<AliasTarget>> LocalDeliveryAgent::ReadForwardFile(
    const std::string& user, const std::string& extension) const {
  if (!SafeUserName(user)) return absl::nullopt;
  const std::string home = absl::StrCat(spool_dir_, "/home/", user);
  std::vector<std::string> candidates;
  // forward_path default: $home/.forward${recipient_delimiter}${extension}, $home/.forward
  if (!extension.empty() && !config_.recipient_delimiter.empty() && SafeUserName(extension)) {
    candidates.push_back(absl::StrCat(home, "/.forward", config_.recipient_delimiter.substr(0, 1),
                                      extension));
  }
  candidates.push_back(home + "/.forward");
  for (const std::string& path : candidates) {
    std::ifstream in(path);
    if (!in) continue;
    std::string text((std::istreambuf_iterator<char>(in)), {});
    auto targets = ParseIncludeFile(text, path);
    if (!targets.ok() || targets->empty()) continue;  // as if there were none
    return *std::move(targets);
  }
  return absl::nullopt;
}

std::vector<LocalDeliveryResult> LocalDeliveryAgent::DeliverLocal(const DeliveryInput& in,
                                                                  absl::Time now) const {
  return DeliverLocalAt(in, now, 0);
}

std::vector<LocalDeliveryResult> LocalDeliveryAgent::DeliverLocalAt(const DeliveryInput& in,
                                                                    absl::Time now,
                                                                    int depth) const {
  std::vector<LocalDeliveryResult> results;
  SplitAddress a = SplitRecipient(in.recipient);
  std::string domain = a.domain.empty() ? origin_domain_ : a.domain;
  std::string address = absl::StrCat(a.local, "@", domain);
  std::string user = StripExtension(a.local, config_.recipient_delimiter);
  std::string orig = in.original_recipient.empty() ? in.recipient : in.original_recipient;

  // The first alias table with the name (with extension, then without) wins.
  auto local_name_of = [this](const std::string& target) { return LocalNameOf(target); };
  if (depth >= kMaxForwardDepth) {
    // local/recipient.c: "mail forwarding loop for %s".
    LocalDeliveryResult r;
    r.recipient = address;
    r.original_recipient = orig;
    r.relay = "local";
    r.dsn = "5.4.6";
    r.status = "bounced";
    r.reason = absl::StrCat("mail forwarding loop for ", address);
    results.push_back(std::move(r));
    return results;
  }
  for (const AliasTable& table : aliases_) {
    const std::string* name = nullptr;
    if (table.Find(a.local) != nullptr) {
      name = &a.local;
    } else if (table.Find(user) != nullptr) {
      name = &user;
    }
    if (name == nullptr) continue;
    AliasExpansion e = ExpandAlias(table, *name, alias_policy_, local_name_of);
    // local(8) delivers local targets itself (to=<target>, orig_to=<orig>)
    // and sends every other target in one new message, logged once for the
    // alias: to=<alias>, status=sent (forwarded as NEWQID).
    LocalDeliveryResult forward;
    forward.recipient = in.recipient;
    forward.original_recipient = orig;
    forward.relay = "local";
    forward.dsn = "2.0.0";
    forward.status = "sent";
    for (const std::string& target : e.addresses) {
      absl::optional<std::string> local = local_name_of(target);
      if (local) {
        // A local user: delivered in this process, logged with orig_to=.
        SplitAddress t = SplitRecipient(target);
        std::string target_address =
            absl::StrCat(t.local, "@", t.domain.empty() ? origin_domain_ : t.domain);
        // The target user's own .forward applies (local/alias.c hands the
        // address to local delivery again; it is no longer an alias).
        DeliveryInput sub = in;
        sub.recipient = target_address;
        sub.original_recipient = orig;
        std::string target_local = t.local;
        const std::string ext = local->size() < target_local.size()
                                    ? target_local.substr(local->size() + 1)
                                    : std::string();
        DeliverToUserOrForward(*local, target_address, ext, sub, orig, now, depth + 1, &results);
      } else {
        forward.forward_addresses.push_back(target);
      }
    }
    if (!forward.forward_addresses.empty()) results.push_back(std::move(forward));
    for (const std::string& file : e.files) {
      LocalDeliveryResult r;
      r.recipient = address;
      r.original_recipient = orig;
      r.relay = "local";
      r.mailbox = file;
      MailboxResult m = AppendToMbox(file, user, CopyFor(in, address),
                                     config_.mailbox_size_limit, now);
      Fill(&r, m);
      // local/file.c: dsb_simple(why, "2.0.0", "delivered to file: %s", path)
      if (m.delivered) r.reason = absl::StrCat("delivered to file: ", file);
      results.push_back(std::move(r));
    }
    for (const RefusedTarget& refused : e.refused) {
      LocalDeliveryResult r;
      r.recipient = address;
      r.original_recipient = orig;
      r.relay = "local";
      // local/file.c and token.c: "5.7.1", "mail to file/command is restricted".
      r.dsn = absl::StrContains(refused.reason, "restricted") ? "5.7.1" : "5.3.0";
      r.status = "bounced";
      r.reason = refused.reason;
      results.push_back(std::move(r));
    }
    if (results.empty()) {
      LocalDeliveryResult r;
      r.recipient = address;
      r.original_recipient = orig;
      r.relay = "local";
      r.dsn = "5.3.0";
      r.status = "bounced";
      r.reason = "alias expansion produced no recipients";
      results.push_back(std::move(r));
    }
    return results;
  }
  const std::string extension =
      user.size() < a.local.size() ? a.local.substr(user.size() + 1) : std::string();
  DeliverToUserOrForward(user, address, extension, in, orig, now, depth, &results);
  return results;
}

void LocalDeliveryAgent::DeliverToUserOrForward(const std::string& user,
                                                const std::string& address,
                                                const std::string& extension,
                                                const DeliveryInput& in, const std::string& orig,
                                                absl::Time now, int depth,
                                                std::vector<LocalDeliveryResult>* out) const {
  std::vector<LocalDeliveryResult>& results = *out;
  DeliveryInput direct = in;
  direct.original_recipient = orig;
  absl::optional<std::vector<AliasTarget>> forward =
      SafeUserName(user) && UserKnown(user, address) && depth < kMaxForwardDepth
          ? ReadForwardFile(user, extension)
          : absl::nullopt;
  if (!forward) {
    results.push_back(DeliverToUser(user, address, direct, now));
    return;
  }
  // local/dotforward.c: the targets, delivered as an alias's are.
  LocalDeliveryResult remote;
  remote.recipient = address;
  remote.original_recipient = orig;
  remote.relay = "local";
  remote.dsn = "2.0.0";
  remote.status = "sent";
  bool to_mailbox = false;
  for (const AliasTarget& t : *forward) {
    if (t.kind == AliasTargetKind::kAddress) {
      std::string target = t.value;
      bool escaped = absl::StartsWith(target, "\\");
      if (escaped) target = target.substr(1);
      absl::optional<std::string> local = LocalNameOf(target);
      if (local && (escaped || absl::EqualsIgnoreCase(*local, user))) {
        to_mailbox = true;  // "\user" or the user itself: the mailbox, no loop
      } else if (local) {
        SplitAddress tl = SplitRecipient(target);
        DeliveryInput sub = in;
        sub.recipient = absl::StrCat(tl.local, "@", tl.domain.empty() ? origin_domain_ : tl.domain);
        sub.original_recipient = orig;
        for (LocalDeliveryResult& r : DeliverLocalAt(sub, now, depth + 1)) {
          results.push_back(std::move(r));
        }
      } else if (!Contains(remote.forward_addresses, target)) {
        remote.forward_addresses.push_back(target);
      }
      continue;
    }
    LocalDeliveryResult r;
    r.recipient = address;
    r.original_recipient = orig;
    r.relay = "local";
    if (t.kind == AliasTargetKind::kFile && files_in_forward_) {
      r.mailbox = t.value;
      MailboxResult m = AppendToMbox(t.value, user, CopyFor(in, address),
                                     config_.mailbox_size_limit, now);
      Fill(&r, m);
      // local/file.c: dsb_simple(why, "2.0.0", "delivered to file: %s", path)
      if (m.delivered) r.reason = absl::StrCat("delivered to file: ", t.value);
    } else {
      // local/file.c, command.c: "mail to file/command is restricted".
      r.dsn = "5.7.1";
      r.status = "bounced";
      r.reason = t.kind == AliasTargetKind::kFile ? "mail to file is restricted"
                 : t.kind == AliasTargetKind::kCommand
                     ? "mail to command is restricted"
                     : "mail to :include: file is restricted";
    }
    results.push_back(std::move(r));
  }
  if (to_mailbox) results.push_back(DeliverToUser(user, address, direct, now));
  if (!remote.forward_addresses.empty()) results.push_back(std::move(remote));
}


LocalDeliveryResult LocalDeliveryAgent::DeliverVirtual(const DeliveryInput& in,
                                                       absl::Time now) const {
  LocalDeliveryResult r;
  SplitAddress a = SplitRecipient(in.recipient);
  std::string address = absl::StrCat(a.local, "@", a.domain);
  r.recipient = in.recipient;
  r.original_recipient = in.original_recipient.empty() ? in.recipient : in.original_recipient;
  r.relay = "virtual";
  absl::optional<std::string> path = virtual_mailbox_maps_.Find(address);
  if (!path) {
    std::string no_ext = absl::StrCat(StripExtension(a.local, config_.recipient_delimiter), "@",
                                      a.domain);
    path = virtual_mailbox_maps_.Find(no_ext);
  }
  if (!path) path = virtual_mailbox_maps_.Find(absl::StrCat("@", a.domain));
  if (!path) {
    // virtual/unknown.c: dsb_simple(why, "5.1.1", "unknown user: \"%s\"", user)
    r.dsn = "5.1.1";
    r.status = "bounced";
    r.reason = absl::StrCat("unknown user: \"", address, "\"");
    return r;
  }
  if (path->empty() || path->front() == '/' || absl::StrContains(*path, "..") ||
      config_.virtual_mailbox_base.empty()) {
    // virtual/mailbox.c: "4.3.5", "mail system configuration error"
    r.dsn = "4.3.5";
    r.status = "deferred";
    r.reason = "mail system configuration error";
    return r;
  }
  std::string full = absl::StrCat(config_.virtual_mailbox_base, "/", *path);
  r.mailbox = full;
  MailboxCopy copy = CopyFor(in, address);
  if (absl::EndsWith(*path, "/")) {
    Fill(&r, DeliverToMaildir(full, copy, config_.virtual_mailbox_limit, config_.myhostname,
                              now));
  } else {
    Fill(&r, AppendToMbox(full, address, copy, config_.virtual_mailbox_limit, now,
                          absl::UTCTimeZone(), MailboxAgent::kVirtual));
  }
  return r;
}

}  // namespace mailgauge::refmta
