// SPDX-License-Identifier: MIT
// plan_open/open_file: Python's io.open argument rules, then the io layers over a descriptor
// or memory.
#include "io/open_file.hpp"

#include <stdexcept>
#include <utility>

namespace tempfile::io {

OpenPlan plan_open(const OpenArguments& arguments) {
  OpenPlan plan{parse_mode(arguments.mode)};
  // parse_mode accepted it: at most three letters (OpenPlan::mode_letters).
  arguments.mode.copy(plan.mode_letters.data(), plan.mode_letters.size());
  plan.mode_length = static_cast<std::uint8_t>(arguments.mode.size());
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

// What plan_open gives for Python's default arguments ("w+b", buffering -1, no text options),
// made at compile time: nothing to parse or look up per file, no guard for a fork() to leave
// locked, and never destroyed (files made during static destruction use it too). A test checks
// that it is what plan_open makes of those arguments.
union DefaultPlan {
  constexpr DefaultPlan() noexcept
      : plan{.mode = {.access = OpenMode::Access::write, .update = true, .binary = true},
             .mode_letters = {'w', '+', 'b'},
             .mode_length = 3,
             .buffer_size = BufferedFile::default_buffer_size} {}
  DefaultPlan(const DefaultPlan&) = delete;
  DefaultPlan& operator=(const DefaultPlan&) = delete;
  DefaultPlan(DefaultPlan&&) = delete;
  DefaultPlan& operator=(DefaultPlan&&) = delete;
  ~DefaultPlan() {}  // NOLINT(modernize-use-equals-default): must not destroy `plan`
  OpenPlan plan;
};

constinit const DefaultPlan default_plan;

bool default_arguments(const OpenArguments& arguments) noexcept {
  // Three bytes compared in place (string_view's == calls memcmp with a length it cannot see).
  const std::string_view mode = arguments.mode;
  return mode.size() == 3 && mode[0] == 'w' && mode[1] == '+' && mode[2] == 'b' &&
         arguments.buffering == -1 && !arguments.encoding && !arguments.newline &&
         !arguments.errors;
}

// The layers, the byte layer made in place in the new state from `bytes` (BufferedFile's
// constructor arguments): a RawFile costs at each move (its name's std::filesystem::path is
// cleared by parsing), so the descriptor's is moved once.
template <class... Bytes>
std::unique_ptr<tempfile::detail::FileState> open_layers(const OpenPlan& plan, Bytes&&... bytes) {
  // Default-initialized: every member initializes itself, and value-initializing would first
  // zero all of its 560 bytes (the text layer's and the hook's room included) for nothing.
  auto state = std::make_unique_for_overwrite<tempfile::detail::FileState>();
  state->mode_letters = plan.mode_letters;
  state->mode_length = plan.mode_length;
  if (plan.mode.binary) {
    state->binary.emplace(std::forward<Bytes>(bytes)...);
  } else {
    state->text.emplace(BufferedFile(std::forward<Bytes>(bytes)...), *plan.codec, plan.errors,
                        plan.newline, plan.line_buffering);
  }
  return state;
}

}  // namespace

const OpenPlan& plan_open(const OpenArguments& arguments, PlanRoom& made) {
  if (default_arguments(arguments)) {
    return default_plan.plan;
  }
  return made.keep(plan_open(arguments));
}

std::shared_ptr<const OpenPlan> keep_plan(const OpenPlan& plan) {
  if (&plan == &default_plan.plan) {
    // Aliasing an empty owner: no control block, no count; the plan outlives every file.
    return {std::shared_ptr<const void>(), &plan};
  }
  return std::make_shared<const OpenPlan>(plan);
}

std::unique_ptr<tempfile::detail::FileState> open_file(os::FileDescriptor fd, const OpenPlan& plan,
                                                       std::string name, Reach reach,
                                                       std::string_view unnamed_in) {
  // The raw layer made in place, then told how to describe itself.
  auto state = reach == Reach::unshared
                   ? open_layers(plan, plan.buffer_size, std::in_place, RawFile::unshared_tag,
                                 std::move(fd), plan.mode, std::move(name))
                   : open_layers(plan, plan.buffer_size, std::in_place, std::move(fd), plan.mode, 0,
                                 std::move(name));
  RawFile& raw = state->bytes().raw();
  if (!unnamed_in.empty()) {
    raw.describe_as_unnamed_in(unnamed_in);
  }
  if (reach == Reach::descriptor_path) {
    raw.name_by_descriptor_path();
  }
  return state;
}

std::unique_ptr<tempfile::detail::FileState> open_file_taking_name(os::FileDescriptor fd,
                                                                   const OpenPlan& plan,
                                                                   std::string& name) {
  auto state = open_layers(plan, plan.buffer_size, std::in_place, std::move(fd), plan.mode);
  state->bytes().rename_to(std::move(name));  // noexcept: the name is taken only now
  return state;
}

std::unique_ptr<tempfile::detail::FileState> open_in_memory(const OpenPlan& plan,
                                                            std::unique_ptr<Spill> spill) {
  return open_layers(plan, BufferedFile::spooled(plan.mode, std::move(spill)));
}

}  // namespace tempfile::io
