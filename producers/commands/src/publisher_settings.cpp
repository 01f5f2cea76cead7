#include "fleetledger/producers/commands/publisher_settings.hpp"

#include <algorithm>

namespace fleetledger::producers {

events::publisher_config command_line_publisher(const std::string& brokers, std::chrono::milliseconds delivery_timeout) {
  events::publisher_config cfg;
  cfg.client.brokers = brokers;
  cfg.client.client_id = "fleetctl";
  // librdkafka's own log lines would break "one line on stderr": the publish error already carries
  // the last broker error, so only emergencies are logged.
  cfg.client.extra.emplace_back("log_level", "0");
  // A bulk import enqueues faster than the broker acknowledges: with 5,000 records queued at most
  // (publish_all serves delivery reports on QUEUE_FULL), new records reuse the memory of delivered
  // ones while it is still in cache. Unbounded (1,000,000), 100,000 records' worth of librdkafka
  // messages and headers was faulted in fresh: ~20% more CPU. Other commands queue a few records.
  cfg.max_queued_messages = 5'000;
  // No linger: fleetctl waits for the acknowledgement of what it publishes, so lingering only adds
  // to it, and with 5,000 records queued a partition's batch never fills (~800 records per
  // partition), so each round of an import waited the full linger.ms: with the default 5 ms, the
  // publish phase of a 100,000-row import took 125-155 ms, without it 57-107 ms, at the same CPU.
  // The broker thread still batches what queues up while requests are in flight.
  cfg.linger = std::chrono::milliseconds(0);
  cfg.delivery_timeout = delivery_timeout;
  cfg.close_timeout = std::min<std::chrono::milliseconds>(delivery_timeout, std::chrono::seconds(10));
  return cfg;
}

}  // namespace fleetledger::producers
