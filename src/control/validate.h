// Validation of a desired Config: the only gate before anything reaches the
// data plane. Every error names the object path and the reason; all errors
// are collected, not just the first.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "control/config_error.h"
#include "switchyard.pb.h"

namespace sy {

namespace pb = ::switchyard::v1;

// `running` is the config in force (nullptr at start-up): fields that only take
// effect at start-up must not differ from it.
ConfigErrors validate_config(const pb::Config& desired, const pb::Config* running);

// The router part (interfaces, routes, neighbours, router settings); appends.
void check_router(const pb::Config& cfg, ConfigErrors& errors);

// The VXLAN part (VTEPs, VNI bindings, flood lists, remote MACs); appends.
void check_vxlan(const pb::Config& cfg, ConfigErrors& errors);

// "02:00:00:00:00:01" (also with '-') → bytes.
bool parse_mac(const std::string& text, std::array<uint8_t, 6>* out);
std::string format_mac(const uint8_t* mac);
// A name of a port, bridge, interface or VTEP: 1-63 characters of [A-Za-z0-9_.-],
// not starting with a punctuation character.
bool valid_name(const std::string& s);
// "host:port" with an IPv4 address, "[v6]:port", "localhost:port" or "unix:PATH".
bool valid_listen_address(const std::string& addr);

}  // namespace sy
