#include "refmta/recipient_policy.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace mailgauge::refmta {
namespace {

bool IsTableSpec(absl::string_view item) {
  size_t colon = item.find(':');
  return colon != absl::string_view::npos && colon > 0 && item.front() != '[';
}

bool Contains(const std::vector<std::string>& list, absl::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// Restrictions refmta implements; anything else is refused at start-up so
// that a configuration never silently means something else than in Postfix.
const std::vector<std::string>& SupportedRestrictions() {
  static const auto* names = new std::vector<std::string>{
      "permit_mynetworks",        "permit_sasl_authenticated", "permit_auth_destination",
      "reject_unauth_destination", "defer_unauth_destination", "reject_unlisted_recipient",
      "permit",                    "reject",                    "defer"};
  return *names;
}

bool IsRelayGuard(absl::string_view r) {
  return r == "reject_unauth_destination" || r == "defer_unauth_destination" ||
         r == "reject" || r == "defer";
}

}  // namespace

const char* AddressClassString(AddressClass c) {
  switch (c) {
    case AddressClass::kLocal: return "local";
    case AddressClass::kVirtualAlias: return "virtual alias";
    case AddressClass::kVirtualMailbox: return "virtual mailbox";
    case AddressClass::kRelay: return "relay";
    case AddressClass::kDefault: return "default";
  }
  return "unknown";
}

SplitAddress SplitRecipient(absl::string_view address) {
  SplitAddress a;
  size_t at = address.rfind('@');
  if (at == absl::string_view::npos) {
    a.local = absl::AsciiStrToLower(address);
  } else {
    a.local = absl::AsciiStrToLower(address.substr(0, at));
    a.domain = absl::AsciiStrToLower(address.substr(at + 1));
  }
  return a;
}

absl::StatusOr<DomainList> DomainList::Create(const std::vector<std::string>& items) {
  DomainList list;
  std::vector<std::string> specs;
  for (const std::string& item : items) {
    if (IsTableSpec(item)) {
      specs.push_back(item);
    } else {
      list.names_.push_back(absl::AsciiStrToLower(item));
    }
  }
  auto tables = LookupTableList::Open(specs);
  if (!tables.ok()) return tables.status();
  list.tables_ = *std::move(tables);
  return list;
}

bool DomainList::Contains(absl::string_view domain) const {
  std::string d = absl::AsciiStrToLower(domain);
  if (d.empty()) return false;
  for (const std::string& name : names_) {
    if (name == d) return true;
    if (name.size() > 1 && name.front() == '.' && absl::EndsWith(d, name)) return true;
  }
  return tables_.Find(d).has_value();
}

absl::StatusOr<std::unique_ptr<RecipientPolicy>> RecipientPolicy::Create(
    const RefmtaConfig& config) {
  std::unique_ptr<RecipientPolicy> p(new RecipientPolicy());
  p->config_ = config;
  for (const auto* list : {&config.smtpd_relay_restrictions,
                           &config.smtpd_recipient_restrictions}) {
    for (const std::string& r : *list) {
      if (!Contains(SupportedRestrictions(), r)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "unsupported restriction \"", r, "\" (refmta supports: permit_mynetworks, "
            "permit_sasl_authenticated, permit_auth_destination, reject_unauth_destination, "
            "defer_unauth_destination, reject_unlisted_recipient, permit, reject, defer)"));
      }
    }
  }
  // Postfix refuses all mail when neither list can stop relaying; refmta
  // refuses to start, so it can never run as an open relay.
  bool guarded = std::any_of(config.smtpd_relay_restrictions.begin(),
                             config.smtpd_relay_restrictions.end(), IsRelayGuard) ||
                 std::any_of(config.smtpd_recipient_restrictions.begin(),
                             config.smtpd_recipient_restrictions.end(), IsRelayGuard);
  if (!guarded) {
    return absl::InvalidArgumentError(
        "neither smtpd_relay_restrictions nor smtpd_recipient_restrictions contains "
        "reject_unauth_destination, defer_unauth_destination, reject or defer: "
        "that would be an open relay");
  }
  auto nets = NetworkList::Parse(config.mynetworks);
  if (!nets.ok()) return nets.status();
  p->mynetworks_ = *std::move(nets);

  for (const std::string& spec : config.local_recipient_maps) {
    if (absl::StrContains(spec, "passwd.byname")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "local_recipient_maps: \"", spec,
          "\" is not supported: refmta has no system users; list local users in a table"));
    }
    if (Contains(config.alias_maps, spec)) {
      // The aliases file is in aliases(5) syntax, as postalias reads it.
      size_t colon = spec.find(':');
      auto aliases = AliasTable::ParseFile(spec.substr(colon + 1));
      if (!aliases.ok()) return aliases.status();
      p->local_recipient_alias_tables_.push_back(*std::move(aliases));
      continue;
    }
    auto table = OpenLookupTable(spec);
    if (!table.ok()) return table.status();
    p->local_recipient_tables_.push_back(*std::move(table));
  }
  struct MapToOpen {
    const std::vector<std::string>* specs;
    LookupTableList* out;
  };
  for (const MapToOpen& m : {MapToOpen{&config.virtual_alias_maps, &p->virtual_alias_maps_},
                             MapToOpen{&config.virtual_mailbox_maps, &p->virtual_mailbox_maps_},
                             MapToOpen{&config.relay_recipient_maps,
                                       &p->relay_recipient_maps_}}) {
    auto list = LookupTableList::Open(*m.specs);
    if (!list.ok()) return list.status();
    *m.out = *std::move(list);
  }
  struct DomainsToOpen {
    const std::vector<std::string>* items;
    DomainList* out;
  };
  for (const DomainsToOpen& d :
       {DomainsToOpen{&config.mydestination, &p->mydestination_},
        DomainsToOpen{&config.virtual_alias_domains, &p->virtual_alias_domains_},
        DomainsToOpen{&config.virtual_mailbox_domains, &p->virtual_mailbox_domains_},
        DomainsToOpen{&config.relay_domains, &p->relay_domains_}}) {
    auto list = DomainList::Create(*d.items);
    if (!list.ok()) return list.status();
    *d.out = *std::move(list);
  }
  size_t at = config.myorigin.rfind('@');
  p->myorigin_domain_ = absl::AsciiStrToLower(
      at == std::string::npos ? config.myorigin : config.myorigin.substr(at + 1));
  return p;
}

bool RecipientPolicy::InMynetworks(absl::string_view client_addr) const {
  return mynetworks_.Contains(client_addr);
}

AddressClass RecipientPolicy::Classify(absl::string_view address) const {
  SplitAddress a = SplitRecipient(address);
  // An unqualified address gets @$myorigin (append_at_myorigin = yes).
  std::string domain = a.domain.empty() ? myorigin_domain_ : a.domain;
  // trivial-rewrite's order: local, virtual alias, virtual mailbox, relay.
  if (mydestination_.Contains(domain)) return AddressClass::kLocal;
  if (virtual_alias_domains_.Contains(domain)) return AddressClass::kVirtualAlias;
  if (virtual_mailbox_domains_.Contains(domain)) return AddressClass::kVirtualMailbox;
  if (relay_domains_.Contains(domain)) return AddressClass::kRelay;
  return AddressClass::kDefault;
}

std::vector<std::string> RecipientPolicy::LookupKeys(const SplitAddress& a,
                                                     bool include_local_part) const {
  std::vector<std::string> keys;
  std::string local_no_ext = a.local;
  const std::string& delim = config_.recipient_delimiter;
  if (!delim.empty()) {
    size_t pos = a.local.find_first_of(delim);
    if (pos != std::string::npos && pos > 0) local_no_ext = a.local.substr(0, pos);
  }
  if (!a.domain.empty()) {
    keys.push_back(absl::StrCat(a.local, "@", a.domain));
    if (local_no_ext != a.local) keys.push_back(absl::StrCat(local_no_ext, "@", a.domain));
  }
  if (include_local_part) {
    keys.push_back(a.local);
    if (local_no_ext != a.local) keys.push_back(local_no_ext);
  }
  if (!a.domain.empty()) keys.push_back(absl::StrCat("@", a.domain));
  return keys;
}

bool RecipientPolicy::LocalRecipientKnown(const SplitAddress& a) const {
  for (const std::string& key : LookupKeys(a, /*include_local_part=*/true)) {
    for (const auto& table : local_recipient_tables_) {
      if (table->Find(key)) return true;
    }
    for (const AliasTable& aliases : local_recipient_alias_tables_) {
      if (aliases.Find(key) != nullptr) return true;
    }
  }
  return false;
}

std::string RecipientPolicy::UnknownRecipientReply(absl::string_view recipient,
                                                   AddressClass c) const {
  SplitAddress a = SplitRecipient(recipient);
  auto in = [&](const LookupTableList& maps) {
    for (const std::string& key : LookupKeys(a, /*include_local_part=*/false)) {
      if (maps.Find(key)) return true;
    }
    return false;
  };
  auto reject = [&](int code, absl::string_view table) {
    return absl::StrCat(code, " 5.1.1 <", recipient,
                        ">: Recipient address rejected: User unknown in ", table);
  };
  // smtpd_check.c check_rcpt_maps(): an address with a virtual alias is known.
  if (!virtual_alias_maps_.empty() && in(virtual_alias_maps_)) return "";
  switch (c) {
    case AddressClass::kLocal: {
      if (config_.local_recipient_maps.empty()) return "";
      // Always accepted: postmaster, MAILER-DAEMON and the double-bounce sender.
      if (a.local == "postmaster" || a.local == "mailer-daemon" ||
          a.local == absl::AsciiStrToLower(config_.double_bounce_sender)) {
        return "";
      }
      if (LocalRecipientKnown(a)) return "";
      return reject(static_cast<int>(config_.unknown_local_recipient_reject_code),
                    "local recipient table");
    }
    case AddressClass::kVirtualAlias:
      // Unknown addresses in virtual alias domains resolve to the error
      // transport: "User unknown in virtual alias table".
      return reject(550, "virtual alias table");
    case AddressClass::kVirtualMailbox:
      if (config_.virtual_mailbox_maps.empty() || in(virtual_mailbox_maps_)) return "";
      return reject(550, "virtual mailbox table");
    case AddressClass::kRelay:
      if (config_.relay_recipient_maps.empty() || in(relay_recipient_maps_)) return "";
      return reject(550, "relay recipient table");
    case AddressClass::kDefault:
      return "";
  }
  return "";
}

RecipientPolicy::Outcome RecipientPolicy::Evaluate(
    const std::vector<std::string>& restrictions, absl::string_view client_addr,
    absl::string_view recipient, AddressClass address_class, std::string* reply) const {
  for (const std::string& r : restrictions) {
    if (r == "permit_mynetworks") {
      if (InMynetworks(client_addr)) return Outcome::kPermit;
    } else if (r == "permit_sasl_authenticated") {
      // refmta offers no AUTH, so no client is authenticated.
    } else if (r == "permit_auth_destination") {
      if (address_class != AddressClass::kDefault) return Outcome::kPermit;
    } else if (r == "reject_unauth_destination" || r == "defer_unauth_destination") {
      if (address_class == AddressClass::kDefault) {
        // smtpd_check.c: reject_unauth_destination(state, recipient,
        //   var_relay_code, "5.7.1") and, for defer_unauth_destination,
        //   (var_relay_code - 100, "4.7.1"); text "<%s>: Relay access denied".
        bool defer = r == "defer_unauth_destination";
        int code = static_cast<int>(config_.relay_domains_reject_code) - (defer ? 100 : 0);
        *reply = absl::StrCat(code, defer ? " 4.7.1 <" : " 5.7.1 <", recipient,
                              ">: Relay access denied");
        return Outcome::kReject;
      }
    } else if (r == "reject_unlisted_recipient") {
      std::string unknown = UnknownRecipientReply(recipient, address_class);
      if (!unknown.empty()) {
        *reply = unknown;
        return Outcome::kReject;
      }
    } else if (r == "permit") {
      return Outcome::kPermit;
    } else if (r == "reject" || r == "defer") {
      // smtpd_check.c: "<%s>: %s rejected: Access denied" with
      // reject_code 554 / defer_code 450.
      bool defer = r == "defer";
      *reply = absl::StrCat(defer ? "450 4.7.1 <" : "554 5.7.1 <", recipient,
                            ">: Recipient address rejected: Access denied");
      return Outcome::kReject;
    }
  }
  return Outcome::kDunno;
}

RecipientVerdict RecipientPolicy::CheckRecipient(absl::string_view client_addr,
                                                 absl::string_view recipient) const {
  RecipientVerdict v;
  AddressClass c = Classify(recipient);
  std::string reply;
  if (Evaluate(config_.smtpd_relay_restrictions, client_addr, recipient, c, &reply) ==
          Outcome::kReject ||
      Evaluate(config_.smtpd_recipient_restrictions, client_addr, recipient, c, &reply) ==
          Outcome::kReject) {
    v.reply = reply;
    return v;
  }
  // smtpd_reject_unlisted_recipient = yes: unknown recipients in our own
  // domains are refused even when a restriction permitted the request.
  std::string unknown = UnknownRecipientReply(recipient, c);
  if (!unknown.empty()) {
    v.reply = unknown;
    return v;
  }
  v.accepted = true;
  return v;
}

}  // namespace mailgauge::refmta
