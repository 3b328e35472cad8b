// YAML ↔ protobuf through reflection: the YAML start-up file is the protobuf
// JSON mapping of the schema, loaded by one generic walker instead of a second
// hand-written model.
//
// Keys are the .proto field names (lowerCamel json_name accepted); enums by
// value name or number; integers decimal or 0x hex, range-checked; bools
// true/false; repeated fields are sequences, map fields mappings, messages
// mappings; a null leaves the field unset; `optional` fields record presence.
// Every error is collected with its object path and YAML line; on any error the
// message is left cleared, never partially filled. A document that starts with
// '{' is JSON (a subset of YAML) and goes to protobuf's JSON parser, much
// faster for large configs; its errors carry the parser's own position text.
//
// Thread-safety: pure functions.
#pragma once

#include <google/protobuf/message.h>

#include <string>

#include "control/config_error.h"

namespace sy {

ConfigErrors yaml_to_message(const std::string& yaml_text, google::protobuf::Message* msg);
ConfigErrors load_yaml_file(const std::string& file, google::protobuf::Message* msg);
// Block-style YAML of the set fields, in .proto order; yaml_to_message reads it back.
std::string message_to_yaml(const google::protobuf::Message& msg);

}  // namespace sy
