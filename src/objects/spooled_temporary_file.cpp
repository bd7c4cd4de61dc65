// SPDX-License-Identifier: MIT
// SpooledTemporaryFile: the in-memory byte layer plus the Spill that tells it when to leave
// memory (max_size) and where to go (a TemporaryFile's file, or a memfd).
#include "tempfile/spooled_temporary_file.hpp"

#include <cerrno>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "create/paths.hpp"
#include "io/file_state.hpp"
#include "io/open_file.hpp"
#include "objects/unnamed_file.hpp"
#include "os/path.hpp"
#include "os/sys.hpp"
#include "tempfile/dirs.hpp"
#include "tempfile/error.hpp"

namespace tempfile {
namespace {

class SpillToFile final : public io::Spill {
 public:
  SpillToFile(const SpooledTemporaryFileOptions& options, std::size_t buffer_size)
      : Spill(options.max_size, buffer_size),
        memfd_(options.memfd),
        target_{.suffix = options.suffix, .prefix = options.prefix, .dir = options.dir} {}

  [[nodiscard]] os::FileDescriptor create() override {
    if (memfd_) {
      os::FileDescriptor fd;
      const os::Errno err = os::open_memory_file("tempfile-spooled", fd);
      if (err == 0) {
        where_ = "memfd:tempfile-spooled";
        return fd;
      }
      if (err != ENOSYS) {
        throw error("cannot create memory file", "memfd:tempfile-spooled", os::to_error_code(err));
      }
    }
    objects::UnnamedFile made = objects::create_unnamed(target_);
    where_ = made.where.path();
    return std::move(made.fd);
  }

  [[nodiscard]] std::filesystem::path location() const override { return where_; }

  [[noreturn]] void fail(os::Errno err) const override {
    throw error("cannot move spooled data to a temporary file in", where_, os::to_error_code(err));
  }

 private:
  bool memfd_;
  TemporaryFileOptions target_;
  std::string where_;
};

std::unique_ptr<detail::FileState> open_spooled(const SpooledTemporaryFileOptions& options) {
  if (options.max_size < 0) {
    throw std::invalid_argument(
        "tempfile: SpooledTemporaryFile: max_size must be 0 (no limit) or more, got " +
        std::to_string(options.max_size));
  }
  // Python checks all of these only at rollover; a bad argument is better found here, before
  // any data is entrusted to the object.
  const io::OpenPlan plan = io::plan_open(
      {options.mode, options.buffering, options.encoding, options.newline, options.errors});
  create::check_name_part("SpooledTemporaryFile", "prefix", options.prefix.value_or(""));
  create::check_name_part("SpooledTemporaryFile", "suffix", options.suffix.value_or(""));
  create::check_path_argument("SpooledTemporaryFile", "dir", options.dir.text());
  // The rollover's name rule (even with memfd, which may fall back to a named file). Only
  // named for the message: an object that never rolls over needs no temporary directory, so
  // the default one is not searched for here.
  const std::optional<std::filesystem::path> known_dir =
      options.dir ? std::optional<std::filesystem::path>(options.dir.path()) : tempdir();
  // As UTF-8 (from_path: the path's own string on POSIX, a converted one on Windows, which
  // lives until the end of this statement).
  create::check_name_length(
      "cannot create file in",
      known_dir ? std::string_view(os::from_path(*known_dir)) : std::string_view(),
      options.prefix ? *options.prefix : gettempprefix(), options.suffix.value_or(""));
  return io::open_in_memory(plan, std::make_unique<SpillToFile>(options, plan.buffer_size));
}

}  // namespace

SpooledTemporaryFile::SpooledTemporaryFile()
    : SpooledTemporaryFile(SpooledTemporaryFileOptions{}) {}
SpooledTemporaryFile::SpooledTemporaryFile(const SpooledTemporaryFileOptions& options)
    : File(open_spooled(options)) {}
SpooledTemporaryFile::SpooledTemporaryFile(std::int64_t max_size)
    : SpooledTemporaryFile(SpooledTemporaryFileOptions{.max_size = max_size}) {}

void SpooledTemporaryFile::rollover() {
  state().roll_over();
}

bool SpooledTemporaryFile::rolled() const noexcept {
  const detail::FileState* state = state_if_any();
  return state != nullptr && state->bytes().rolled();
}

}  // namespace tempfile
