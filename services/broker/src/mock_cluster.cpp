#include "fleetledger/broker/mock_cluster.hpp"

#include <utility>

#include "fleetledger/broker/listen_override.hpp"
#include "fleetledger/events/log.hpp"

namespace fleetledger::broker {

namespace log = events::log;
using events::errc;
using events::make_error;

namespace {

void log_callback(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  // syslog levels: 0-3 error, 4 warning, 5+ notice/info/debug.
  const log::level l = level <= 3 ? log::level::error : level == 4 ? log::level::warn : log::level::debug;
  log::write(l, buf, {{"source", "librdkafka"}, {"facility", fac}, {"client", rd_kafka_name(rk)}});
}

}  // namespace

void route_logs(rd_kafka_conf_t* conf) noexcept {
  rd_kafka_conf_set_log_cb(conf, log_callback);
}

events::result<mock_cluster> mock_cluster::start(const broker_config& config) {
  char err[512];
  kafka_conf_ptr conf(rd_kafka_conf_new());
  route_logs(conf.get());
  // The mock's connections take their socket options from its owner: TCP_NODELAY, as Kafka's own
  // brokers set it. With Nagle on, a response written while the previous one was unacknowledged
  // waited for the client's delayed ACK: 40 ms at the end of a bulk publish (the client has nothing
  // more to send that the ACK could ride on), in 1 of 8 to 3 of 8 imports of 100,000 rows.
  for (const auto& [k, v] : {std::pair{"client.id", "fleetledger-broker-mock"}, std::pair{"socket.nagle.disable", "true"}}) {
    if (rd_kafka_conf_set(conf.get(), k, v, err, sizeof err) != RD_KAFKA_CONF_OK) {
      return make_error(errc::internal, std::string("mock owner config: ") + err);
    }
  }
  // The mock cluster needs an rd_kafka_t to own it; this producer never produces anything.
  kafka_handle_ptr owner(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err, sizeof err));
  if (!owner) return make_error(errc::internal, std::string("cannot create the mock's owner: ") + err);
  conf.release();  // rd_kafka_new took ownership

  mock_cluster out;
  {
    auto override = listen_override::arm(config.listen_address, config.port);
    if (!override) return override.err();
    out.cluster_.reset(rd_kafka_mock_cluster_new(owner.get(), 1));
    if (!out.cluster_) {
      return make_error(errc::internal, "cannot create the mock cluster on " + config.listen_address + ":" +
                                            std::to_string(config.port));
    }
    if (!(*override)->used()) {
      // A librdkafka whose mock binds differently would advertise an address we did not choose.
      return make_error(errc::internal,
                        "the mock cluster did not bind 127.0.0.1:0 as librdkafka 2.0.2 does, so its "
                        "port cannot be chosen (librdkafka " +
                            std::string(rd_kafka_version_str()) + ")");
    }
  }
  out.owner_ = std::move(owner);
  out.bootstrap_ = rd_kafka_mock_cluster_bootstraps(out.cluster_.get());
  for (const auto& t : config.topics) {
    const rd_kafka_resp_err_t e =
        rd_kafka_mock_topic_create(out.cluster_.get(), t.name.c_str(), t.partitions, 1);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return make_error(errc::internal, "cannot create topic " + t.name + ": " + rd_kafka_err2str(e));
    }
    log::debug("topic created", {{"topic", t.name}, {"partitions", t.partitions}});
  }
  out.topics_ = config.topics;
  if (config.listen_address == "0.0.0.0") {
    log::warn(
        "listening on every interface: the mock advertises 0.0.0.0, which only local clients can "
        "use; give --listen a concrete address for remote clients",
        {{"bootstrap", out.bootstrap_}});
  }
  return out;
}

}  // namespace fleetledger::broker
