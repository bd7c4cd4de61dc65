// SPDX-License-Identifier: MIT
// A process-wide object that is constant-initialized and never destroyed: no function-local
// static (whose guard a fork() during its initialization leaves locked in the child forever),
// and still usable by code that runs during static destruction or after exit() started.
#pragma once

#include <utility>

namespace tempfile::os {

/// `constinit NeverDestroyed<T> x;` T needs a constexpr default constructor.
template <class T>
union NeverDestroyed {
  constexpr NeverDestroyed() noexcept : value() {}
  NeverDestroyed(const NeverDestroyed&) = delete;
  NeverDestroyed& operator=(const NeverDestroyed&) = delete;
  NeverDestroyed(NeverDestroyed&&) = delete;
  NeverDestroyed& operator=(NeverDestroyed&&) = delete;
  ~NeverDestroyed() {}  // NOLINT(modernize-use-equals-default): must not destroy `value`
  T value;
};

}  // namespace tempfile::os
