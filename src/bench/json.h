// JSON for the bench's --json output and docs/benchmarks.json, built on
// protobuf's google.protobuf.Struct (already a dependency, with a parser), and
// written by our own printer so keys come out sorted and numbers rounded:
// the committed benchmarks.json then diffs cleanly between runs.
//
// Thread-safety: pure functions.
#pragma once

#include <google/protobuf/struct.pb.h>

#include <string>
#include <vector>

namespace sy::bench {

using JsonValue = google::protobuf::Value;
using JsonObject = google::protobuf::Struct;

JsonValue json_number(double v, int decimals = 3);
JsonValue json_string(const std::string& s);
JsonValue json_bool(bool b);
JsonValue json_object(const JsonObject& o);
JsonValue json_strings(const std::vector<std::string>& v);
JsonValue json_numbers(const std::vector<double>& v, int decimals = 3);

// Pretty-printed, keys sorted, 2-space indent, trailing newline.
std::string to_json(const JsonObject& o);
bool parse_json(const std::string& text, JsonObject* o, std::string* error);

// Merges `fields` into profiles.<profile> of the JSON file at `path`
// (created if missing); fields not given keep their old values.
bool update_profile_json(const std::string& path, const std::string& profile,
                         const JsonObject& fields, std::string* error);

}  // namespace sy::bench
