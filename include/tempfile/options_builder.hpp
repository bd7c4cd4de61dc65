// SPDX-License-Identifier: MIT
/// `tempfile::options()`: the option structs built by named calls in any order, for callers who
/// would rather not keep Python's keyword order that designated initializers demand.
/// @file
#pragma once

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

#include "tempfile/options.hpp"

namespace tempfile {

/// Which options a builder has set; each option struct allows a subset. One bit per option,
/// named after the builder call and the option structs' field it sets.
enum class OptionField : std::uint32_t {
  suffix = 1U << 0U,
  prefix = 1U << 1U,
  dir = 1U << 2U,
  text = 1U << 3U,
  mode = 1U << 4U,
  buffering = 1U << 5U,
  encoding = 1U << 6U,
  newline = 1U << 7U,
  errors = 1U << 8U,
  delete_ = 1U << 9U,
  delete_on_close = 1U << 10U,
  max_size = 1U << 11U,
  memfd = 1U << 12U,
  ignore_cleanup_errors = 1U << 13U,
  lock = 1U << 14U,
  cleanup_parallel = 1U << 15U,
};

namespace detail {

constexpr std::uint32_t fields(std::initializer_list<OptionField> list) noexcept {
  std::uint32_t mask = 0;
  for (const OptionField field : list) {
    mask |= static_cast<std::uint32_t>(field);
  }
  return mask;
}

using Field = OptionField;
inline constexpr std::uint32_t name_fields = fields({Field::suffix, Field::prefix, Field::dir});
inline constexpr std::uint32_t open_fields =
    fields({Field::mode, Field::buffering, Field::encoding, Field::newline, Field::errors});
inline constexpr std::uint32_t mkstemp_fields = name_fields | fields({Field::text});
inline constexpr std::uint32_t temporary_file_fields = name_fields | open_fields;
inline constexpr std::uint32_t named_file_fields =
    temporary_file_fields | fields({Field::delete_, Field::delete_on_close, Field::lock});
inline constexpr std::uint32_t spooled_fields =
    temporary_file_fields | fields({Field::max_size, Field::memfd});
inline constexpr std::uint32_t directory_fields =
    name_fields |
    fields({Field::ignore_cleanup_errors, Field::delete_, Field::lock, Field::cleanup_parallel});

// Whether the options `set` are all among those `allowed`.
constexpr bool all_allowed(std::uint32_t set, std::uint32_t allowed) noexcept {
  return (set & ~allowed) == 0;
}

// Every option any struct has; a builder fills the ones it was given.
struct OptionValues {
  std::optional<std::string> suffix{};
  std::optional<std::string> prefix{};
  DirOption dir{};
  bool text = false;
  std::string mode{};
  int buffering = -1;
  std::optional<std::string> encoding{};
  std::optional<std::string> newline{};
  std::optional<std::string> errors{};
  bool delete_ = true;
  bool delete_on_close = true;
  std::int64_t max_size = 0;
  bool memfd = false;
  bool ignore_cleanup_errors = false;
  bool lock = true;
  RmtreeParallel cleanup_parallel = RmtreeParallel::automatic;
};

}  // namespace detail

/// Builds any option struct by named calls in any order, e.g.
///
///     tempfile::NamedTemporaryFile f(tempfile::options().prefix("report-").suffix(".csv")
///                                        .dir(out).delete_(false));
///     auto [fd, path] = tempfile::mkstemp(tempfile::options().prefix("p").suffix(".c"));
///
/// It converts to every option struct that has all the options set: MkstempOptions,
/// MkdtempOptions, MktempOptions, TemporaryFileOptions, NamedTemporaryFileOptions,
/// SpooledTemporaryFileOptions, TemporaryDirectoryOptions; an option the target does not have
/// (`.delete_on_close(false)` given to mkstemp) does not compile. Options not set keep the
/// struct's defaults. The designated initializers (`{.suffix = ".c", .prefix = "p"}`) remain the
/// plain way; they must follow Python's keyword order, which this need not.
///
/// `Set` records the options given so far (OptionField bits); each call returns a new builder,
/// and an option given twice does not compile.
template <std::uint32_t Set = 0>
class OptionsBuilder {
 public:
  constexpr OptionsBuilder() = default;

  /// Sets the suffix, appended to the random part of the name; every struct has it.
  [[nodiscard]] auto suffix(std::string value) const {
    return with<OptionField::suffix>([&](detail::OptionValues& v) { v.suffix = std::move(value); });
  }
  /// Sets the prefix, put before the random part of the name; every struct has it.
  [[nodiscard]] auto prefix(std::string value) const {
    return with<OptionField::prefix>([&](detail::OptionValues& v) { v.prefix = std::move(value); });
  }
  /// Sets the directory to create in; every struct has it.
  [[nodiscard]] auto dir(DirOption value) const {
    return with<OptionField::dir>([&](detail::OptionValues& v) { v.dir = std::move(value); });
  }
  /// Sets Python's text flag (accepted and ignored on POSIX): MkstempOptions only.
  [[nodiscard]] auto text(bool value) const {
    return with<OptionField::text>([&](detail::OptionValues& v) { v.text = value; });
  }
  /// Sets Python's open() mode (TemporaryFileOptions::mode): the file objects' structs only.
  [[nodiscard]] auto mode(std::string value) const {
    return with<OptionField::mode>([&](detail::OptionValues& v) { v.mode = std::move(value); });
  }
  /// Sets the buffering (TemporaryFileOptions::buffering): the file objects' structs only.
  [[nodiscard]] auto buffering(int value) const {
    return with<OptionField::buffering>([&](detail::OptionValues& v) { v.buffering = value; });
  }
  /// Sets the text encoding (TemporaryFileOptions::encoding): the file objects' structs only.
  [[nodiscard]] auto encoding(std::string value) const {
    return with<OptionField::encoding>(
        [&](detail::OptionValues& v) { v.encoding = std::move(value); });
  }
  /// Sets text mode's newline (TemporaryFileOptions::newline): the file objects' structs only.
  [[nodiscard]] auto newline(std::string value) const {
    return with<OptionField::newline>(
        [&](detail::OptionValues& v) { v.newline = std::move(value); });
  }
  /// Sets text mode's error handler (TemporaryFileOptions::errors): the file objects' structs
  /// only.
  [[nodiscard]] auto errors(std::string value) const {
    return with<OptionField::errors>([&](detail::OptionValues& v) { v.errors = std::move(value); });
  }
  /// Sets the automatic removal: NamedTemporaryFileOptions::delete_ or
  /// TemporaryDirectoryOptions::delete_.
  [[nodiscard]] auto delete_(bool value) const {
    return with<OptionField::delete_>([&](detail::OptionValues& v) { v.delete_ = value; });
  }
  /// Sets the removal at close(): NamedTemporaryFileOptions::delete_on_close only.
  [[nodiscard]] auto delete_on_close(bool value) const {
    return with<OptionField::delete_on_close>(
        [&](detail::OptionValues& v) { v.delete_on_close = value; });
  }
  /// Sets the rollover size: SpooledTemporaryFileOptions::max_size only.
  [[nodiscard]] auto max_size(std::int64_t value) const {
    return with<OptionField::max_size>([&](detail::OptionValues& v) { v.max_size = value; });
  }
  /// Sets the rollover into a memory file: SpooledTemporaryFileOptions::memfd only.
  [[nodiscard]] auto memfd(bool value) const {
    return with<OptionField::memfd>([&](detail::OptionValues& v) { v.memfd = value; });
  }
  /// Sets whether cleanup failures are ignored: TemporaryDirectoryOptions::ignore_cleanup_errors
  /// only.
  [[nodiscard]] auto ignore_cleanup_errors(bool value) const {
    return with<OptionField::ignore_cleanup_errors>(
        [&](detail::OptionValues& v) { v.ignore_cleanup_errors = value; });
  }
  /// Sets the shared flock: NamedTemporaryFileOptions::lock or TemporaryDirectoryOptions::lock.
  [[nodiscard]] auto lock(bool value) const {
    return with<OptionField::lock>([&](detail::OptionValues& v) { v.lock = value; });
  }
  /// Sets whether cleanup may use threads: TemporaryDirectoryOptions::cleanup_parallel only.
  [[nodiscard]] auto cleanup_parallel(RmtreeParallel value) const {
    return with<OptionField::cleanup_parallel>(
        [&](detail::OptionValues& v) { v.cleanup_parallel = value; });
  }

  // NOLINTBEGIN(google-explicit-constructor): converting is the point
  /// A MkstempOptions with the options given, the others at their defaults. Only when every
  /// option given is one it has: prefix, suffix, dir and text.
  operator MkstempOptions() const requires(detail::all_allowed(Set, detail::mkstemp_fields)) {
    MkstempOptions options;
    names(options);
    take<OptionField::text>(options.text, values_.text);
    return options;
  }
  /// A MkdtempOptions with the options given, the others at their defaults. Only when every
  /// option given is one it has: prefix, suffix and dir.
  operator MkdtempOptions() const requires(detail::all_allowed(Set, detail::name_fields)) {
    MkdtempOptions options;
    names(options);
    return options;
  }
  /// A MktempOptions with the options given, the others at their defaults. Only when every
  /// option given is one it has: prefix, suffix and dir.
  operator MktempOptions() const requires(detail::all_allowed(Set, detail::name_fields)) {
    MktempOptions options;
    if (has(OptionField::suffix)) {
      options.suffix = *values_.suffix;
    }
    if (has(OptionField::prefix)) {
      options.prefix = *values_.prefix;
    }
    take<OptionField::dir>(options.dir, values_.dir);
    return options;
  }
  /// A TemporaryFileOptions with the options given, the others at their defaults. Only when every
  /// option given is one it has: the name options and mode, buffering, encoding, newline and
  /// errors.
  operator TemporaryFileOptions() const
      requires(detail::all_allowed(Set, detail::temporary_file_fields)) {
    TemporaryFileOptions options;
    names(options);
    opening(options);
    return options;
  }
  /// A NamedTemporaryFileOptions with the options given, the others at their defaults. Only when
  /// every option given is one it has: TemporaryFileOptions' and delete_, delete_on_close and lock.
  operator NamedTemporaryFileOptions() const
      requires(detail::all_allowed(Set, detail::named_file_fields)) {
    NamedTemporaryFileOptions options;
    names(options);
    opening(options);
    take<OptionField::delete_>(options.delete_, values_.delete_);
    take<OptionField::delete_on_close>(options.delete_on_close, values_.delete_on_close);
    take<OptionField::lock>(options.lock, values_.lock);
    return options;
  }
  /// A SpooledTemporaryFileOptions with the options given, the others at their defaults. Only when
  /// every option given is one it has: TemporaryFileOptions' and max_size and memfd.
  operator SpooledTemporaryFileOptions() const
      requires(detail::all_allowed(Set, detail::spooled_fields)) {
    SpooledTemporaryFileOptions options;
    names(options);
    opening(options);
    take<OptionField::max_size>(options.max_size, values_.max_size);
    take<OptionField::memfd>(options.memfd, values_.memfd);
    return options;
  }
  /// A TemporaryDirectoryOptions with the options given, the others at their defaults. Only when
  /// every option given is one it has: the name options and ignore_cleanup_errors, delete_,
  /// lock and cleanup_parallel.
  operator TemporaryDirectoryOptions() const
      requires(detail::all_allowed(Set, detail::directory_fields)) {
    TemporaryDirectoryOptions options;
    names(options);
    take<OptionField::ignore_cleanup_errors>(options.ignore_cleanup_errors,
                                             values_.ignore_cleanup_errors);
    take<OptionField::delete_>(options.delete_, values_.delete_);
    take<OptionField::lock>(options.lock, values_.lock);
    take<OptionField::cleanup_parallel>(options.cleanup_parallel, values_.cleanup_parallel);
    return options;
  }
  // NOLINTEND(google-explicit-constructor)

 private:
  template <std::uint32_t>
  friend class OptionsBuilder;

  static constexpr bool has(OptionField field) noexcept {
    return (Set & static_cast<std::uint32_t>(field)) != 0;
  }

  template <OptionField Field, class Change>
  [[nodiscard]] OptionsBuilder<Set | static_cast<std::uint32_t>(Field)> with(Change change) const {
    static_assert(!has(Field), "tempfile::options(): this option was already given");
    OptionsBuilder<Set | static_cast<std::uint32_t>(Field)> next;
    next.values_ = values_;
    change(next.values_);
    return next;
  }

  template <OptionField Field, class Target, class Value>
  void take(Target& target, const Value& value) const {
    if (has(Field)) {
      target = value;
    }
  }

  template <class Options>
  void names(Options& options) const {
    take<OptionField::suffix>(options.suffix, values_.suffix);
    take<OptionField::prefix>(options.prefix, values_.prefix);
    take<OptionField::dir>(options.dir, values_.dir);
  }

  template <class Options>
  void opening(Options& options) const {
    take<OptionField::mode>(options.mode, values_.mode);
    take<OptionField::buffering>(options.buffering, values_.buffering);
    take<OptionField::encoding>(options.encoding, values_.encoding);
    take<OptionField::newline>(options.newline, values_.newline);
    take<OptionField::errors>(options.errors, values_.errors);
  }

  detail::OptionValues values_;
};

/// Starts an OptionsBuilder: `tempfile::options().prefix("p").suffix(".txt").dir(d)`.
[[nodiscard]] inline OptionsBuilder<> options() {
  return {};
}

}  // namespace tempfile
