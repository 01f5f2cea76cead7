#pragma once
// A RocksDB status as the runtime's error: I/O failures keep their code, the rest are internal.
#include <rocksdb/status.h>

#include <string>
#include <string_view>

#include "fleetledger/events/result.hpp"

namespace fleetledger::projections::detail {

inline events::error rocks_error(std::string_view what, const rocksdb::Status& s) {
  return events::make_error(s.IsIOError() ? events::errc::io_error : events::errc::internal,
                            std::string(what) + ": " + s.ToString());
}

}  // namespace fleetledger::projections::detail
