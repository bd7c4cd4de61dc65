// SPDX-License-Identifier: MIT
// os::no_path() and os::no_text() (os/no_value.hpp).
#include "os/no_value.hpp"

#include <mutex>
#include <new>

namespace tempfile::os {
namespace {

// Storage for both, constructed in place once and never destroyed.
struct Values {
  std::filesystem::path path;
  std::string text;
};
alignas(Values) unsigned char storage[sizeof(Values)];
const Values* made = nullptr;
std::once_flag once;

const Values& values() noexcept {
  std::call_once(once, [] { made = ::new (static_cast<void*>(storage)) Values(); });
  return *made;
}

}  // namespace

const std::filesystem::path& no_path() noexcept {
  return values().path;
}

const std::string& no_text() noexcept {
  return values().text;
}

}  // namespace tempfile::os
