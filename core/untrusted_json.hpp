#pragma once
// Reading JSON that comes from a file (the safetensors header and the model
// metadata inside it), for the core's parsers only. Two rules:
//  - nesting is capped when parsing, so nothing later (nlohmann's recursive
//    dump(), copies, comparisons) can overflow the stack;
//  - messages never dump() an untrusted value: they name its type and quote
//    at most its first characters (excerpt, describe_json), so every message
//    stays short, whatever the file holds.
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "errors.hpp"

namespace mlp {

// Our headers nest 3 levels (header, tensor, shape), the metadata strings 2.
inline constexpr int kMaxJsonDepth = 16;

// The length of the UTF-8 character starting at text[i] (1 to 4 bytes), or 0
// when the bytes there are not one: a stray continuation byte, a truncated,
// overlong or surrogate sequence, or a code point above U+10FFFF.
inline std::size_t utf8_char_length(std::string_view text, std::size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  const std::size_t len = c < 0x80             ? 1
                          : (c & 0xE0) == 0xC0 ? 2
                          : (c & 0xF0) == 0xE0 ? 3
                          : (c & 0xF8) == 0xF0 ? 4
                                               : 0;
  bool valid = len > 0 && i + len <= text.size() && !(len == 2 && c < 0xC2) && !(len == 4 && c > 0xF4);
  for (std::size_t k = 1; valid && k < len; ++k)
    valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
  if (valid && len == 3) {  // no overlong forms, no UTF-16 surrogates
    const auto c1 = static_cast<unsigned char>(text[i + 1]);
    valid = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);
  }
  if (valid && len == 4) {
    const auto c1 = static_cast<unsigned char>(text[i + 1]);
    valid = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
  }
  return valid ? len : 0;
}

// The offset of the first byte of `text` that is not part of valid UTF-8, or
// text.size() when all of it is.
inline std::size_t first_invalid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t len = utf8_char_length(text, i);
    if (len == 0) return i;
    i += len;
  }
  return i;
}

// The first `max` bytes of `text` for a message: cut at a character boundary,
// "…" appended when cut; bytes that are not UTF-8 and control characters
// become '?'.
inline std::string excerpt(std::string_view text, std::size_t max = 40) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size() && out.size() < max) {
    const std::size_t len = utf8_char_length(text, i);
    if (len == 0) {
      out += '?';
      ++i;
      continue;
    }
    if (out.size() + len > max) break;
    const auto c = static_cast<unsigned char>(text[i]);
    if (len == 1 && (c < 0x20 || c == 0x7F))
      out += '?';
    else
      out.append(text.substr(i, len));
    i += len;
  }
  if (i < text.size()) out += "…";
  return out;
}

// What a JSON value is, for a message: "the number 1e+300", "the string
// \"abc…\"", "true", "null", "an array of 3 values", "an object".
inline std::string describe_json(const nlohmann::json& j) {
  char buf[40];
  switch (j.type()) {
    case nlohmann::json::value_t::number_unsigned:
      return "the number " + std::to_string(j.get<std::uint64_t>());
    case nlohmann::json::value_t::number_integer:
      return "the number " + std::to_string(j.get<std::int64_t>());
    case nlohmann::json::value_t::number_float:
      std::snprintf(buf, sizeof buf, "%.17g", j.get<double>());
      return std::string("the number ") + buf;
    case nlohmann::json::value_t::string:
      return "the string \"" + excerpt(j.get_ref<const std::string&>(), 24) + "\"";
    case nlohmann::json::value_t::boolean:
      return j.get<bool>() ? "true" : "false";
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::array:
      return "an array of " + std::to_string(j.size()) + " values";
    case nlohmann::json::value_t::object:
      return "an object";
    default:
      return std::string("a ") + j.type_name();
  }
}

// A shape as "[2,3]" (shapes reaching a message have at most a few dimensions).
inline std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string out = "[";
  for (std::size_t k = 0; k < shape.size(); ++k) out += (k ? "," : "") + std::to_string(shape[k]);
  return out + "]";
}

// json::parse of [begin, end), or a ModelFileError "<what> is not valid JSON
// (…)" / "<what> nests deeper than 16 levels". `what` is trusted text.
inline nlohmann::json parse_untrusted_json(const char* begin, const char* end, const std::string& what) {
  struct TooDeep {};
  const auto depth_limit = [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
    if (depth > kMaxJsonDepth) throw TooDeep{};
    return true;
  };
  try {
    return nlohmann::json::parse(begin, end, depth_limit);
  } catch (const TooDeep&) {
    throw ModelFileError("model file: " + what + " nests deeper than " + std::to_string(kMaxJsonDepth) +
                         " levels");
  } catch (const nlohmann::json::exception& e) {
    throw ModelFileError("model file: " + what + " is not valid JSON (" + excerpt(e.what(), 160) + ")");
  }
}

}  // namespace mlp
