// SPDX-License-Identifier: MIT
// <windows.h> as every Windows file of the library and its tests includes it: without the
// rarely used parts (WIN32_LEAN_AND_MEAN) and without the min and max macros, which would break
// std::min, std::max and numeric_limits<T>::max() in whatever follows.
#pragma once

#ifndef WIN32_LEAN_AND_MEAN
#  define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#  define NOMINMAX
#endif
#include <windows.h>
