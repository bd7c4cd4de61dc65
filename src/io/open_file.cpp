// SPDX-License-Identifier: MIT
// plan_open/open_file: Python's io.open argument rules, then the io layers over a descriptor
// or memory.
#include "io/open_file.hpp"

#include <stdexcept>
#include <utility>

namespace tempfile::io {

OpenPlan plan_open(const OpenArguments& arguments) {
  OpenPlan plan{parse_mode(arguments.mode), std::string(arguments.mode)};
  const bool binary = plan.mode.binary;
  if (binary && arguments.encoding) {
    throw std::invalid_argument("tempfile: binary mode doesn't take an encoding argument");
  }
  if (binary && arguments.errors) {
    throw std::invalid_argument("tempfile: binary mode doesn't take an errors argument");
  }
  if (binary && arguments.newline) {
    throw std::invalid_argument("tempfile: binary mode doesn't take a newline argument");
  }
  if (!binary && arguments.buffering == 0) {
    throw std::invalid_argument("tempfile: can't have unbuffered text I/O");
  }
  // Python warns that buffering=1 means nothing in binary mode and uses the default size; we
  // cannot warn, and do the same.
  if (arguments.buffering == 0) {
    plan.buffer_size = 0;
  } else if (arguments.buffering > 1) {
    plan.buffer_size = static_cast<std::size_t>(arguments.buffering);
  } else {
    plan.buffer_size = BufferedFile::default_buffer_size;
    plan.line_buffering = !binary && arguments.buffering == 1;
  }
  if (!binary) {
    if (const auto& newline = arguments.newline;
        newline && *newline != "" && *newline != "\n" && *newline != "\r" && *newline != "\r\n") {
      throw std::invalid_argument("tempfile: illegal newline value: " + *newline);
    }
    plan.newline = arguments.newline;
    plan.codec = Codec::lookup(arguments.encoding.value_or("utf-8"));
    plan.errors = parse_error_handler(arguments.errors.value_or("strict"));
  }
  return plan;
}

namespace {

std::unique_ptr<tempfile::detail::FileState> open_layers(BufferedFile bytes, const OpenPlan& plan) {
  auto state = std::make_unique<tempfile::detail::FileState>();
  state->mode_given = plan.mode_given;
  if (plan.mode.binary) {
    state->binary.emplace(std::move(bytes));
  } else {
    state->text.emplace(std::move(bytes), *plan.codec, plan.errors, plan.newline,
                        plan.line_buffering);
  }
  return state;
}

}  // namespace

std::unique_ptr<tempfile::detail::FileState> open_file(os::FileDescriptor fd, const OpenPlan& plan,
                                                       std::string name, Reach reach,
                                                       std::string unnamed_in) {
  RawFile raw = reach == Reach::unshared
                    ? RawFile::unshared(std::move(fd), plan.mode, std::move(name))
                    : RawFile(std::move(fd), plan.mode, 0, std::move(name));
  if (!unnamed_in.empty()) {
    raw.describe_as_unnamed_in(std::move(unnamed_in));
  }
  if (reach == Reach::descriptor_path) {
    raw.name_by_descriptor_path();
  }
  return open_layers(BufferedFile(std::move(raw), plan.buffer_size), plan);
}

std::unique_ptr<tempfile::detail::FileState> open_in_memory(const OpenPlan& plan,
                                                            std::unique_ptr<Spill> spill) {
  return open_layers(BufferedFile::spooled(plan.mode, std::move(spill)), plan);
}

}  // namespace tempfile::io
