# Every third-party dependency comes from a Debian bookworm package (see scripts/install-deps).
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
# librdkafka ships no CMake config; link the shared library (the static one wants SSL/SASL dev packages).
pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka rdkafka++)
# The allocator of the projector and fleetctl (libjemalloc-dev), unless sanitizers are on.
if(FLEETLEDGER_JEMALLOC)
  pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)
endif()
find_package(Protobuf REQUIRED)
# The static RocksDB archive was 10-30% faster on write-heavy loops than the shared one.
find_package(RocksDB CONFIG REQUIRED)
find_package(Boost 1.81 REQUIRED CONFIG COMPONENTS json)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
if(FLEETLEDGER_BUILD_TESTS)
  find_package(Catch2 2 CONFIG REQUIRED)
endif()
