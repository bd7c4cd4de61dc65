#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Generates src/io/unicode_names.cpp, the character names the namereplace error handler writes.

What: unicodedata.name(c) for every code point 0..0x10FFFF, as data for append_unicode_name()
(declared in src/io/unicode_names.hpp):
  * the algorithmic names, probed: every maximal run of code points whose name is PREFIX-XXXX
    (XXXX the code point in hex) for one of the prefixes CPython computes, becomes a range
    (first, last, prefix); HANGUL SYLLABLE names are built from the L/V/T jamo short names of
    the Unicode standard (chapter 3.12), checked here against all 11,172 syllables. CPython
    3.11 names no TANGUT IDEOGRAPH (its unicodedata leaves U+17000..U+187F7 nameless), so
    none is generated: what the probe finds is what is kept.
  * every other name (the explicit ones), compressed by a word dictionary: a name is split at
    spaces and hyphens into words; words are numbered by falling frequency (the 204 most common
    take one byte, the rest two); a name is its word codes with separator codes where the
    separator is not a single space, ended by a 0 byte. Names are stored in code point order;
    a name's ordinal is found through a per-256-block bitmap of named code points (with the
    ordinal of the block's first name), and its bytes through the offset of every 32nd name.
  * CPython's namereplace quirk: it asks unicodedata for names with aliases and named
    sequences allowed, which CPython keeps at private-use code points U+F0000.. (aliases from
    U+F0000, named sequences from U+F0200), so there chr(0xF0001).encode('ascii',
    'namereplace') is b'\\N{NUL}' although unicodedata.name(chr(0xF0001), None) is None.
    Probed by encoding every code point with namereplace; these names join the explicit ones,
    and the range they lie in is recorded so that append_unicode_name() leaves it nameless.
From: only the local python3's unicodedata and its namereplace handler; nothing is copied
from elsewhere. The Unicode version (unicodedata.unidata_version) is recorded in the output.
How to rerun (deterministic; a few seconds):
    python3 scripts/codecs/generate_unicode_names.py     # writes src/io/unicode_names.cpp
    clang-format -i src/io/unicode_names.cpp
tests/io/unicode_names_test.cpp proves the result against python3 for every code point, so a
regeneration under another CPython shows up there.
"""

import collections
import os
import re
import sys
import unicodedata

MAX_CP = 0x110000
# The names CPython's unicodedata computes rather than stores (probed below: only the runs
# found are generated).
ALGORITHMIC_PREFIXES = [
    "CJK UNIFIED IDEOGRAPH-",
    "CJK COMPATIBILITY IDEOGRAPH-",
    "TANGUT IDEOGRAPH-",
    "KHITAN SMALL SCRIPT CHARACTER-",
    "NUSHU CHARACTER-",
]
HANGUL_PREFIX = "HANGUL SYLLABLE "
HANGUL_FIRST, HANGUL_COUNT = 0xAC00, 11172
JAMO_L = ["G", "GG", "N", "D", "DD", "R", "M", "B", "BB", "S", "SS", "", "J", "JJ", "C", "K",
          "T", "P", "H"]
JAMO_V = ["A", "AE", "YA", "YAE", "EO", "E", "YEO", "YE", "O", "WA", "WAE", "OE", "YO", "U",
          "WEO", "WE", "WI", "YU", "EU", "YI", "I"]
JAMO_T = ["", "G", "GG", "GS", "N", "NJ", "NH", "D", "L", "LG", "LM", "LB", "LS", "LT", "LP",
          "LH", "M", "B", "BS", "S", "SS", "NG", "J", "C", "K", "T", "P", "H"]

# Name byte codes: 0 ends a name; 1..3 are the separators other than the default single space
# before the next word; one-byte words follow; two-byte words start at TWO_BYTE_LEAD.
END = 0
SEPARATORS = ["-", " -", "- "]
FIRST_WORD = 1 + len(SEPARATORS)
TWO_BYTE_LEAD = 0xD0
GROUP = 32  # every GROUP-th name's offset is stored


def hangul_name(cp):
    index = cp - HANGUL_FIRST
    t = index % len(JAMO_T)
    v = (index // len(JAMO_T)) % len(JAMO_V)
    ll = index // (len(JAMO_T) * len(JAMO_V))
    return HANGUL_PREFIX + JAMO_L[ll] + JAMO_V[v] + JAMO_T[t]


def probe():
    names = {}
    for cp in range(MAX_CP):
        name = unicodedata.name(chr(cp), None)
        if name is not None:
            names[cp] = name
    ranges = []  # [first, last, prefix index]
    explicit = {}
    for cp, name in sorted(names.items()):
        if HANGUL_FIRST <= cp < HANGUL_FIRST + HANGUL_COUNT:
            assert name == hangul_name(cp), (hex(cp), name)
            continue
        assert not name.startswith(HANGUL_PREFIX), (hex(cp), name)
        kind = next((k for k, p in enumerate(ALGORITHMIC_PREFIXES)
                     if name == "%s%04X" % (p, cp)), None)
        if kind is None:
            explicit[cp] = name
        elif ranges and ranges[-1][2] == kind and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp, kind])
    for cp in range(HANGUL_FIRST, HANGUL_FIRST + HANGUL_COUNT):
        assert names.get(cp) == hangul_name(cp), hex(cp)
    # What namereplace writes where unicodedata has no name (see the top).
    quirks = {}
    for cp in range(0x80, MAX_CP):
        written = chr(cp).encode("ascii", "namereplace")
        if written.startswith(b"\\N{"):
            name = written[3:-1].decode("ascii")
            if names.get(cp) != name:
                assert cp not in names, (hex(cp), name)
                quirks[cp] = name
        else:
            assert cp not in names, hex(cp)
    return names, ranges, explicit, quirks


def split_name(name):
    words = re.split(r"[ -]+", name)
    separators = re.findall(r"[ -]+", name)
    assert all(words) and all(s == " " or s in SEPARATORS for s in separators), name
    return words, separators


def compress(explicit):
    counts = collections.Counter()
    for name in explicit.values():
        counts.update(split_name(name)[0])
    # Most frequent first; ties by the word, so the output is deterministic.
    words = sorted(counts, key=lambda w: (-counts[w], w))
    one_byte = TWO_BYTE_LEAD - FIRST_WORD
    assert len(words) - one_byte <= (0x100 - TWO_BYTE_LEAD) * 0x100, len(words)
    code = {}
    for i, word in enumerate(words):
        if i < one_byte:
            code[word] = [FIRST_WORD + i]
        else:
            rest = i - one_byte
            code[word] = [TWO_BYTE_LEAD + rest // 0x100, rest % 0x100]
    data = []
    group_offsets = []
    for ordinal, cp in enumerate(sorted(explicit)):
        if ordinal % GROUP == 0:
            group_offsets.append(len(data))
        words_of, separators = split_name(explicit[cp])
        for k, word in enumerate(words_of):
            if k > 0 and separators[k - 1] != " ":
                data.append(1 + SEPARATORS.index(separators[k - 1]))
            data.extend(code[word])
        data.append(END)
    word_chars = "".join(words)
    word_offsets = [0]
    for word in words:
        word_offsets.append(word_offsets[-1] + len(word))
    assert word_offsets[-1] < 0x10000
    return words, word_chars, word_offsets, data, group_offsets


def block_index(explicit):
    last_block = max(explicit) >> 8
    blocks = []  # (first ordinal, bitmap of 8 uint32)
    block_of = []  # per block up to last_block: 1 + index into blocks, or 0
    ordinal = 0
    for b in range(last_block + 1):
        bits = [0] * 8
        first = ordinal
        for low in range(256):
            if (b << 8 | low) in explicit:
                bits[low >> 5] |= 1 << (low & 31)
                ordinal += 1
        if any(bits):
            blocks.append((first, bits))
            block_of.append(len(blocks))
        else:
            block_of.append(0)
    return block_of, blocks


def array(f, ctype, name, values, fmt="%d"):
    f.write("constexpr %s %s[] = {\n" % (ctype, name))
    f.write(", ".join(fmt % v for v in values))
    f.write("};\n\n")


LOOKUP = r"""
// The ordinal of `code_point` among the code points with a stored name, or -1.
std::int32_t explicit_ordinal(char32_t code_point) {
  const std::uint32_t block = code_point >> 8U;
  if (block >= std::size(block_of) || block_of[block] == 0) {
    return -1;
  }
  const std::uint32_t* bits = block_bits[block_of[block] - 1];
  const std::uint32_t low = code_point & 0xFFU;
  const std::uint32_t mask = std::uint32_t{1} << (low & 31U);
  if ((bits[low >> 5U] & mask) == 0) {
    return -1;
  }
  auto ordinal = static_cast<std::int32_t>(block_first[block_of[block] - 1]);
  for (std::uint32_t k = 0; k < (low >> 5U); ++k) {
    ordinal += std::popcount(bits[k]);
  }
  return ordinal + std::popcount(bits[low >> 5U] & (mask - 1U));
}

std::size_t code_length(unsigned char code) {
  return code >= two_byte_lead ? 2 : 1;
}

void append_explicit_name(std::int32_t ordinal, std::string& out) {
  const auto index = static_cast<std::size_t>(ordinal);
  std::size_t at = group_offsets[index / name_group];
  // Skip the names before ours in its group: each ends with a 0 byte.
  for (std::size_t skip = index % name_group; skip > 0; at += code_length(name_data[at])) {
    if (name_data[at] == 0) {
      --skip;
    }
  }
  std::string_view separator;
  bool first = true;
  for (; name_data[at] != 0; at += code_length(name_data[at])) {
    const unsigned char code = name_data[at];
    if (code < first_word) {
      separator = separators[code - 1];
      continue;
    }
    std::size_t word = code - first_word;
    if (code >= two_byte_lead) {
      word = (two_byte_lead - first_word) + (std::size_t{code} - two_byte_lead) * 0x100U +
             name_data[at + 1];
    }
    out += first ? std::string_view() : separator;
    out.append(word_chars + word_offsets[word], word_chars + word_offsets[word + 1]);
    separator = " ";
    first = false;
  }
}

void append_hex(std::string& out, char32_t code_point) {
  constexpr std::string_view digits = "0123456789ABCDEF";
  const int width = code_point > 0xFFFF ? 5 : 4;
  for (int k = width - 1; k >= 0; --k) {
    out += digits[(code_point >> (4U * static_cast<unsigned>(k))) & 0xFU];
  }
}

}  // namespace

bool append_unicode_name(char32_t code_point, std::string& out) {
  if (code_point >= quirk_first && code_point <= quirk_last) {
    return false;
  }
  return append_namereplace_name(code_point, out);
}

bool append_namereplace_name(char32_t code_point, std::string& out) {
  if (code_point >= hangul_first && code_point < hangul_first + hangul_count) {
    // The Unicode standard, section 3.12: the syllable is L*V_count*T_count + V*T_count + T
    // after hangul_first.
    const std::uint32_t index = code_point - hangul_first;
    const std::uint32_t t_count = std::size(jamo_t);
    const std::uint32_t v_count = std::size(jamo_v);
    out += "HANGUL SYLLABLE ";
    out += jamo_l[index / (v_count * t_count)];
    out += jamo_v[(index / t_count) % v_count];
    out += jamo_t[index % t_count];
    return true;
  }
  for (const Range& range : ranges) {
    if (code_point >= range.first && code_point <= range.last) {
      out += prefixes[range.prefix];
      append_hex(out, code_point);
      return true;
    }
  }
  const std::int32_t ordinal = explicit_ordinal(code_point);
  if (ordinal < 0) {
    return false;
  }
  append_explicit_name(ordinal, out);
  return true;
}

}  // namespace tempfile::io::detail
"""


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = os.path.join(root, "src", "io", "unicode_names.cpp")
    names, ranges, explicit, quirks = probe()
    quirk_first, quirk_last = min(quirks), max(quirks)
    assert not any(quirk_first <= cp <= quirk_last for cp in names)
    stored = dict(explicit)
    stored.update(quirks)
    words, word_chars, word_offsets, data, group_offsets = compress(stored)
    block_of, blocks = block_index(stored)
    algorithmic = sum(last - first + 1 for first, last, _ in ranges) + HANGUL_COUNT
    assert algorithmic + len(explicit) == len(names)
    version = sys.version.split()[0]
    with open(path, "w") as f:
        f.write("// The Unicode character names (unicodedata.name) that namereplace writes; "
                "see unicode_names.hpp.\n")
        f.write("// Generated by scripts/codecs/generate_unicode_names.py from python3 %s "
                "(Unicode %s); do not edit.\n" % (version, unicodedata.unidata_version))
        f.write("#include \"io/unicode_names.hpp\"\n\n")
        f.write("#include <bit>\n#include <cstddef>\n#include <cstdint>\n#include <iterator>\n"
                "#include <string_view>\n\n")
        f.write("namespace tempfile::io::detail {\nnamespace {\n\n")
        f.write("// NOLINTBEGIN\n")
        f.write("// Unicode %s: %d names, %d of them explicit, %d computed; %d namereplace "
                "quirks.\n\n" % (unicodedata.unidata_version, len(names), len(explicit),
                                  algorithmic, len(quirks)))
        # Only the prefixes the probe found (CPython 3.11 computes no TANGUT IDEOGRAPH name).
        used = sorted({kind for _, _, kind in ranges})
        f.write("constexpr std::string_view prefixes[] = {%s};\n\n"
                % ", ".join('"%s"' % ALGORITHMIC_PREFIXES[k] for k in used))
        f.write("struct Range {\n  char32_t first;\n  char32_t last;\n  unsigned char prefix;\n"
                "};\n\n")
        f.write("constexpr Range ranges[] = {\n%s};\n\n" % "".join(
            "    {0x%X, 0x%X, %d},\n" % (first, last, used.index(kind))
            for first, last, kind in ranges))
        f.write("// namereplace's alias and named-sequence names (%d), where unicodedata.name has "
                "none.\nconstexpr char32_t quirk_first = 0x%X;\nconstexpr char32_t quirk_last = "
                "0x%X;\n\n" % (len(quirks), quirk_first, quirk_last))
        f.write("constexpr char32_t hangul_first = 0x%X;\nconstexpr char32_t hangul_count = %d;\n"
                % (HANGUL_FIRST, HANGUL_COUNT))
        for label, jamo in (("l", JAMO_L), ("v", JAMO_V), ("t", JAMO_T)):
            f.write("constexpr std::string_view jamo_%s[] = {%s};\n"
                    % (label, ", ".join('"%s"' % j for j in jamo)))
        f.write("\n// Name bytes: 0 ends a name, 1..%d the separators below, then word codes "
                "(two bytes from two_byte_lead).\n" % len(SEPARATORS))
        f.write("constexpr std::string_view separators[] = {%s};\n"
                % ", ".join('"%s"' % s for s in SEPARATORS))
        f.write("constexpr unsigned char first_word = %d;\n" % FIRST_WORD)
        f.write("constexpr unsigned char two_byte_lead = 0x%X;\n" % TWO_BYTE_LEAD)
        f.write("constexpr std::size_t name_group = %d;\n\n" % GROUP)
        f.write("// The %d words, most frequent first, concatenated.\n" % len(words))
        array(f, "char", "word_chars", [ord(c) for c in word_chars])
        array(f, "std::uint16_t", "word_offsets", word_offsets)
        array(f, "unsigned char", "name_data", data)
        array(f, "std::uint32_t", "group_offsets", group_offsets)
        f.write("// Per 256-code-point block: 0, or 1 + its index in block_first/block_bits.\n")
        array(f, "std::uint8_t" if len(blocks) < 256 else "std::uint16_t", "block_of", block_of)
        array(f, "std::uint16_t", "block_first", [first for first, _ in blocks])
        f.write("constexpr std::uint32_t block_bits[][8] = {\n%s};\n"
                % "".join("    {%s},\n" % ", ".join("0x%X" % w for w in bits)
                          for _, bits in blocks))
        f.write("// NOLINTEND\n")
        f.write(LOOKUP)
    size = (len(word_chars) + 2 * len(word_offsets) + len(data) + 4 * len(group_offsets)
            + len(block_of) * (1 if len(blocks) < 256 else 2) + 34 * len(blocks))
    print("%s: %d names (%d explicit, %d namereplace quirks, %d words, %d name bytes), "
          "about %d bytes of data"
          % (path, len(names), len(explicit), len(quirks), len(words), len(data), size),
          file=sys.stderr)


if __name__ == "__main__":
    main()
