// SPDX-License-Identifier: MIT
// The one translation of the library's exceptions into a std::error_code, for the noexcept
// `std::error_code&` overloads of the public functions (error.hpp states the mapping).
#pragma once

#include <new>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace tempfile::create {

/// Runs `body`; on success clears `ec` and returns its result. If it throws, sets `ec` (an OS
/// failure's errno, errc::invalid_argument for a bad argument, errc::not_enough_memory for
/// allocation failure) and returns `failed`.
template <class Result, class Body>
Result report_through(std::error_code& ec, Result failed, Body&& body) noexcept {
  try {
    Result result = std::forward<Body>(body)();
    ec.clear();
    return result;
  } catch (const std::system_error& failure) {
    ec = failure.code();
  } catch (const std::invalid_argument&) {
    ec = std::make_error_code(std::errc::invalid_argument);
  } catch (const std::bad_alloc&) {
    ec = std::make_error_code(std::errc::not_enough_memory);
  }
  return failed;
}

}  // namespace tempfile::create
