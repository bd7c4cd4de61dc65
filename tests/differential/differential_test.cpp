// Differential test of the file object against CPython: random operation sequences run through
// our TemporaryFile and through python3's tempfile.TemporaryFile (python_oracle.py), in every
// mode, newline setting and several encodings and buffer sizes, compared operation by operation,
// then the file's bytes and newlines. The same for our SpooledTemporaryFile (max_size 0, 16, 64)
// against python_oracle.py's model of it: CPython's io over a byte layer that switches from
// memory to a real file by our rollover rules, under one TextIOWrapper (docs/testing.md).
// TEMPFILE_DIFF_SEQUENCES (default 300 of each kind) and TEMPFILE_DIFF_SEED (default 20261123)
// choose the run; TEMPFILE_DIFF_REPLAY=<file> runs the sequences of a file instead. A failing
// sequence is minimized (ops removed, long writes halved, while python3 still disagrees) and
// printed with a python3 snippet that reproduces it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "support/scratch.hpp"
#include "tempfile/error.hpp"
#include "tempfile/spooled_temporary_file.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile {
namespace {

constexpr std::int64_t plain_limit = std::int64_t{1} << 62;

struct Config {
  std::string mode;
  int buffering = -1;
  std::string encoding;  // "-" in binary mode
  std::string newline;   // none, empty, lf, cr, crlf; "-" in binary mode
  // A SpooledTemporaryFile with this max_size; nullopt: a TemporaryFile.
  std::optional<std::int64_t> max_size{};
};

struct Sequence {
  Config config;
  std::vector<std::string> ops;
};

std::string hex(std::string_view data) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (const char c : data) {
    const auto byte = static_cast<unsigned char>(c);
    out += digits[byte >> 4U];
    out += digits[byte & 15U];
  }
  return out;
}

std::string unhex(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(text.substr(i, 2)), nullptr, 16));
  }
  return out;
}

std::optional<std::string> newline_value(const std::string& name) {
  if (name == "empty") {
    return std::string();
  }
  if (name == "lf") {
    return std::string("\n");
  }
  if (name == "cr") {
    return std::string("\r");
  }
  if (name == "crlf") {
    return std::string("\r\n");
  }
  return std::nullopt;
}

// C io's TextIOWrapper takes no snapshot while iterating (next(), readlines()) but keeps the
// old one; once flush() or truncate() turns tell() back on before the end of file, tell()
// starts from that stale snapshot, and textio.c's guess at a start point then decodes
// b2cratio * chars bytes from a shorter bytes object: it reads past its end and returns
// garbage (e.g. a position past the end of file). We bound the guess (text_file.cpp) and report
// "can't reconstruct logical file position". Reading out of bounds is not behaviour to match,
// so sequences never ask a text file for tell() (or seek(0, SEEK_CUR), which calls it) in that
// state: after an iteration and a flush or truncate, until a seek or write replaces the
// snapshot. (Right after the iteration, tell() is C io's plain error, and that is tested.)
class StaleSnapshotTracker {
 public:
  explicit StaleSnapshotTracker(bool binary) : binary_(binary) {}

  // Whether `op` would be such a tell(); otherwise notes what it does to the snapshot.
  bool tells_from_stale_snapshot(const std::string& op) {
    if (binary_) {
      return false;
    }
    if (op == "tell" || op.starts_with("seekcur")) {
      return iterated_ && told_again_;
    }
    if (op == "next" || op.starts_with("readlines")) {
      iterated_ = true;
      told_again_ = false;
    } else if (op == "flush" || op == "truncate") {
      told_again_ = iterated_;
    } else if (op.starts_with("seek") || op.starts_with("write")) {
      iterated_ = told_again_ = false;
    }
    return false;
  }

 private:
  bool binary_;
  bool iterated_ = false;
  bool told_again_ = false;
};

bool tells_from_stale_snapshot(const Sequence& sequence) {
  StaleSnapshotTracker tracker(sequence.config.mode.find('b') != std::string::npos);
  return std::any_of(sequence.ops.begin(), sequence.ops.end(),
                     [&](const std::string& op) { return tracker.tells_from_stale_snapshot(op); });
}

// Random sequences. A TemporaryFile generator (spooled = false) draws exactly as it always did,
// so a seed names the same TemporaryFile sequences as before the spooled ones were added; a
// spooled generator cycles max_size through 0, 16 and 64 and adds rollover, rolled and fileno.
class Generator {
 public:
  Generator(std::uint64_t seed, bool spooled) : random_(seed), spooled_(spooled) {}

  Sequence next() {
    Sequence sequence{pick_config(), {}};
    const bool binary = sequence.config.mode.find('b') != std::string::npos;
    const bool latin1 = sequence.config.encoding == "latin-1";
    const bool write_only_binary =
        binary && sequence.config.mode.find_first_of("r+") == std::string::npos;
    const int count = between(5, 40);
    int tells = 0;
    StaleSnapshotTracker tracker(binary);
    const auto add = [&](std::string op) {
      if (tracker.tells_from_stale_snapshot(op)) {
        op = "flush";
        static_cast<void>(tracker.tells_from_stale_snapshot(op));
      } else if (op == "tell") {
        ++tells;
      }
      sequence.ops.push_back(std::move(op));
    };
    for (int i = 0; i < count; ++i) {
      if (spooled_) {
        // Rollover ends the in-memory part of a sequence, so explicit ones stay rare.
        if (const int extra = between(0, 299); extra < 28) {
          add(extra < 2 ? "rollover" : extra < 4 ? "fileno" /* rolls over too */ : "rolled");
          continue;
        }
      }
      const int kind = between(0, 99);
      if (kind < 28) {
        add("write " + hex(piece(binary, latin1)));
      } else if (kind < 41) {
        add("read " + std::to_string(between(-1, 12)));
      } else if (kind < 52) {
        int limit = between(-1, 8);
        if (limit == 0 && write_only_binary) {
          // Known deviation, not drawn (reported; replay shows it): CPython's write-only binary
          // files answer readline(0) with b'' (IOBase.readline never reaches read() for limit
          // 0), where ours throw unsupported_operation as for any read.
          limit = 1;
        }
        add("readline " + std::to_string(limit));
      } else if (kind < 55) {
        add(between(0, 1) == 0 ? "readlines" : "readlines " + std::to_string(between(1, 12)));
      } else if (kind < 58) {
        add("next");  // iteration, which turns tell() off in text mode
      } else if (kind < 65) {
        add("seek0");
      } else if (kind < 68) {
        add("seekend");
      } else if (kind < 71) {
        // Text mode allows only seek(0, SEEK_CUR). A spooled binary file sometimes jumps past
        // its end (and past max_size), so that the next write leaves a gap, maybe rolling over.
        int offset = binary ? between(-4, 4) : 0;
        if (spooled_ && binary && between(0, 4) == 0) {
          offset = between(5, 70);
        }
        add("seekcur " + std::to_string(offset));
      } else if (kind < 80) {
        add("tell");
      } else if (kind < 87 && tells > 0) {
        add("seekcookie " + std::to_string(between(0, tells - 1)));
      } else if (kind < 91) {
        // Text truncate() without an argument truncates at the buffer's position (C io), also
        // after read-ahead; with one it takes a cookie, so it is not given one here. A spooled
        // file's sizes straddle max_size: truncate(n > max_size) rolls over first.
        if (binary) {
          const int most = spooled_ ? std::max(30, static_cast<int>(*max_size_) + 16) : 30;
          add("truncate " + std::to_string(between(0, most)));
        } else {
          if (between(0, 1) == 0) {
            add("seek0");
          }
          add("truncate");
        }
      } else if (kind < 94 && binary) {
        add("readinto " + std::to_string(between(0, 20)));
      } else {
        add("flush");
      }
    }
    return sequence;
  }

 private:
  int between(int low, int high) { return std::uniform_int_distribution<int>(low, high)(random_); }

  Config pick_config() {
    Config config = pick_mode_and_layers();
    if (spooled_) {
      static constexpr std::array<std::int64_t, 3> max_sizes = {0, 16, 64};
      max_size_ = max_sizes[spooled_count_++ % max_sizes.size()];
      config.max_size = max_size_;
    }
    return config;
  }

  Config pick_mode_and_layers() {
    static const std::array<const char*, 4> text_modes = {"w+", "r+", "a+", "x+"};
    static const std::array<const char*, 5> newlines = {"none", "empty", "lf", "cr", "crlf"};
    static const std::array<const char*, 3> encodings = {"utf-8", "latin-1", "utf-16"};
    // A spooled file obeys its mode in memory too (Python's does not): sometimes a read-only
    // or write-only one.
    const bool one_way = spooled_ && between(0, 7) == 0;
    if (between(0, 3) == 0) {
      static const std::array<const char*, 4> binary_modes = {"w+b", "r+b", "a+b", "x+b"};
      static const std::array<const char*, 4> one_way_binary_modes = {"wb", "rb", "ab", "xb"};
      static const std::array<int, 4> sizes = {-1, 0, 1, 16};
      const auto mode = static_cast<std::size_t>(between(0, 3));
      return {one_way ? one_way_binary_modes[mode] : binary_modes[mode],
              sizes[static_cast<std::size_t>(between(0, 3))], "-", "-"};
    }
    static const std::array<const char*, 4> one_way_text_modes = {"w", "r", "a", "x"};
    static const std::array<int, 3> sizes = {-1, 1, 16};
    const auto mode = static_cast<std::size_t>(between(0, 3));
    return {one_way ? one_way_text_modes[mode] : text_modes[mode],
            sizes[static_cast<std::size_t>(between(0, 2))],
            encodings[static_cast<std::size_t>(between(0, 2))],
            newlines[static_cast<std::size_t>(between(0, 4))]};
  }

  std::string piece(bool binary, bool latin1) {
    static const std::array<const char*, 14> utf8_pieces = {
        "a",    "bc",     "xyz",    "\n",         "\r",       "\r\n",   "\n\n",
        "ab\r", "\u00e9", "\u20ac", "\U0001F600", "\u039B\n", "\r\r\n", "line\n"};
    static const std::array<const char*, 11> latin1_pieces = {
        "a", "bc", "xyz", "\n", "\r", "\r\n", "\n\n", "ab\r", "\u00e9", "\u00ff\r", "line\n"};
    if (between(0, 19) == 0) {
      // A long run crosses the text layer's 8 KiB chunks, with line ends at random places.
      std::string run;
      const int length = between(100, 9000);
      for (int i = 0; i < length; ++i) {
        const int c = between(0, 40);
        run += c == 0 ? '\r' : c == 1 ? '\n' : static_cast<char>('a' + c % 26);
      }
      return run;
    }
    if (binary) {
      std::string bytes;
      const int length = between(1, 6);
      for (int i = 0; i < length; ++i) {
        const int c = between(0, 9);
        bytes += c < 2 ? '\n' : c < 3 ? '\r' : c < 4 ? '\0' : static_cast<char>(between(0, 255));
      }
      return bytes;
    }
    return latin1 ? latin1_pieces[static_cast<std::size_t>(between(0, 10))]
                  : utf8_pieces[static_cast<std::size_t>(between(0, 13))];
  }

  std::mt19937_64 random_;
  bool spooled_;
  std::optional<std::int64_t> max_size_{};
  std::size_t spooled_count_ = 0;
};

std::string cookie(std::int64_t value) {
  return value < plain_limit ? "P" + std::to_string(value) : "C";
}

// The same operations through our object, in the oracle's result format.
std::vector<std::string> run_ours(const Sequence& sequence) {
  const Config& config = sequence.config;
  const bool binary = config.mode.find('b') != std::string::npos;
  std::optional<TemporaryFile> plain;
  std::optional<SpooledTemporaryFile> spooled;
  if (config.max_size) {
    SpooledTemporaryFileOptions options{
        .max_size = *config.max_size, .mode = config.mode, .buffering = config.buffering};
    if (!binary) {
      options.encoding = config.encoding;
      options.newline = newline_value(config.newline);
    }
    spooled.emplace(options);
  } else {
    TemporaryFileOptions options{.mode = config.mode, .buffering = config.buffering};
    if (!binary) {
      options.encoding = config.encoding;
      options.newline = newline_value(config.newline);
    }
    plain.emplace(options);
  }
  File& f = spooled ? static_cast<File&>(*spooled) : *plain;
  std::vector<std::string> results;
  std::vector<std::int64_t> cookies;
  for (const std::string& op : sequence.ops) {
    const std::size_t space = op.find(' ');
    const std::string name = op.substr(0, space);
    const std::string arg = space == std::string::npos ? "" : op.substr(space + 1);
    std::string result;
    try {
      if (name == "write") {
        result = "n" + std::to_string(f.write(unhex(arg)));
      } else if (name == "read") {
        result = "d" + hex(f.read(std::stoll(arg)));
      } else if (name == "readline") {
        result = "d" + hex(f.readline(std::stoll(arg)));
      } else if (name == "readlines") {
        result = "l";
        const auto lines = f.readlines(arg.empty() ? -1 : std::stoll(arg));
        for (std::size_t i = 0; i < lines.size(); ++i) {
          result += (i > 0 ? "," : "") + hex(lines[i]);
        }
      } else if (name == "next") {
        const LineIterator line = f.begin();  // one step of Python's iteration: next(f, '')
        result = "d" + hex(line == std::default_sentinel ? std::string() : *line);
      } else if (name == "readinto") {
        std::vector<std::byte> into(std::stoul(arg));
        const std::size_t got = f.readinto(into);
        result = "d" + hex(std::string_view(reinterpret_cast<const char*>(into.data()), got));
      } else if (name == "seekcur") {
        result = cookie(f.seek(std::stoll(arg), SEEK_CUR));
      } else if (name == "seek0") {
        result = cookie(f.seek(0));
      } else if (name == "seekend") {
        result = cookie(f.seek(0, SEEK_END));
      } else if (name == "tell") {
        cookies.push_back(0);  // stays 0 if tell() throws, as on the Python side
        cookies.back() = f.tell();
        result = cookie(cookies.back());
      } else if (name == "seekcookie") {
        result = cookie(f.seek(cookies.at(std::stoul(arg))));
      } else if (name == "truncate") {
        result = "n" + std::to_string(arg.empty() ? f.truncate() : f.truncate(std::stoll(arg)));
      } else if (name == "flush") {
        f.flush();
        result = "ok";
      } else if (name == "rollover") {
        spooled.value().rollover();
        result = "ok";
      } else if (name == "rolled") {
        result = spooled.value().rolled() ? "r1" : "r0";
      } else if (name == "fileno") {
        static_cast<void>(f.fileno());
        result = "ok";
      } else {
        result = "error:unknown operation";
      }
    } catch (const unicode_error&) {
      result = "error:UnicodeError";
    } catch (const unsupported_operation&) {
      result = "error:UnsupportedOperation";
    } catch (const closed_file_error&) {
      result = "error:ValueError";
    } catch (const std::invalid_argument&) {
      result = "error:ValueError";
    } catch (const std::system_error&) {
      result = "error:OSError";
    } catch (const std::exception& unexpected) {
      result = std::string("error:unexpected:") + unexpected.what();
    }
    results.push_back(result);
  }
  f.flush();
  if (spooled) {
    results.emplace_back(spooled->rolled() ? "rolled r1" : "rolled r0");
  }
  std::string content;  // (fileno() rolls a spooled file over)
  std::array<char, 65536> buffer{};
  for (off_t offset = 0;;) {
    const ssize_t got = ::pread(f.fileno(), buffer.data(), buffer.size(), offset);
    if (got <= 0) {
      break;
    }
    content.append(buffer.data(), static_cast<std::size_t>(got));
    offset += got;
  }
  results.push_back("content " + hex(content));
  std::string seen = "newlines ";
  const auto newlines = f.newlines();
  for (std::size_t i = 0; i < newlines.size(); ++i) {
    seen += (i > 0 ? "," : "") + hex(newlines[i]);
  }
  results.push_back(seen);
  f.close();
  return results;
}

std::string describe(const Sequence& sequence) {
  std::ostringstream out;
  const Config& c = sequence.config;
  out << "SEQ " << c.mode << ' ' << c.buffering << ' ' << c.encoding << ' ' << c.newline;
  if (c.max_size) {
    out << ' ' << *c.max_size;
  }
  out << '\n';
  for (const auto& op : sequence.ops) {
    out << op << '\n';
  }
  return out.str();
}

// A Python literal for a payload: text (UTF-8) as a str, or bytes; long runs are shortened.
std::string python_literal(std::string_view data, bool binary) {
  std::string out = binary ? "b'" : "'";
  for (std::size_t i = 0; i < data.size();) {
    const auto byte = static_cast<unsigned char>(data[i]);
    std::uint32_t code = byte;
    std::size_t length = 1;
    if (!binary && byte >= 0x80U) {
      length = byte >= 0xF0U ? 4 : byte >= 0xE0U ? 3 : 2;
      code = byte & (0x3FU >> (length - 1));
      for (std::size_t k = 1; k < length && i + k < data.size(); ++k) {
        code = (code << 6U) | (static_cast<unsigned char>(data[i + k]) & 0x3FU);
      }
    }
    i += length;
    char escaped[16];
    if (code == '\\' || code == '\'') {
      out += '\\';
      out += static_cast<char>(code);
    } else if (code == '\n') {
      out += "\\n";
    } else if (code == '\r') {
      out += "\\r";
    } else if (code >= 0x20U && code < 0x7FU) {
      out += static_cast<char>(code);
    } else {
      static_cast<void>(std::snprintf(escaped, sizeof escaped,
                                      code < 0x100U     ? "\\x%02x"
                                      : code < 0x10000U ? "\\u%04x"
                                                        : "\\U%08x",
                                      code));
      out += escaped;
    }
  }
  return out + "'";
}

// The sequence as a python3 script, to reproduce a difference by hand.
std::string python_snippet(const Sequence& sequence) {
  const Config& c = sequence.config;
  const bool binary = c.mode.find('b') != std::string::npos;
  std::ostringstream out;
  const auto newline = newline_value(c.newline);
  const std::string newline_literal = newline ? python_literal(*newline, false) : "None";
  out << "import io, os, tempfile\n";
  if (c.max_size) {
    // python_oracle.py's model of our SpooledTemporaryFile; f is the file, s its byte layer.
    out << "import sys; sys.dont_write_bytecode = True; sys.path.insert(0, '"
        << std::filesystem::path(TEMPFILE_ORACLE).parent_path().string()
        << "'); from python_oracle import open_spooled\n"
        << "f, s = open_spooled('" << c.mode << "', " << c.buffering << ", "
        << (binary ? "None" : "'" + c.encoding + "'") << ", " << newline_literal << ", "
        << *c.max_size << ")\n";
  } else if (c.buffering == -1 || c.buffering == 1) {
    // As python_oracle.py: open()'s stack with our 8 KiB default buffer, not st_blksize.
    std::string raw_mode = c.mode;
    std::erase(raw_mode, 'b');
    out << "f = io.BufferedRandom(tempfile.TemporaryFile(mode='" << raw_mode
        << "b', buffering=0), 8192)\n";
    if (!binary) {
      out << "f = io.TextIOWrapper(f, '" << c.encoding << "', None, " << newline_literal << ", "
          << (c.buffering == 1 ? "True" : "False") << ")\n";
    }
  } else {
    out << "f = tempfile.TemporaryFile(mode='" << c.mode << "', buffering=" << c.buffering;
    if (!binary) {
      out << ", encoding='" << c.encoding << "', newline=" << newline_literal;
    }
    out << ")\n";
  }
  out << "c = []\n";
  for (const std::string& op : sequence.ops) {
    const std::size_t space = op.find(' ');
    const std::string name = op.substr(0, space);
    const std::string arg = space == std::string::npos ? "" : op.substr(space + 1);
    if (name == "write" && c.max_size && *c.max_size > 0 && !binary) {
      // Our spooled text write flushes the text layer while the file is still in memory.
      out << "w = not s.rolled; print(f.write(" << python_literal(unhex(arg), binary)
          << ")); w and f.flush()\n";
    } else if (name == "write") {
      out << "print(f.write(" << python_literal(unhex(arg), binary) << "))\n";
    } else if (name == "rollover") {
      out << "s.rollover()\n";
    } else if (name == "rolled") {
      out << "print(s.rolled)\n";
    } else if (name == "read" || name == "readline") {
      out << "print(repr(f." << name << "(" << arg << ")))\n";
    } else if (name == "readlines") {
      out << "print(f.readlines(" << arg << "))\n";
    } else if (name == "next") {
      out << "print(repr(next(f, " << (binary ? "b''" : "''") << ")))\n";
    } else if (name == "readinto") {
      out << "b = bytearray(" << arg << "); print(bytes(b[:f.readinto(b)]))\n";
    } else if (name == "seekcur") {
      out << "print(f.seek(" << arg << ", os.SEEK_CUR))\n";
    } else if (name == "seek0") {
      out << "print(f.seek(0))\n";
    } else if (name == "seekend") {
      out << "print(f.seek(0, os.SEEK_END))\n";
    } else if (name == "tell") {
      out << "c.append(f.tell()); print(c[-1])\n";
    } else if (name == "seekcookie") {
      out << "print(f.seek(c[" << arg << "]))\n";
    } else if (name == "truncate") {
      out << "print(f.truncate(" << arg << "))\n";
    } else {
      out << "f." << name << "()\n";
    }
  }
  out << "f.flush(); " << (c.max_size ? "print(s.rolled); " : "")
      << "print(os.pread(f.fileno(), 1 << 20, 0))";
  if (!binary) {
    out << "; print(repr(f.newlines))";
  }
  return out.str() + "\n";
}

// Where two results first differ, with a window of context when they are long (file contents).
std::string show_difference(const std::string& ours, const std::string& theirs) {
  constexpr std::size_t shown = 160;
  if (ours.size() <= shown && theirs.size() <= shown) {
    return "\n  ours:   " + ours + "\n  python: " + theirs;
  }
  const auto [at, unused] = std::mismatch(ours.begin(), ours.end(), theirs.begin(), theirs.end());
  const auto offset = static_cast<std::size_t>(at - ours.begin());
  const std::size_t from = offset > shown / 2 ? offset - shown / 2 : 0;
  return " (from character " + std::to_string(from) + " of " + std::to_string(ours.size()) + " / " +
         std::to_string(theirs.size()) + ")\n  ours:   " + ours.substr(from, shown) +
         "\n  python: " + theirs.substr(from, shown);
}

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): single-threaded test
  return value != nullptr ? std::stoull(value) : fallback;
}

// python_oracle.py over a batch of sequences, through files in a directory (the scratch dir).
class Oracle {
 public:
  explicit Oracle(const std::filesystem::path& dir)
      : script_(dir / "script.txt"), output_(dir / "python.txt") {}
  Oracle(const Oracle&) = delete;
  Oracle& operator=(const Oracle&) = delete;
  ~Oracle() {
    std::error_code ignored;
    std::filesystem::remove(script_, ignored);
    std::filesystem::remove(output_, ignored);
  }

  // One results list per sequence; empty when python3 failed (the test then fails).
  std::vector<std::vector<std::string>> run(const std::vector<Sequence>& sequences) {
    {
      std::ofstream script(script_);
      for (const Sequence& sequence : sequences) {
        script << describe(sequence) << "END\n";
      }
    }
    const std::string command =
        "python3 '" TEMPFILE_ORACLE "' '" + script_.string() + "' > '" + output_.string() + "'";
    // NOLINTNEXTLINE(cert-env33-c,concurrency-mt-unsafe): a fixed command, one thread
    if (std::system(command.c_str()) != 0) {
      ADD_FAILURE() << "failed: " << command;
      return {};
    }
    std::ifstream python(output_);
    std::vector<std::vector<std::string>> results(sequences.size());
    for (auto& theirs : results) {
      for (std::string line; std::getline(python, line) && line != "ENDSEQ";) {
        theirs.push_back(line);
      }
    }
    return results;
  }

 private:
  std::filesystem::path script_;
  std::filesystem::path output_;
};

// The first step (operation, or end state after the operations) where the results differ.
std::optional<std::size_t> first_difference(const std::vector<std::string>& ours,
                                            const std::vector<std::string>& theirs) {
  for (std::size_t i = 0; i < std::max(ours.size(), theirs.size()); ++i) {
    if (i >= ours.size() || i >= theirs.size() || ours[i] != theirs[i]) {
      return i;
    }
  }
  return std::nullopt;
}

// `sequence` without its operation `index`; a removed tell renumbers the seekcookie operations
// after it, and those that used it go too.
Sequence without_op(const Sequence& sequence, std::size_t index) {
  Sequence smaller{sequence.config, {}};
  const bool removes_tell = sequence.ops[index] == "tell";
  int tells_before = 0;
  for (std::size_t i = 0; i < index; ++i) {
    tells_before += sequence.ops[i] == "tell" ? 1 : 0;
  }
  for (std::size_t i = 0; i < sequence.ops.size(); ++i) {
    if (i == index) {
      continue;
    }
    const std::string& op = sequence.ops[i];
    if (removes_tell && i > index && op.starts_with("seekcookie ")) {
      const int used = std::stoi(op.substr(11));
      if (used == tells_before) {
        continue;
      }
      if (used > tells_before) {
        smaller.ops.push_back("seekcookie " + std::to_string(used - 1));
        continue;
      }
    }
    smaller.ops.push_back(op);
  }
  return smaller;
}

// Halves of a write's payload (cut at a character boundary in text mode); none if it is short.
std::vector<std::string> halves(const std::string& payload, bool binary) {
  if (payload.size() < 2) {
    return {};
  }
  std::size_t middle = payload.size() / 2;
  while (!binary && middle > 0 && (static_cast<unsigned char>(payload[middle]) & 0xC0U) == 0x80U) {
    --middle;
  }
  if (middle == 0) {
    return {};
  }
  return {payload.substr(0, middle), payload.substr(middle)};
}

// Smaller sequences to try, the biggest cuts first; none that the generator would not make.
std::vector<Sequence> smaller_variants(const Sequence& sequence) {
  std::vector<Sequence> variants;
  for (std::size_t i = 0; i < sequence.ops.size(); ++i) {
    if (Sequence variant = without_op(sequence, i); !tells_from_stale_snapshot(variant)) {
      variants.push_back(std::move(variant));
    }
  }
  const bool binary = sequence.config.mode.find('b') != std::string::npos;
  for (std::size_t i = 0; i < sequence.ops.size(); ++i) {
    if (!sequence.ops[i].starts_with("write ")) {
      continue;
    }
    for (const std::string& half : halves(unhex(sequence.ops[i].substr(6)), binary)) {
      variants.push_back(sequence);
      variants.back().ops[i] = "write " + hex(half);
    }
  }
  return variants;
}

// Greedy minimization: take the first smaller variant that still differs from python3, until
// none does. Each round runs python3 once on all the variants.
Sequence minimize(Sequence failing, Oracle& oracle) {
  for (;;) {
    const std::vector<Sequence> variants = smaller_variants(failing);
    if (variants.empty()) {
      return failing;
    }
    const auto theirs = oracle.run(variants);
    if (theirs.size() != variants.size()) {
      return failing;
    }
    bool smaller = false;
    for (std::size_t i = 0; i < variants.size() && !smaller; ++i) {
      if (first_difference(run_ours(variants[i]), theirs[i])) {
        failing = variants[i];
        smaller = true;
      }
    }
    if (!smaller) {
      return failing;
    }
  }
}

// The report for one failing sequence: its first difference, minimized.
std::string report(const Sequence& minimized, Oracle& oracle) {
  const std::vector<std::string> ours = run_ours(minimized);
  const auto theirs = oracle.run({minimized});
  std::ostringstream out;
  if (theirs.size() != 1) {
    return "python3 failed on the minimized sequence\n" + describe(minimized);
  }
  const auto step = first_difference(ours, theirs[0]);
  if (!step) {
    return "(the minimized sequence matches: the difference depends on earlier sequences)\n" +
           describe(minimized);
  }
  const std::string where = *step < minimized.ops.size() ? minimized.ops[*step] : "(end state)";
  const std::string mine = *step < ours.size() ? ours[*step] : "(nothing)";
  const std::string python = *step < theirs[0].size() ? theirs[0][*step] : "(nothing)";
  out << "minimized: first difference at step " << *step << " [" << where << "]"
      << show_difference(mine, python) << '\n'
      << describe(minimized) << "python3:\n"
      << python_snippet(minimized);
  return out.str();
}

// Sequences in the oracle's script format (as describe() prints them, each ended by "END");
// lines starting with '#' are comments.
std::vector<Sequence> read_script(const std::string& path) {
  std::ifstream in(path);
  std::vector<Sequence> sequences;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with('#')) {
      continue;
    }
    if (line.starts_with("SEQ ")) {
      std::istringstream header(line.substr(4));
      Config config;
      header >> config.mode >> config.buffering >> config.encoding >> config.newline;
      if (std::int64_t max_size = 0; header >> max_size) {
        config.max_size = max_size;
      }
      sequences.push_back({config, {}});
    } else if (!line.empty() && line != "END" && !sequences.empty()) {
      sequences.back().ops.push_back(line);
    }
  }
  return sequences;
}

// Every step of a sequence, ours beside python3's (for replayed sequences).
std::string side_by_side(const Sequence& sequence, const std::vector<std::string>& ours,
                         const std::vector<std::string>& theirs) {
  std::ostringstream out;
  for (std::size_t i = 0; i < std::max(ours.size(), theirs.size()); ++i) {
    const std::string mine = i < ours.size() ? ours[i] : "(nothing)";
    const std::string python = i < theirs.size() ? theirs[i] : "(nothing)";
    out << (mine == python ? "   " : "!! ")
        << (i < sequence.ops.size() ? sequence.ops[i].substr(0, 40) : "(end state)") << ": "
        << show_difference(mine, python) << '\n';
  }
  return out.str();
}

class DifferentialTest : public test::ScratchTest {
 protected:
  // Runs `count` generated sequences of one kind (TemporaryFile, or SpooledTemporaryFile
  // against the model), or under TEMPFILE_DIFF_REPLAY=<file> the file's sequences of that kind
  // (e.g. a minimized one pasted from a report), showing every step of those that differ.
  void check_sequences(bool spooled, const char* script = nullptr) {
    const std::uint64_t count = env_number("TEMPFILE_DIFF_SEQUENCES", 300);
    const std::uint64_t seed = env_number("TEMPFILE_DIFF_SEED", 20261123);
    // NOLINTNEXTLINE(concurrency-mt-unsafe): single-threaded test
    const char* replay = script != nullptr ? script : std::getenv("TEMPFILE_DIFF_REPLAY");
    std::vector<Sequence> sequences;
    if (replay != nullptr) {
      for (Sequence& sequence : read_script(replay)) {
        if (sequence.config.max_size.has_value() == spooled) {
          sequences.push_back(std::move(sequence));
        }
      }
    } else {
      // The spooled sequences of a seed come from a stream of their own.
      Generator generator(spooled ? seed ^ spooled_stream : seed, spooled);
      for (std::uint64_t i = 0; i < count; ++i) {
        sequences.push_back(generator.next());
      }
    }
    Oracle oracle(scratch());
    const auto python = oracle.run(sequences);
    ASSERT_EQ(python.size(), sequences.size());
    int mismatched = 0;
    for (std::size_t index = 0; index < sequences.size(); ++index) {
      const Sequence& sequence = sequences[index];
      const std::vector<std::string> ours = run_ours(sequence);
      const auto step = first_difference(ours, python[index]);
      if (!step) {
        continue;
      }
      ++mismatched;
      if (replay != nullptr) {
        ADD_FAILURE() << "replayed sequence #" << index << '\n'
                      << describe(sequence) << side_by_side(sequence, ours, python[index])
                      << "python3:\n"
                      << python_snippet(sequence);
        continue;
      }
      const Config& c = sequence.config;
      const std::string where = *step < sequence.ops.size() ? sequence.ops[*step] : "(end state)";
      ADD_FAILURE() << (spooled ? "spooled " : "") << "sequence #" << index << " of seed " << seed
                    << " differs first at step " << *step << " [" << where << "] of "
                    << sequence.ops.size() << " (" << c.mode << ' ' << c.buffering << ' '
                    << c.encoding << ' ' << c.newline
                    << (c.max_size ? " max_size " + std::to_string(*c.max_size) : "") << ")\n"
                    << report(minimize(sequence, oracle), oracle);
      if (mismatched >= 5) {
        break;  // enough to debug; the rest tend to repeat the same causes
      }
    }
  }

 private:
  static constexpr std::uint64_t spooled_stream = 0x9E3779B97F4A7C15U;
};

TEST_F(DifferentialTest, RandomSequencesMatchCPython) {
  check_sequences(false);
}

// SpooledTemporaryFile against python_oracle.py's model of it (and, for "w+b" sequences as far
// as the semantics coincide, the oracle also checks the model against the real
// tempfile.SpooledTemporaryFile).
TEST_F(DifferentialTest, SpooledSequencesMatchModel) {
  check_sequences(true);
}

// Minimized disagreements that long runs once found, fixed since (regressions.txt, each with
// what was wrong): they must keep agreeing.
TEST_F(DifferentialTest, FoundDisagreementsStayFixed) {
  const std::string script =
      (std::filesystem::path(TEMPFILE_ORACLE).parent_path() / "regressions.txt").string();
  check_sequences(false, script.c_str());
  check_sequences(true, script.c_str());
}

}  // namespace
}  // namespace tempfile
