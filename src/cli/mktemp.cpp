// SPDX-License-Identifier: MIT
// tempfile-cli mktemp: a drop-in for GNU coreutils' mktemp (its options, template rules,
// messages and exit statuses), creating through the library's exclusive-creation calls with
// names from the kernel's random source.
#include <getopt.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "cli/cli.hpp"
#include "os/fd.hpp"
#include "os/path.hpp"
#include "os/sys.hpp"
#include "tempfile/version.hpp"

namespace tempfile::cli {
namespace {

// coreutils replaces the X's with letters and digits: 62 characters.
constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
// Random bytes at or above this are rejected so that byte % 62 is uniform (62 * 4 = 248).
constexpr unsigned accept_below = 256 - (256 % alphabet.size());
// gnulib's gen_tempname gives up with EEXIST after 62**3 names that all existed.
constexpr unsigned long max_attempts = 62UL * 62UL * 62UL;

struct Request {
  bool directory = false;
  bool dry_run = false;
  bool quiet = false;
  bool use_dest_dir = false;  // -p, --tmpdir or -t, or no template at all
  bool t_option = false;
  std::optional<std::string> dest_dir_arg;
  std::optional<std::string> suffix;
  std::vector<std::string> templates;
};

// Long-option codes beyond any character.
enum : int { option_suffix = 256, option_help, option_version };

void print_error(std::string_view program, const std::string& message, int error = 0) {
  std::string line(program);
  line += ": ";
  line += message;
  if (error != 0) {
    line += ": ";
    line += error_text(error);
  }
  line += '\n';
  static_cast<void>(std::fputs(line.c_str(), stderr));
}

void print_try_help(std::string_view program) {
  const std::string line = "Try '" + std::string(program) + " --help' for more information.\n";
  static_cast<void>(std::fputs(line.c_str(), stderr));
}

void print_help(std::string_view program) {
  const std::string p(program);
  const std::string text = "Usage: " + p + " [OPTION]... [TEMPLATE]\n" +
                           R"(Create a temporary file or directory, safely, and print its name.

TEMPLATE must contain at least 3 consecutive 'X's in its last component. If TEMPLATE is not
given, use tmp.XXXXXXXXXX and --tmpdir is implied. The X's are replaced by random letters and
digits from the kernel's random source. Files are created with mode 0600 (u+rw), directories
with 0700 (u+rwx), less the umask; an existing name is never reused or followed.

Options:
  -d, --directory     create a directory, not a file
  -u, --dry-run       create nothing; only print a name that did not exist (unsafe: another
                      program can take the name before you use it)
  -q, --quiet         say nothing about a failure to create the file or directory
      --suffix=SUFF   append SUFF to TEMPLATE; SUFF must not contain a slash. Implied when
                      TEMPLATE does not end in X
  -p DIR, --tmpdir[=DIR]
                      TEMPLATE is relative to DIR; without DIR (or with an empty one), $TMPDIR
                      if set and not empty, else /tmp. TEMPLATE must then not be absolute, but
                      may contain slashes (the directories must exist)
  -t                  TEMPLATE is a single file name component, relative to $TMPDIR if set,
                      else to the -p DIR, else /tmp (deprecated)
      --help          print this help and exit
      --version       print the version and exit

Exit status: 0 on success, 1 on any failure. Without -p, --tmpdir or -t, a TEMPLATE is
relative to the current directory. This is GNU mktemp's interface; the tempfile-cli(1) manual
page lists the few differences.
)";
  static_cast<void>(std::fputs(text.c_str(), stdout));
}

// Parses as coreutils does: getopt_long (so option errors are glibc's own words, with the
// program name we pass as argv[0]), permuting options and operands unless POSIXLY_CORRECT.
// Returns the exit status to end with, or nullopt to go on.
std::optional<int> parse(std::string_view program, const std::vector<std::string>& args,
                         Request& request) {
  std::vector<std::string> storage;
  storage.reserve(args.size() + 1);
  storage.emplace_back(program);
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(storage.size() + 1);
  for (std::string& arg : storage) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);

  static constexpr std::array<option, 8> long_options = {{
      {"directory", no_argument, nullptr, 'd'},
      {"quiet", no_argument, nullptr, 'q'},
      {"dry-run", no_argument, nullptr, 'u'},
      {"suffix", required_argument, nullptr, option_suffix},
      {"tmpdir", optional_argument, nullptr, 'p'},
      {"help", no_argument, nullptr, option_help},
      {"version", no_argument, nullptr, option_version},
      {nullptr, 0, nullptr, 0},
  }};
  const int argc = static_cast<int>(storage.size());
  // coreutils' short options; -V is its undocumented alias of --version.
  for (;;) {
    // NOLINTNEXTLINE(concurrency-mt-unsafe): getopt's state is global; the tool has one thread
    const int c = ::getopt_long(argc, argv.data(), "dp:qtuV", long_options.data(), nullptr);
    if (c == -1) {
      break;
    }
    switch (c) {
      case 'd':
        request.directory = true;
        break;
      case 'p':
        request.use_dest_dir = true;
        // --tmpdir without =DIR leaves it unset; a later -p or --tmpdir replaces it.
        request.dest_dir_arg.reset();
        if (::optarg != nullptr) {
          request.dest_dir_arg = ::optarg;
        }
        break;
      case 'q':
        request.quiet = true;
        break;
      case 't':
        request.use_dest_dir = true;
        request.t_option = true;
        break;
      case 'u':
        request.dry_run = true;
        break;
      case option_suffix:
        request.suffix = ::optarg;
        break;
      case option_help:
        print_help(program);
        return 0;
      case 'V':
      case option_version: {
        // A fixed name, as GNU's "mktemp (GNU coreutils) 9.1": the name invoked may be a path.
        const std::string line = std::string("mktemp (tempfile) ") + tempfile::version + "\n";
        static_cast<void>(std::fputs(line.c_str(), stdout));
        return 0;
      }
      default:
        print_try_help(program);
        return 1;
    }
  }
  for (int i = ::optind; i < argc; ++i) {
    request.templates.emplace_back(argv[static_cast<std::size_t>(i)]);
  }
  return std::nullopt;
}

// gnulib's file_name_concat(dir, base): one separator between them (the system's own: '/', or
// '\\' on Windows), dir's trailing separators dropped, except that a dir made only of them is kept
// as it is.
std::string join(std::string_view dir, std::string_view base) {
  std::size_t end = dir.size();
  while (end > 0 && os::is_separator(dir[end - 1])) {
    --end;
  }
  if (end == 0) {
    return std::string(dir) + std::string(base);
  }
  return std::string(dir.substr(0, end)) + os::preferred_separator + std::string(base);
}

// Whether `suffix` is a single file name component as gnulib's last_component() sees it: no
// leading separator and no separator followed by more of a name ("x/" is one, trailing
// separators and all). The separators are the system's ('\\' and '/' on Windows).
bool is_last_component(std::string_view suffix) {
  if (suffix.empty()) {
    return true;
  }
  if (os::is_separator(suffix.front())) {
    return false;
  }
  for (std::size_t i = 0; i + 1 < suffix.size(); ++i) {
    if (os::is_separator(suffix[i]) && !os::is_separator(suffix[i + 1])) {
      return false;
    }
  }
  return true;
}

void fill_random(std::string& name, std::size_t start, std::size_t count) {
  std::array<unsigned char, 64> bytes{};
  std::size_t next = bytes.size();
  for (std::size_t i = 0; i < count;) {
    if (next == bytes.size()) {
      os::random_bytes(bytes.data(), bytes.size());
      next = 0;
    }
    const unsigned byte = bytes.at(next++);
    if (byte < accept_below) {
      name[start + i++] = alphabet[byte % alphabet.size()];
    }
  }
}

// One attempt at `name`: 0, EEXIST to try another name, or the errno that ends it all.
int try_create(const std::string& name, const Request& request) {
  if (request.dry_run) {
    // gnulib's __GT_NOCREATE: the name is free only when lstat says ENOENT (a dangling
    // symbolic link is taken).
    bool exists = false;
    if (const os::Errno error = os::entry_exists(name.c_str(), exists); error != 0) {
      return error;
    }
    return exists ? EEXIST : 0;
  }
  if (request.directory) {
    return os::create_directory(os::current_directory_fd, name.c_str(), os::directory_mode);
  }
  os::FileDescriptor fd;
  if (const os::Errno error =
          os::create_file_exclusive(os::current_directory_fd, name.c_str(), os::file_mode, fd);
      error != 0) {
    return error;
  }
  if (const os::Errno error = fd.close(); error != 0) {
    static_cast<void>(os::remove_file(os::current_directory_fd, name.c_str()));
    return error;
  }
  return 0;
}

// Where a template goes without -p DIR or $TMPDIR: /tmp, as GNU's; on Windows the system's
// temporary directory (GetTempPath2W), the first of Python's fixed candidates on both.
std::string default_directory() {
  const std::vector<std::string> candidates = os::fixed_tempdir_candidates();
  return candidates.empty() ? std::string() : candidates.front();
}

// Prints `name` and a newline and makes sure it reached stdout (coreutils' close_stream).
int print_name(const std::string& name) {
  errno = 0;
  const bool written = std::fputs(name.c_str(), stdout) >= 0 && std::fputc('\n', stdout) != EOF &&
                       std::fflush(stdout) == 0 && std::ferror(stdout) == 0;
  if (written) {
    return 0;
  }
  return errno != 0 ? errno : EIO;
}

}  // namespace

int mktemp_main(std::string_view program, const std::vector<std::string>& args) {
  Request request;
  if (const std::optional<int> status = parse(program, args, request)) {
    return *status;
  }
  if (request.templates.size() > 1) {
    print_error(program, "too many templates");
    print_try_help(program);
    return 1;
  }
  std::string name;  // the template, with its suffix, later with its directory
  std::size_t suffix_length = 0;
  if (request.templates.empty()) {
    request.use_dest_dir = true;
    name = "tmp.XXXXXXXXXX";
  } else {
    name = request.templates.front();
  }
  if (request.suffix) {
    if (name.empty() || name.back() != 'X') {
      print_error(program, "with --suffix, template " + gnu_quote(name) + " must end in X");
      return 1;
    }
    suffix_length = request.suffix->size();
    name += *request.suffix;
  } else {
    const std::size_t last_x = name.rfind('X');
    suffix_length = last_x == std::string::npos ? 0 : name.size() - last_x - 1;
  }
  const std::string_view suffix = std::string_view(name).substr(name.size() - suffix_length);
  if (!is_last_component(suffix)) {
    print_error(program, "invalid suffix " + gnu_quote(suffix) + ", contains directory separator");
    return 1;
  }
  std::size_t x_count = 0;
  while (x_count < name.size() - suffix_length &&
         name[name.size() - suffix_length - x_count - 1] == 'X') {
    ++x_count;
  }
  if (x_count < 3) {
    print_error(program, "too few X's in template " + gnu_quote(name));
    return 1;
  }
  if (request.use_dest_dir) {
    const std::optional<std::string> tmpdir = os::environment_variable("TMPDIR");
    const bool have_tmpdir = tmpdir && !tmpdir->empty();
    const bool have_arg = request.dest_dir_arg && !request.dest_dir_arg->empty();
    std::string dir;
    if (request.t_option) {
      // -t prefers TMPDIR to -p's DIR, as coreutils does.
      dir = have_tmpdir ? *tmpdir : have_arg ? *request.dest_dir_arg : default_directory();
      if (os::first_separator(name) != std::string::npos) {
        print_error(program,
                    "invalid template, " + gnu_quote(name) + ", contains directory separator");
        return 1;
      }
    } else {
      dir = have_arg ? *request.dest_dir_arg : have_tmpdir ? *tmpdir : default_directory();
      if (os::is_rooted(name)) {
        print_error(program, "invalid template, " + gnu_quote(name) +
                                 "; with --tmpdir, it may not be absolute");
        return 1;
      }
    }
    name = join(dir, name);
  }

  const std::string pattern = name;  // the messages show the template, X's and all
  const std::size_t x_start = name.size() - suffix_length - x_count;
  int error = EEXIST;
  for (unsigned long attempt = 0; attempt < max_attempts && error == EEXIST; ++attempt) {
    fill_random(name, x_start, x_count);
    error = try_create(name, request);
  }
  if (error != 0) {
    if (!request.quiet) {
      print_error(program,
                  std::string("failed to create ") + (request.directory ? "directory" : "file") +
                      " via template " + gnu_quote(pattern),
                  error);
    }
    return 1;
  }
  if (const int write_error = print_name(name); write_error != 0) {
    // Nobody learnt the name: remove what we made, as coreutils does.
    if (!request.dry_run) {
      static_cast<void>(request.directory
                            ? os::remove_directory(os::current_directory_fd, name.c_str())
                            : os::remove_file(os::current_directory_fd, name.c_str()));
    }
    if (!request.quiet) {
      print_error(program, "write error", write_error);
    }
    return 1;
  }
  return 0;
}

}  // namespace tempfile::cli
