// SPDX-License-Identifier: MIT
// libFuzzer target: every path, prefix, suffix and dir check, through the public API with
// random bytes. Each call either throws std::invalid_argument, or throws a clean
// tempfile::error, or succeeds with its entry directly inside the given directory; the target
// removes what was made and checks that nothing was created, left or removed anywhere else.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

#include "tempfile/dirs.hpp"
#include "tempfile/error.hpp"
#include "tempfile/mkstemp.hpp"
#include "tempfile/spooled_temporary_file.hpp"
#include "tempfile/temporary_directory.hpp"
#include "tempfile/temporary_file.hpp"

namespace {

namespace fs = std::filesystem;

[[noreturn]] void bug(const std::string& why) {
  std::fprintf(stderr, "paths_fuzz: %s\n", why.c_str());
  std::fflush(stderr);
  __builtin_trap();
}

// The scratch tree, made once per process with libc's mkdtemp:
//   <scratch>/box/             where every entry may be created (the default directory too)
//   <scratch>/box/sub/         an existing subdirectory
//   <scratch>/box/victim/kept  what rmtree with a NUL after "victim" must not touch
// Everything is removed at exit.
struct Scratch {
  fs::path root;
  fs::path box;

  Scratch() {
    const char* base = std::getenv("TMPDIR");  // NOLINT(concurrency-mt-unsafe)
    std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") +
                          "/tempfile-paths-fuzz.XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      bug("mkdtemp failed");
    }
    root = pattern;
    box = root / "box";
    restore();
    tempfile::set_tempdir(box);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  Scratch(Scratch&&) = delete;
  Scratch& operator=(Scratch&&) = delete;
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }

  // Puts the baseline back: box/, box/sub/, box/victim/kept.
  void restore() const {
    std::error_code ec;
    fs::create_directories(box / "sub", ec);
    fs::create_directories(box / "victim", ec);
    if (!fs::exists(box / "victim" / "kept")) {
      std::FILE* kept = std::fopen((box / "victim" / "kept").c_str(), "we");
      if (kept == nullptr) {
        bug("cannot make the victim file");
      }
      std::fclose(kept);
    }
  }
};

Scratch& scratch() {
  static Scratch instance;
  return instance;
}

// For one input, the current directory is the scratch root (so relative dirs stay inside);
// then it goes back, for the caller's relative paths (corpus files, crash artifacts).
class InScratch {
 public:
  explicit InScratch(const Scratch& s) : saved_(::open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
    if (saved_ < 0 || ::chdir(s.root.c_str()) != 0) {
      bug("cannot enter the scratch directory");
    }
  }
  InScratch(const InScratch&) = delete;
  InScratch& operator=(const InScratch&) = delete;
  InScratch(InScratch&&) = delete;
  InScratch& operator=(InScratch&&) = delete;
  ~InScratch() {
    if (::fchdir(saved_) != 0) {
      bug("cannot go back to the previous directory");
    }
    ::close(saved_);
  }

 private:
  int saved_;
};

// Every entry under `dir` with its type and inode, without following links.
std::map<std::string, std::pair<mode_t, ino_t>> tree_of(const fs::path& dir) {
  std::map<std::string, std::pair<mode_t, ino_t>> entries;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    struct stat info {};
    if (::lstat(it->path().c_str(), &info) == 0) {
      entries[it->path().native()] = {info.st_mode & S_IFMT, info.st_ino};
    }
  }
  return entries;
}

// Splits the input into fields at 0xFF bytes (which never need to appear in a field: the
// library treats every other byte the same way).
struct Fields {
  std::uint8_t selector = 0;
  std::uint8_t dir_kind = 0;
  std::string prefix;
  std::string suffix;
  std::string dir_tail;
  bool has_prefix = false;
  bool has_suffix = false;
};

Fields parse(const std::uint8_t* data, std::size_t size) {
  Fields f;
  if (size >= 1) {
    f.selector = data[0];
  }
  if (size >= 2) {
    f.dir_kind = data[1];
  }
  std::string* fields[] = {&f.prefix, &f.suffix, &f.dir_tail};
  std::size_t field = 0;
  for (std::size_t i = 2; i < size && field < 3; ++i) {
    if (data[i] == 0xFF) {
      ++field;
      continue;
    }
    fields[field]->push_back(static_cast<char>(data[i]));
  }
  f.has_prefix = (f.selector & 0x10U) == 0;
  f.has_suffix = (f.selector & 0x20U) == 0;
  return f;
}

// The input's path tail with every ".." component made "__", so that even a wrong answer
// stays in the scratch tree; NULs, empty components, "." and trailing slashes are kept.
std::string tame(const std::string& tail) {
  std::string tamed;
  std::size_t start = 0;
  while (start <= tail.size()) {
    std::size_t slash = tail.find('/', start);
    if (slash == std::string::npos) {
      slash = tail.size();
    }
    std::string part = tail.substr(start, slash - start);
    if (part == "..") {
      part = "__";
    }
    tamed += part;
    if (slash < tail.size()) {
      tamed += '/';
    }
    start = slash + 1;
  }
  return tamed;
}

// The dir argument: none, the box, or a path under the box (absolute or relative) built from
// the input.
std::optional<fs::path> make_dir(const Fields& f, const Scratch& s) {
  const std::string tail = tame(f.dir_tail);
  switch (f.dir_kind % 4) {
    case 0:
      return std::nullopt;
    case 1:
      return s.box;
    case 2:
      return fs::path(s.box.native() + "/" + tail);
    default:
      return fs::path("box/" + tail);  // relative: the current directory is the scratch root
  }
}

// The directory an entry made with `dir` must be in (Python's os.path.abspath of dir).
std::string expected_parent(const std::optional<fs::path>& dir, const Scratch& s) {
  if (!dir) {
    return s.box.native();
  }
  const fs::path absolute = dir->is_absolute() ? *dir : s.root / *dir;
  std::string normal = absolute.lexically_normal().native();
  while (normal.size() > 1 && normal.back() == '/') {
    normal.pop_back();
  }
  return normal;
}

bool has(std::string_view text, char c) {
  return text.find(c) != std::string_view::npos;
}

enum class Outcome { created, invalid_argument, os_error };

struct Result {
  Outcome outcome = Outcome::created;
  std::string path;  // when created: the entry (already removed by the target if it must be)
  int code = 0;      // tempfile::error's errno
};

// Runs `call`, which returns the created entry's path ("" for an unnamed file), classifying
// what it threw. Anything but std::invalid_argument and tempfile::error is a bug.
template <class Call>
Result run(Call&& call) {
  Result result;
  try {
    result.path = call();
  } catch (const tempfile::error& e) {
    result.outcome = Outcome::os_error;
    result.code = e.code().value();
    if (std::string_view(e.what()).find('\n') != std::string_view::npos) {
      bug(std::string("a raw newline in what(): ") + e.what());
    }
  } catch (const std::invalid_argument& e) {
    result.outcome = Outcome::invalid_argument;
    if (std::string_view(e.what()).find('\n') != std::string_view::npos) {
      bug(std::string("a raw newline in what(): ") + e.what());
    }
  } catch (const std::exception& e) {
    bug(std::string("unexpected exception: ") + e.what());
  }
  return result;
}

void check_name(const Result& r, const std::string& parent, std::string_view prefix,
                std::string_view suffix) {
  const fs::path made(r.path);
  if (made.parent_path().native() != parent) {
    bug("created outside its dir: " + r.path + " (dir " + parent + ")");
  }
  const std::string name = made.filename().native();
  if (name.size() != prefix.size() + 8 + suffix.size() || name.rfind(prefix, 0) != 0 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
    bug("unexpected name " + name);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Scratch& s = scratch();
  const InScratch inside(s);
  const Fields f = parse(data, size);
  const std::optional<fs::path> dir = make_dir(f, s);
  const std::optional<std::string> prefix =
      f.has_prefix ? std::optional<std::string>(f.prefix) : std::nullopt;
  const std::optional<std::string> suffix =
      f.has_suffix ? std::optional<std::string>(f.suffix) : std::nullopt;
  const unsigned which = f.selector % 9U;
  // mktemp's prefix and suffix are plain strings (Python's defaults), the others' optional.
  const std::string_view used_prefix =
      which == 2 ? std::string_view(f.prefix) : (prefix ? std::string_view(*prefix) : "tmp");
  const std::string_view used_suffix =
      which == 2 ? std::string_view(f.suffix) : (suffix ? std::string_view(*suffix) : "");
  const bool dir_has_nul = dir && has(dir->native(), '\0');
  const bool part_bad = has(used_prefix, '/') || has(used_prefix, '\0') || has(used_suffix, '/') ||
                        has(used_suffix, '\0');
  const bool too_long = used_prefix.size() + 8 + used_suffix.size() > 255;
  const std::string parent = expected_parent(dir, s);

  const auto before = tree_of(s.root);
  Result r;
  switch (which) {
    case 0:
      r = run([&] {
        const tempfile::MkstempResult made =
            tempfile::mkstemp({.suffix = suffix, .prefix = prefix, .dir = dir});
        ::close(made.fd);
        return made.path.native();
      });
      break;
    case 1:
      r = run([&] {
        return tempfile::mkdtemp({.suffix = suffix, .prefix = prefix, .dir = dir}).native();
      });
      break;
    case 2:
      r = run([&] {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
        return tempfile::mktemp({.suffix = f.suffix, .prefix = f.prefix, .dir = dir}).native();
#pragma GCC diagnostic pop
      });
      break;
    case 3:
      r = run([&] {
        tempfile::NamedTemporaryFile named({.suffix = suffix, .prefix = prefix, .dir = dir});
        return named.name().native();  // removed when `named` dies
      });
      break;
    case 4:
      r = run([&] {
        tempfile::TemporaryFile unnamed({.suffix = suffix, .prefix = prefix, .dir = dir});
        unnamed.write(std::string_view("x"));
        return std::string();
      });
      break;
    case 5:
      r = run([&] {
        tempfile::SpooledTemporaryFile spooled(
            {.max_size = 1, .suffix = suffix, .prefix = prefix, .dir = dir});
        spooled.write(std::string_view("xy"));  // past max_size: rolls over into dir
        return std::string();
      });
      break;
    case 6:
      r = run([&] {
        tempfile::TemporaryDirectory t({.suffix = suffix, .prefix = prefix, .dir = dir});
        return t.name().native();  // removed when `t` dies
      });
      break;
    case 7: {
      r = run([&] {
        tempfile::set_tempdir(dir);
        return std::string();
      });
      const std::optional<fs::path> now = tempfile::tempdir();
      if (r.outcome == Outcome::invalid_argument && now != s.box) {
        bug("a refused set_tempdir changed the directory");
      }
      tempfile::set_tempdir(s.box);
      break;
    }
    default: {
      const fs::path target(s.box.native() + "/victim" + tame(f.dir_tail));
      r = run([&] {
        tempfile::rmtree(target, (f.selector & 0x40U) != 0);
        return std::string();
      });
      const bool nul = has(target.native(), '\0');
      if (nul != (r.outcome == Outcome::invalid_argument)) {
        bug("rmtree: NUL and invalid_argument disagree");
      }
      if (nul && !fs::exists(s.box / "victim" / "kept")) {
        bug("rmtree with a NUL removed the victim");
      }
      s.restore();
      // Only victim/ may have changed (removed, then restored with new inodes).
      const std::string victim = s.box.native() + "/victim";
      const auto after = tree_of(s.root);
      for (const auto& [path, what] : after) {
        if (path.rfind(victim, 0) != 0 && before.find(path) == before.end()) {
          bug("rmtree created " + path);
        }
      }
      for (const auto& [path, what] : before) {
        const auto now = after.find(path);
        if (path.rfind(victim, 0) != 0 && (now == after.end() || now->second != what)) {
          bug("rmtree removed or replaced " + path);
        }
      }
      return 0;
    }
  }

  // Which answer the arguments call for. set_tempdir only checks for NUL.
  const bool checks_parts = which != 7;
  if (dir_has_nul || (checks_parts && part_bad)) {
    if (r.outcome != Outcome::invalid_argument) {
      bug("a NUL or '/' was not refused");
    }
  } else if (r.outcome == Outcome::invalid_argument) {
    bug("valid arguments refused");
  } else if (checks_parts && too_long) {
    if (r.outcome != Outcome::os_error || r.code != ENAMETOOLONG) {
      bug("an overlong name was not ENAMETOOLONG");
    }
  }
  if (r.outcome == Outcome::created && !r.path.empty()) {
    check_name(r, parent, used_prefix, used_suffix);
    if (which == 0 || which == 1) {
      std::error_code ec;
      fs::remove(r.path, ec);  // mkstemp and mkdtemp leave it to the caller
    }
  }
  const auto after = tree_of(s.root);
  if (after != before) {
    for (const auto& [path, what] : after) {
      if (before.find(path) == before.end()) {
        bug("left behind: " + path);
      }
    }
    bug("something was removed or replaced");
  }
  return 0;
}
