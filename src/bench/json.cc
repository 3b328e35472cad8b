#include "bench/json.h"

#include <google/protobuf/util/json_util.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

namespace sy::bench {

namespace {

void escape(const std::string& s, std::string* out) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\t': *out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          *out += buf;
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

void print(const JsonValue& v, int indent, std::string* out) {
  std::string pad(static_cast<size_t>(indent + 2), ' ');
  switch (v.kind_case()) {
    case JsonValue::kNumberValue: {
      double d = v.number_value();
      char buf[64];
      if (!std::isfinite(d))
        std::snprintf(buf, sizeof(buf), "null");
      else if (d == std::floor(d) && std::fabs(d) < 1e15)
        std::snprintf(buf, sizeof(buf), "%.0f", d);
      else
        std::snprintf(buf, sizeof(buf), "%.10g", d);
      *out += buf;
      break;
    }
    case JsonValue::kStringValue: escape(v.string_value(), out); break;
    case JsonValue::kBoolValue: *out += v.bool_value() ? "true" : "false"; break;
    case JsonValue::kStructValue: {
      const auto& fields = v.struct_value().fields();
      if (fields.empty()) {
        *out += "{}";
        break;
      }
      std::map<std::string, const JsonValue*> sorted;
      for (const auto& [k, val] : fields) sorted[k] = &val;
      *out += "{\n";
      size_t i = 0;
      for (const auto& [k, val] : sorted) {
        *out += pad;
        escape(k, out);
        *out += ": ";
        print(*val, indent + 2, out);
        *out += ++i < sorted.size() ? ",\n" : "\n";
      }
      *out += std::string(static_cast<size_t>(indent), ' ') + "}";
      break;
    }
    case JsonValue::kListValue: {
      const auto& items = v.list_value().values();
      bool scalar = true;
      for (const auto& it : items) scalar &= !it.has_struct_value() && !it.has_list_value();
      if (items.empty() || scalar) {
        *out += "[";
        for (int i = 0; i < items.size(); i++) {
          if (i) *out += ", ";
          print(items[i], indent, out);
        }
        *out += "]";
        break;
      }
      *out += "[\n";
      for (int i = 0; i < items.size(); i++) {
        *out += pad;
        print(items[i], indent + 2, out);
        *out += i + 1 < items.size() ? ",\n" : "\n";
      }
      *out += std::string(static_cast<size_t>(indent), ' ') + "]";
      break;
    }
    default: *out += "null";
  }
}

}  // namespace

JsonValue json_number(double v, int decimals) {
  JsonValue out;
  double scale = std::pow(10.0, decimals);
  out.set_number_value(std::isfinite(v) ? std::round(v * scale) / scale : 0);
  return out;
}

JsonValue json_string(const std::string& s) {
  JsonValue out;
  out.set_string_value(s);
  return out;
}

JsonValue json_bool(bool b) {
  JsonValue out;
  out.set_bool_value(b);
  return out;
}

JsonValue json_object(const JsonObject& o) {
  JsonValue out;
  *out.mutable_struct_value() = o;
  return out;
}

JsonValue json_strings(const std::vector<std::string>& v) {
  JsonValue out;
  auto* l = out.mutable_list_value();
  for (const auto& s : v) *l->add_values() = json_string(s);
  return out;
}

JsonValue json_numbers(const std::vector<double>& v, int decimals) {
  JsonValue out;
  auto* l = out.mutable_list_value();
  for (double d : v) *l->add_values() = json_number(d, decimals);
  return out;
}

std::string to_json(const JsonObject& o) {
  std::string out;
  print(json_object(o), 0, &out);
  return out + "\n";
}

bool parse_json(const std::string& text, JsonObject* o, std::string* error) {
  auto st = google::protobuf::util::JsonStringToMessage(text, o);
  if (!st.ok()) {
    *error = std::string(st.message());
    return false;
  }
  return true;
}

bool update_profile_json(const std::string& path, const std::string& profile,
                         const JsonObject& fields, std::string* error) {
  JsonObject doc;
  std::ifstream in(path);
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    if (!text.str().empty() && !parse_json(text.str(), &doc, error)) {
      *error = path + ": " + *error;
      return false;
    }
  }
  JsonValue& profiles = (*doc.mutable_fields())["profiles"];
  JsonObject* entry = (*profiles.mutable_struct_value()->mutable_fields())[profile]
                          .mutable_struct_value();
  for (const auto& [k, v] : fields.fields()) (*entry->mutable_fields())[k] = v;
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << to_json(doc);
    if (!out) {
      *error = "cannot write " + tmp;
      return false;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    *error = "cannot replace " + path;
    return false;
  }
  return true;
}

}  // namespace sy::bench
