// Errors are values: every control-plane failure names the config path it is
// about and the reason, so the YAML loader, gRPC and the CLI report the same text.
#pragma once

#include <string>
#include <vector>

namespace sy {

struct ConfigError {
  std::string path;     // "bridges[0].members[2].allowed_vlans[3]"; "" for the whole file
  std::string message;  // "VLAN 10 listed twice"
};

using ConfigErrors = std::vector<ConfigError>;

inline std::string format_error(const ConfigError& e) {
  return e.path.empty() ? e.message : e.path + ": " + e.message;
}

}  // namespace sy
