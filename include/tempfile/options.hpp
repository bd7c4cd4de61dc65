// Option structs for the creation functions, fields in Python's keyword order so designated
// initializers read like the Python call: tempfile::mkstemp({.suffix = ".c", .dir = "/x"}).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace tempfile {

// Every field has a default member initializer: without one, g++ -Wextra users get
// -Wmissing-field-initializers on every call that leaves a field out. Field order is API
// (designators must follow declaration order): new fields are only ever added at the end.

/// Python: mkstemp(suffix=None, prefix=None, dir=None, text=False).
struct MkstempOptions {
  /// Appended to the random part; no separator is inserted. nullopt means "".
  std::optional<std::string> suffix{};
  /// Put before the random part; nullopt means gettempprefix() ("tmp").
  std::optional<std::string> prefix{};
  /// Where to create; nullopt means gettempdir(). A relative dir is made absolute.
  std::optional<std::filesystem::path> dir{};
  /// Python's text flag: only meaningful on Windows (O_TEXT); accepted and ignored on POSIX.
  bool text = false;
};

/// Python: mkdtemp(suffix=None, prefix=None, dir=None).
struct MkdtempOptions {
  std::optional<std::string> suffix{};
  std::optional<std::string> prefix{};
  std::optional<std::filesystem::path> dir{};
};

/// Python: mktemp(suffix="", prefix="tmp", dir=None). Unlike the others Python's defaults are
/// plain strings here, so the fields are too.
struct MktempOptions {
  std::string suffix{};
  std::string prefix = "tmp";
  std::optional<std::filesystem::path> dir{};
};

}  // namespace tempfile
