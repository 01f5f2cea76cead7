#pragma once
// Obvious state errors the write side can see through the reader before publishing (DESIGN.md
// sections 4 and 8): a cluster name or id already taken, a command on a cluster that does not exist
// (or was deleted), approving/rejecting a subscription that is not PENDING_APPROVAL or as someone
// other than the owner, suspending one that is not ACTIVE, reinstating one that is not SUSPENDED,
// requesting access while ineligible or already subscribed. The projections stay the authority: they
// refuse these events too if they reach the log.
#include "fleetledger/events/result.hpp"
#include "fleetledger/producers/commands/commands.hpp"
#include "fleetledger/producers/commands/reader_client.hpp"

namespace fleetledger::producers {

// errc::conflict (409-like: name taken, wrong subscription state), errc::not_found (unknown or
// deleted cluster or subscription), errc::invalid_argument (forbidden: not the owner; ineligible
// tenant), errc::unavailable / timed_out when the reader cannot answer. The message is one line,
// prefixed by the HTTP-style code ("CLUSTER_ALREADY_EXISTS: ...").
[[nodiscard]] events::result<void> check_state(const command_spec& spec, const built_command& command,
                                               const reader_client& reader);

}  // namespace fleetledger::producers
