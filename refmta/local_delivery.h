// File: refmta/local_delivery.h
// The final delivery agents for mail that stays on this host, as Postfix's
// local(8) and virtual(8) do it, with every mailbox under refmta's spool
// directory (no system users, no root):
//
//  local(8):   recipient in mydestination -> alias expansion (alias_maps,
//              recursive, :include:, /file targets when allowed) -> the
//              user's mailbox: <spool>/mail/<user> (mbox), or
//              <spool>/home/<user>/<home_mailbox> when home_mailbox is set
//              ("Maildir/" ends in '/': Maildir). Unknown users bounce with
//              5.1.1 unknown user: "name". Alias targets outside this host
//              come back as forward_addresses for the caller to resubmit
//              ("forwarded as QID").
//              A user without an alias may have a .forward file, looked up
//              as Postfix's default forward_path does ($home/.forward+ext,
//              then $home/.forward) where $home is <spool>/home/<user>
//              (refmta has no system users). Its targets (addresses,
//              /file when allow_mail_to_files has "forward"; |command is
//              always refused) are delivered like an alias's: other local
//              users in this process (to=<target>, orig_to=<queued>),
//              the user itself ("\user" or its own name) to its mailbox,
//              everything else in one new message logged once as
//              to=<user>, status=sent (forwarded as NEWQID).
//  virtual(8): recipient in virtual_mailbox_domains -> virtual_mailbox_maps
//              gives a path under virtual_mailbox_base ("dir/" = Maildir,
//              otherwise mbox), virtual_mailbox_limit applies.
//
//   auto agent = LocalDeliveryAgent::Create(config, "/spool");
//   std::vector<LocalDeliveryResult> rs =
//       (*agent)->DeliverLocal({"alice@example.com", "team@example.com", "", content}, now);
//   // one result per final recipient: to=, orig_to=, relay=local, dsn, status, reason
//
// Thread-safety: immutable after Create; deliveries may run concurrently.
#ifndef MAILGAUGE_REFMTA_LOCAL_DELIVERY_H_
#define MAILGAUGE_REFMTA_LOCAL_DELIVERY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "refmta/aliases.h"
#include "refmta/lookup_table.h"
#include "refmta/main_cf.h"
#include "refmta/recipient_policy.h"

namespace mailgauge::refmta {

struct DeliveryInput {
  std::string sender;
  std::string recipient;           // as queued
  std::string original_recipient;  // "" = same as recipient
  std::string content;             // the queued message
};

// The outcome for one final recipient, in log_adhoc()'s terms.
struct LocalDeliveryResult {
  std::string recipient;           // to=
  std::string original_recipient;  // orig_to= (the queued address)
  std::string relay;               // "local" or "virtual"
  std::string dsn;                 // "2.0.0", "5.1.1", "5.2.2", "4.2.0", ...
  std::string status;              // "sent", "bounced", "deferred"
  std::string reason;              // "delivered to mailbox", ...; "" for a forward
  std::string mailbox;             // the mbox file or Maildir written, if any
  // Non-empty: the alias expanded to these addresses, which are not local;
  // the caller must submit ONE new message to them all (each with this
  // result's original_recipient as its orig_to) and log this result — whose
  // recipient is the alias itself, as local(8) logs it — as status=sent
  // (forwarded as NEWQID).
  std::vector<std::string> forward_addresses;
};

class LocalDeliveryAgent {
 public:
  // Opens alias_maps (aliases(5) syntax), the non-alias local_recipient_maps
  // and virtual_mailbox_maps. Errors name the map at fault.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<LocalDeliveryAgent>> Create(
      const RefmtaConfig& config, const std::string& spool_dir);

  // local(8) for one queued recipient; one result per final recipient.
  std::vector<LocalDeliveryResult> DeliverLocal(const DeliveryInput& in, absl::Time now) const;
  // virtual(8) for one queued recipient.
  LocalDeliveryResult DeliverVirtual(const DeliveryInput& in, absl::Time now) const;

 private:
  LocalDeliveryAgent() = default;
  // Delivers to local user `user` (already lower case, extension removed).
  LocalDeliveryResult DeliverToUser(const std::string& user, const std::string& address,
                                    const DeliveryInput& in, absl::Time now) const;
  bool UserKnown(const std::string& user, const std::string& address) const;
  // DeliverLocal with the number of .forward/alias levels already followed.
  std::vector<LocalDeliveryResult> DeliverLocalAt(const DeliveryInput& in, absl::Time now,
                                                  int depth) const;
  // Delivers to local user `user` at `address`, through the user's
  // .forward when there is one; appends the results to `out`.
  void DeliverToUserOrForward(const std::string& user, const std::string& address,
                              const std::string& extension, const DeliveryInput& in,
                              const std::string& orig, absl::Time now, int depth,
                              std::vector<LocalDeliveryResult>* out) const;
  // The user name of an address local to this host (extension removed), or
  // nullopt when the address is not local.
  absl::optional<std::string> LocalNameOf(const std::string& target) const;
  // The user's .forward targets (after the extension-specific one), or
  // nullopt when the user has none.
  absl::optional<std::vector<AliasTarget>> ReadForwardFile(const std::string& user,
                                                           const std::string& extension) const;

  RefmtaConfig config_;
  std::string spool_dir_;
  std::vector<AliasTable> aliases_;
  std::vector<std::unique_ptr<LookupTable>> local_users_;
  LookupTableList virtual_mailbox_maps_;
  DomainList mydestination_;
  AliasPolicy alias_policy_;
  bool files_in_forward_ = false;  // allow_mail_to_files has "forward"
  std::string origin_domain_;
};

}  // namespace mailgauge::refmta

#endif  // MAILGAUGE_REFMTA_LOCAL_DELIVERY_H_
