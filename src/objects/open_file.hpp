// Forwards to io/open_file.hpp, where Python's io.open rules and the layer assembly live, so
// that sources still naming them objects:: compile unchanged. New code includes the io header.
#pragma once

#include "io/open_file.hpp"

namespace tempfile::objects {

using io::open_file;
using io::open_in_memory;
using io::OpenArguments;
using io::OpenPlan;
using io::plan_open;
using io::Reach;

}  // namespace tempfile::objects
