// SPDX-License-Identifier: MIT
// The portable part of os::copy_file: a block copy at explicit offsets (read_at / write_at),
// which every system has and which moves neither descriptor's position.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>

#include "os/persist.hpp"
#include "os/sys.hpp"

namespace tempfile::os {

namespace {
// Large enough that a big file costs few calls.
constexpr std::size_t copy_buffer_size = std::size_t{1} << 17U;
}  // namespace

Errno copy_at_offsets(int from, int to, std::int64_t& copied) noexcept {
  // Not std::vector: its allocation would throw; here the failure is an errno like any other.
  const std::unique_ptr<std::byte[]> buffer(new (std::nothrow) std::byte[copy_buffer_size]);
  if (!buffer) {
    return ENOMEM;
  }
  for (;;) {
    std::size_t got = 0;
    if (const Errno err = read_at(from, buffer.get(), copy_buffer_size, copied, got); err != 0) {
      return err;
    }
    if (got == 0) {
      return 0;
    }
    for (std::size_t done = 0; done < got;) {
      std::size_t written = 0;
      if (const Errno err = write_at(to, buffer.get() + done, got - done,
                                     copied + static_cast<std::int64_t>(done), written);
          err != 0) {
        return err;
      }
      if (written == 0) {
        return EIO;  // no progress and no error: give up rather than loop
      }
      done += written;
    }
    copied += static_cast<std::int64_t>(got);
  }
}

}  // namespace tempfile::os
