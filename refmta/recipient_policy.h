// File: refmta/recipient_policy.h
// What smtpd decides about a recipient (Postfix's smtpd_check.c, for the
// restrictions refmta supports): the recipient's address class (local,
// virtual alias, virtual mailbox, relay, or other), then
// smtpd_relay_restrictions and smtpd_recipient_restrictions in that order
// (permit_mynetworks, permit_auth_destination, reject_unauth_destination,
// defer_unauth_destination, reject_unlisted_recipient, permit, reject), then
// the implicit unknown-recipient check of smtpd_reject_unlisted_recipient =
// yes. Replies carry Postfix's exact codes and texts:
//
//   554 5.7.1 <x@elsewhere.example>: Relay access denied
//   454 4.7.1 <x@elsewhere.example>: Relay access denied      (defer_unauth_destination)
//   550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in local recipient table
//   550 5.1.1 <nobody@virtual.example>: Recipient address rejected: User unknown in virtual mailbox table
//   550 5.1.1 <nobody@alias.example>: Recipient address rejected: User unknown in virtual alias table
//
//   absl::StatusOr<std::unique_ptr<RecipientPolicy>> p = RecipientPolicy::Create(config);
//   RecipientVerdict v = (*p)->CheckRecipient("127.0.0.5", "bob@example.com");
//   if (!v.accepted) reply(v.reply);
//
// Thread-safety: immutable after Create; all methods may run concurrently.
#ifndef MAILGAUGE_REFMTA_RECIPIENT_POLICY_H_
#define MAILGAUGE_REFMTA_RECIPIENT_POLICY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "refmta/aliases.h"
#include "refmta/lookup_table.h"
#include "refmta/main_cf.h"
#include "refmta/network_list.h"

namespace mailgauge::refmta {

enum class AddressClass { kLocal, kVirtualAlias, kVirtualMailbox, kRelay, kDefault };
const char* AddressClassString(AddressClass c);

struct RecipientVerdict {
  bool accepted = false;
  std::string reply;  // "" when accepted; else the full SMTP reply line
};

// Splits "user+ext@Domain" into lower-cased local part and domain; an
// address without '@' has an empty domain.
struct SplitAddress {
  std::string local;
  std::string domain;
};
SplitAddress SplitRecipient(absl::string_view address);

// A Postfix domain list (mydestination, relay_domains, virtual_*_domains):
// domain names, ".example.com" for all subdomains, and lookup tables
// ("texthash:/cfg/vdomains") in which the domain is looked up as a key.
// Thread-safety: immutable after Create.
class DomainList {
 public:
  [[nodiscard]] static absl::StatusOr<DomainList> Create(const std::vector<std::string>& items);
  bool Contains(absl::string_view domain) const;
  bool empty() const { return names_.empty() && tables_.empty(); }

 private:
  std::vector<std::string> names_;  // lower case
  LookupTableList tables_;
};

class RecipientPolicy {
 public:
  // Opens the maps the configuration names. InvalidArgument for an
  // unsupported restriction (naming it) or a bad map; NotFound for a
  // missing map file.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<RecipientPolicy>> Create(
      const RefmtaConfig& config);

  AddressClass Classify(absl::string_view address) const;
  bool InMynetworks(absl::string_view client_addr) const;
  // The decision for RCPT TO:<recipient> from `client_addr`. `recipient` is
  // the address as the client gave it (without angle brackets).
  RecipientVerdict CheckRecipient(absl::string_view client_addr,
                                  absl::string_view recipient) const;

 private:
  RecipientPolicy() = default;
  enum class Outcome { kDunno, kPermit, kReject };
  Outcome Evaluate(const std::vector<std::string>& restrictions,
                   absl::string_view client_addr, absl::string_view recipient,
                   AddressClass address_class, std::string* reply) const;
  // The unknown-recipient check; "" when known.
  std::string UnknownRecipientReply(absl::string_view recipient, AddressClass c) const;
  bool LocalRecipientKnown(const SplitAddress& a) const;
  // Lookup keys in mail_addr_find() order for `a`: address, address without
  // extension, and for local addresses the local part (with and without
  // extension), then "@domain".
  std::vector<std::string> LookupKeys(const SplitAddress& a, bool include_local_part) const;

  RefmtaConfig config_;
  NetworkList mynetworks_;
  std::vector<std::unique_ptr<LookupTable>> local_recipient_tables_;
  std::vector<AliasTable> local_recipient_alias_tables_;
  LookupTableList virtual_alias_maps_;
  LookupTableList virtual_mailbox_maps_;
  LookupTableList relay_recipient_maps_;
  DomainList mydestination_;
  DomainList virtual_alias_domains_;
  DomainList virtual_mailbox_domains_;
  DomainList relay_domains_;
  std::string myorigin_domain_;
};

}  // namespace mailgauge::refmta

#endif  // MAILGAUGE_REFMTA_RECIPIENT_POLICY_H_
