#pragma once
// fleetctl subcommands that are not plain command specs: offerings import/template and credentials.
#include <string>
#include <vector>

namespace fleetledger::fleetctl {

// args: everything after "<group> <verb>". Return the exit code; throw fatal for one-line errors.
int run_offerings(const std::string& verb, const std::vector<std::string>& args);
int run_credentials(const std::string& verb, const std::vector<std::string>& args);

}  // namespace fleetledger::fleetctl
