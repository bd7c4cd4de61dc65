// SPDX-License-Identifier: MIT
// Python's io.open for the file objects: from open()'s arguments to a File's state. Every
// argument is checked before a file exists (Python's rule: a bad mode or encoding leaves nothing
// behind), then a descriptor (or memory) is wrapped in the byte layer and, in text mode, the
// text layer.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>

#include "io/codec.hpp"
#include "io/file_state.hpp"
#include "io/mode.hpp"
#include "os/fd.hpp"

namespace tempfile::io {

struct OpenArguments {
  std::string_view mode;
  int buffering;
  const std::optional<std::string>& encoding;
  const std::optional<std::string>& newline;
  const std::optional<std::string>& errors;
};

/// The arguments, validated and resolved.
struct OpenPlan {
  OpenMode mode;
  // The mode string as given, for File::mode(). A valid mode has at most three letters (one of
  // r/w/x/a, '+', 'b' or 't'), so it is kept here: no std::string, and so the default plan can
  // be made at compile time (default_plan in open_file.cpp).
  std::array<char, 3> mode_letters{};
  std::uint8_t mode_length = 0;
  std::size_t buffer_size = 0;
  bool line_buffering = false;
  std::optional<Codec> codec{};  // text mode only
  ErrorHandler errors = ErrorHandler::strict;
  std::optional<std::string> newline{};

  [[nodiscard]] std::string_view mode_given() const noexcept {
    return {mode_letters.data(), mode_length};
  }
};

/// Python's io.open checks, with its messages; throws std::invalid_argument.
[[nodiscard]] OpenPlan plan_open(const OpenArguments& arguments);

/// Room for the plan plan_open() makes when the arguments are not the defaults, on the
/// caller's stack. Not a std::optional<OpenPlan>: GCC zeroes all of an optional's ~190 bytes when
/// it is made, for every file, though nearly every file uses the default plan.
class PlanRoom {
 public:
  PlanRoom() noexcept {}  // NOLINT(modernize-use-equals-default): must not initialize plan_
  PlanRoom(const PlanRoom&) = delete;
  PlanRoom& operator=(const PlanRoom&) = delete;
  PlanRoom(PlanRoom&&) = delete;
  PlanRoom& operator=(PlanRoom&&) = delete;
  ~PlanRoom() {
    if (made_) {
      plan_.~OpenPlan();
    }
  }
  /// Keeps `plan` here (in place of one kept before) and returns it.
  const OpenPlan& keep(OpenPlan&& plan) {
    if (made_) {
      plan_.~OpenPlan();
      made_ = false;
    }
    ::new (static_cast<void*>(&plan_)) OpenPlan(std::move(plan));
    made_ = true;
    return plan_;
  }
  /// Whether a plan is kept here, and that plan.
  [[nodiscard]] bool has_plan() const noexcept { return made_; }
  [[nodiscard]] const OpenPlan& plan() const noexcept { return plan_; }

 private:
  union {
    OpenPlan plan_;
  };
  bool made_ = false;
};

/// plan_open(), but the arguments nearly every file is made with (Python's defaults: "w+b",
/// buffering -1, no text options) are not planned anew each time: they get one plan, made at
/// compile time and never destroyed. Other arguments are planned into `made`. The result is
/// `made` or that plan.
[[nodiscard]] const OpenPlan& plan_open(const OpenArguments& arguments, PlanRoom& made);

/// The plan for a file to keep (reopen() opens with it again): the default plan is shared
/// without an allocation (it lives as long as the program), any other is copied.
[[nodiscard]] std::shared_ptr<const OpenPlan> keep_plan(const OpenPlan& plan);

/// Whether anyone but the new object can reach the file: `unshared` for a file with no name
/// whose descriptor no one else holds (RawFile::unshared_tag: pread/pwrite, known size);
/// `descriptor_path` for a file with no name that others open through the descriptor's path,
/// which is its name (RawFile::name_by_descriptor_path: it follows the process after fork()).
enum class Reach : unsigned char { shared, unshared, descriptor_path };

/// Wraps a new, empty file's descriptor (offset 0) per the plan; `name` is the file's
/// name() (a path, or the descriptor number for a file with no name). Errors name the path,
/// or for a file with no name (`unnamed_in` not empty) the directory it was made in.
[[nodiscard]] std::unique_ptr<tempfile::detail::FileState> open_file(
    os::FileDescriptor fd, const OpenPlan& plan, std::string name, Reach reach = Reach::shared,
    std::string_view unnamed_in = {});

/// open_file() for a file a name in the file system reaches (Reach::shared), taking `name`
/// only once nothing can fail any more: when it throws, `name` is as it was, so the caller can
/// still remove the file by it. The name then lives in the byte layer, at an address that stays
/// put for the state's life (the state is never moved), so others may borrow it.
[[nodiscard]] std::unique_ptr<tempfile::detail::FileState> open_file_taking_name(
    os::FileDescriptor fd, const OpenPlan& plan, std::string& name);

/// The same layers over an empty in-memory file, unbuffered (SpooledTemporaryFile); `spill`
/// says where it goes when it rolls over.
[[nodiscard]] std::unique_ptr<tempfile::detail::FileState> open_in_memory(
    const OpenPlan& plan, std::unique_ptr<Spill> spill);

}  // namespace tempfile::io
