#include "control/yaml_proto.h"

#include <google/protobuf/util/json_util.h>

#include <google/protobuf/descriptor.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace sy {

namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

class Loader {
 public:
  ConfigErrors errors;

  void message(const YAML::Node& node, Message* msg, const std::string& path) {
    if (node.IsNull()) return;
    if (!node.IsMap()) {
      fail(path, node, "expected a mapping for " + msg->GetDescriptor()->name());
      return;
    }
    const Descriptor* d = msg->GetDescriptor();
    std::set<std::string> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      std::string key = it->first.as<std::string>("");
      std::string fpath = path.empty() ? key : path + "." + key;
      const FieldDescriptor* f = d->FindFieldByName(key);
      if (f == nullptr) f = d->FindFieldByCamelcaseName(key);
      if (f == nullptr) {
        fail(path, it->first, "unknown field \"" + key + "\"");
        continue;
      }
      if (!seen.insert(f->name()).second) {
        fail(fpath, it->first, "field given twice");
        continue;
      }
      field(it->second, msg, f, path.empty() ? f->name() : path + "." + f->name());
    }
  }

 private:
  void fail(const std::string& path, const YAML::Node& node, const std::string& why) {
    std::string where;
    if (node.Mark().line >= 0) where = "line " + std::to_string(node.Mark().line + 1) + ": ";
    errors.push_back({path, where + why});
  }

  void field(const YAML::Node& node, Message* msg, const FieldDescriptor* f,
             const std::string& path) {
    if (node.IsNull()) return;
    const Reflection* r = msg->GetReflection();
    if (f->is_map()) {
      if (!node.IsMap()) return fail(path, node, "expected a mapping");
      const FieldDescriptor* kf = f->message_type()->map_key();
      const FieldDescriptor* vf = f->message_type()->map_value();
      for (auto it = node.begin(); it != node.end(); ++it) {
        Message* entry = r->AddMessage(msg, f);
        std::string epath = path + "[" + it->first.as<std::string>("") + "]";
        scalar(it->first, entry, kf, epath, false);
        if (vf->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE)
          message(it->second, entry->GetReflection()->MutableMessage(entry, vf), epath);
        else
          scalar(it->second, entry, vf, epath, false);
      }
      return;
    }
    if (f->is_repeated()) {
      if (!node.IsSequence()) return fail(path, node, "expected a sequence");
      for (size_t i = 0; i < node.size(); i++) {
        std::string ipath = path + "[" + std::to_string(i) + "]";
        if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE)
          message(node[i], r->AddMessage(msg, f), ipath);
        else
          scalar(node[i], msg, f, ipath, true);
      }
      return;
    }
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      message(node, r->MutableMessage(msg, f), path);
      return;
    }
    scalar(node, msg, f, path, false);
  }

  template <typename T>
  bool integer(const YAML::Node& node, const std::string& path, T* out) {
    std::string s = node.Scalar();
    errno = 0;
    char* end = nullptr;
    bool neg = !s.empty() && s[0] == '-';
    if (std::numeric_limits<T>::is_signed) {
      long long v = std::strtoll(s.c_str(), &end, 0);
      if (s.empty() || *end != '\0' || errno == ERANGE) {
        fail(path, node, "expected an integer, got \"" + s + "\"");
        return false;
      }
      if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max()) {
        fail(path, node, "value " + s + " out of range");
        return false;
      }
      *out = static_cast<T>(v);
    } else {
      unsigned long long v = std::strtoull(s.c_str(), &end, 0);
      if (s.empty() || neg || *end != '\0' || errno == ERANGE) {
        fail(path, node, "expected an unsigned integer, got \"" + s + "\"");
        return false;
      }
      if (v > std::numeric_limits<T>::max()) {
        fail(path, node, "value " + s + " out of range");
        return false;
      }
      *out = static_cast<T>(v);
    }
    return true;
  }

  void scalar(const YAML::Node& node, Message* msg, const FieldDescriptor* f,
              const std::string& path, bool add) {
    if (!node.IsScalar()) return fail(path, node, "expected a single value");
    const Reflection* r = msg->GetReflection();
    const std::string& s = node.Scalar();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32: {
        int32_t v;
        if (integer(node, path, &v)) add ? r->AddInt32(msg, f, v) : r->SetInt32(msg, f, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_INT64: {
        int64_t v;
        if (integer(node, path, &v)) add ? r->AddInt64(msg, f, v) : r->SetInt64(msg, f, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_UINT32: {
        uint32_t v;
        if (integer(node, path, &v)) add ? r->AddUInt32(msg, f, v) : r->SetUInt32(msg, f, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_UINT64: {
        uint64_t v;
        if (integer(node, path, &v)) add ? r->AddUInt64(msg, f, v) : r->SetUInt64(msg, f, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_DOUBLE:
      case FieldDescriptor::CPPTYPE_FLOAT: {
        char* end = nullptr;
        double v = std::strtod(s.c_str(), &end);
        if (s.empty() || *end != '\0') return fail(path, node, "expected a number, got \"" + s + "\"");
        if (f->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE)
          add ? r->AddDouble(msg, f, v) : r->SetDouble(msg, f, v);
        else
          add ? r->AddFloat(msg, f, static_cast<float>(v)) : r->SetFloat(msg, f, static_cast<float>(v));
        break;
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        bool v;
        if (s == "true")
          v = true;
        else if (s == "false")
          v = false;
        else
          return fail(path, node, "expected true or false, got \"" + s + "\"");
        add ? r->AddBool(msg, f, v) : r->SetBool(msg, f, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_STRING:
        add ? r->AddString(msg, f, s) : r->SetString(msg, f, s);
        break;
      case FieldDescriptor::CPPTYPE_ENUM: {
        const EnumValueDescriptor* ev = f->enum_type()->FindValueByName(s);
        if (ev == nullptr) {
          char* end = nullptr;
          long n = std::strtol(s.c_str(), &end, 10);
          if (!s.empty() && *end == '\0') ev = f->enum_type()->FindValueByNumber(static_cast<int>(n));
        }
        if (ev == nullptr) {
          std::string names;
          for (int i = 0; i < f->enum_type()->value_count(); i++)
            names += (i ? ", " : "") + f->enum_type()->value(i)->name();
          return fail(path, node, "\"" + s + "\" is not one of " + names);
        }
        add ? r->AddEnum(msg, f, ev) : r->SetEnum(msg, f, ev);
        break;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        break;
    }
  }
};

void emit_scalar(YAML::Emitter& out, const Message& m, const FieldDescriptor* f, int index) {
  const Reflection* r = m.GetReflection();
  bool rep = index >= 0;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: out << (rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f)); break;
    case FieldDescriptor::CPPTYPE_INT64: out << (rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f)); break;
    case FieldDescriptor::CPPTYPE_UINT32: out << (rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f)); break;
    case FieldDescriptor::CPPTYPE_UINT64: out << (rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f)); break;
    case FieldDescriptor::CPPTYPE_DOUBLE: out << (rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f)); break;
    case FieldDescriptor::CPPTYPE_FLOAT: out << (rep ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f)); break;
    case FieldDescriptor::CPPTYPE_BOOL: out << YAML::TrueFalseBool << (rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f)); break;
    case FieldDescriptor::CPPTYPE_STRING:
      out << YAML::DoubleQuoted << (rep ? r->GetRepeatedString(m, f, index) : r->GetString(m, f));
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      out << (rep ? r->GetRepeatedEnum(m, f, index) : r->GetEnum(m, f))->name();
      break;
    case FieldDescriptor::CPPTYPE_MESSAGE: break;
  }
}

void emit_message(YAML::Emitter& out, const Message& m) {
  const Reflection* r = m.GetReflection();
  const Descriptor* d = m.GetDescriptor();
  out << YAML::BeginMap;
  for (int i = 0; i < d->field_count(); i++) {
    const FieldDescriptor* f = d->field(i);
    if (f->is_repeated()) {
      int n = r->FieldSize(m, f);
      if (n == 0) continue;
      out << YAML::Key << f->name() << YAML::Value;
      if (f->is_map()) {
        const FieldDescriptor* kf = f->message_type()->map_key();
        const FieldDescriptor* vf = f->message_type()->map_value();
        out << YAML::BeginMap;
        for (int j = 0; j < n; j++) {
          const Message& e = r->GetRepeatedMessage(m, f, j);
          out << YAML::Key;
          emit_scalar(out, e, kf, -1);
          out << YAML::Value;
          if (vf->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE)
            emit_message(out, e.GetReflection()->GetMessage(e, vf));
          else
            emit_scalar(out, e, vf, -1);
        }
        out << YAML::EndMap;
        continue;
      }
      bool scalars = f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE;
      if (scalars) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (int j = 0; j < n; j++) {
        if (scalars)
          emit_scalar(out, m, f, j);
        else
          emit_message(out, r->GetRepeatedMessage(m, f, j));
      }
      out << YAML::EndSeq;
      continue;
    }
    if (!r->HasField(m, f)) continue;
    out << YAML::Key << f->name() << YAML::Value;
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE)
      emit_message(out, r->GetMessage(m, f));
    else
      emit_scalar(out, m, f, -1);
  }
  out << YAML::EndMap;
}

}  // namespace

ConfigErrors yaml_to_message(const std::string& yaml_text, Message* msg) {
  msg->Clear();
  size_t first = yaml_text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && yaml_text[first] == '{') {
    // JSON is YAML too, and protobuf's own JSON parser reads it some fifty
    // times faster than a YAML tree: large configs (a million routes) load
    // in seconds this way.
    google::protobuf::util::JsonParseOptions o;
    o.ignore_unknown_fields = false;
    auto st = google::protobuf::util::JsonStringToMessage(yaml_text, msg, o);
    if (st.ok()) return {};
    msg->Clear();
    return {{"", "JSON: " + std::string(st.message())}};
  }
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return {{"", "line " + std::to_string(e.mark.line + 1) + ", column " +
                     std::to_string(e.mark.column + 1) + ": " + e.msg}};
  }
  Loader loader;
  loader.message(root, msg, "");
  if (!loader.errors.empty()) msg->Clear();
  return loader.errors;
}

ConfigErrors load_yaml_file(const std::string& file, Message* msg) {
  std::ifstream in(file);
  if (!in) {
    msg->Clear();
    return {{"", "cannot read " + file + ": " + std::strerror(errno)}};
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return yaml_to_message(ss.str(), msg);
}

std::string message_to_yaml(const Message& msg) {
  YAML::Emitter out;
  emit_message(out, msg);
  std::string s = out.c_str();
  if (s == "{}") return "";
  return s + "\n";
}

}  // namespace sy
