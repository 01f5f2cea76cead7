// The offerings catalogue: upsert by (provider_id, offering_id), retire removes.
#include <string>

#include "apply.hpp"
#include "fleetledger/events/offering_rules.hpp"
#include "keys.hpp"
#include "state.hpp"

namespace fleetledger::projections::marketplace::detail {
namespace {

apply_outcome upsert(state_txn& s, const fleetledger::v1::OfferingPublished& offering, const Envelope& e,
                     std::string_view event_type) {
  if (offering.offering_id().empty()) {
    return apply_outcome::malformed("MISSING_OFFERING_ID: " + std::string(event_type) + " without offering_id");
  }
  if (offering.provider_id().empty()) {
    return apply_outcome::malformed("MISSING_PROVIDER_ID: " + std::string(event_type) + " without provider_id");
  }
  if (auto errors = events::validate(offering); !errors.empty()) {
    std::string reason = "INVALID_OFFERING: ";
    for (std::size_t i = 0; i < errors.size(); ++i) {
      if (i > 0) reason += "; ";
      reason += errors[i].field + " " + errors[i].message;
    }
    return apply_outcome::rejected(std::move(reason));
  }
  const std::string key = keys::offering(offering.provider_id(), offering.offering_id());
  OfferingRecord rec;
  if (auto existing = load<OfferingRecord>(s, key)) {
    *rec.mutable_published_at() = existing->published_at();
  } else {
    *rec.mutable_published_at() = e.occurred_at();
  }
  *rec.mutable_offering() = offering;
  *rec.mutable_updated_at() = e.occurred_at();
  store(s, key, rec);
  return apply_outcome::applied();
}

}  // namespace

apply_outcome apply_offering_published(state_txn& s, const Envelope& e) {
  return upsert(s, e.offering_published(), e, "OfferingPublished");
}

apply_outcome apply_offering_updated(state_txn& s, const Envelope& e) {
  return upsert(s, events::as_published(e.offering_updated()), e, "OfferingUpdated");
}

apply_outcome apply_offering_retired(state_txn& s, const Envelope& e) {
  const auto& ev = e.offering_retired();
  if (ev.offering_id().empty()) return apply_outcome::malformed("MISSING_OFFERING_ID: OfferingRetired without offering_id");
  if (ev.provider_id().empty()) return apply_outcome::malformed("MISSING_PROVIDER_ID: OfferingRetired without provider_id");
  const std::string key = keys::offering(ev.provider_id(), ev.offering_id());
  if (!s.get(key)) {
    return apply_outcome::rejected("OFFERING_NOT_FOUND: offering " + ev.offering_id() + " of provider " +
                                   ev.provider_id() + " is not in the catalogue");
  }
  s.erase(key);
  return apply_outcome::applied();
}

}  // namespace fleetledger::projections::marketplace::detail
