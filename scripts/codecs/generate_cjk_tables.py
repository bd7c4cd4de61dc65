#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Generates the CJK double-byte codec tables (src/io/cjk_tables_<family>.cpp) from python3's codecs.

What: for each CJK codec we serve (shift_jis, cp932, euc_jp, big5, cp950, big5hkscs, gb2312, gbk,
gb18030, euc_kr, cp949, johab), the complete behaviour of CPython's codec of that name, as
data for src/io/cjk_codecs.cpp:
  * decoding: a byte trie probed with CPython's incremental decoder. Every first byte, every
    (lead, trail) pair, and every third byte where a pair still waits for more (euc_jp's 0x8F
    JIS X 0212 triples) is classified as a character (one or two code points), an error of
    CPython's length (its UnicodeDecodeError start/end), or "needs more bytes". The two
    multi-byte forms that are algorithmic in CPython are generated as small tables: gb18030's
    four-byte ranges (linear index -> code point runs) and euc_kr's KS X 1001:1998 Annex 3
    make-up sequences (the jamo index of each byte).
  * encoding: chr(cp).encode(codec) for every code point 0..0x10FFFF (surrogates included: all
    fail), the pairs CPython encodes as one unit (big5hkscs: a code point whose incremental
    encoding waits for the next one, probed against every following code point), and
    gb18030's four-byte ranges.
From: only the local python3 (CPython 3.11 is the reference); nothing is copied from elsewhere.
How to rerun (deterministic; well under a minute):
    python3 scripts/codecs/generate_cjk_tables.py            # writes src/io/cjk_tables_*.cpp
    clang-format -i src/io/cjk_tables_*.cpp
The layout the tables use is declared in src/io/cjk_tables.hpp; keep the two in step.
tests/io/cjk_codec_test.cpp proves the result against python3 (every 1- and 2-byte input,
every code point), so a regeneration under another CPython shows up there.
"""

import codecs
import os
import sys

FAMILIES = {
    "jp": ["shift_jis", "cp932", "euc_jp"],
    "tw": ["big5", "cp950", "big5hkscs"],
    "cn": ["gb2312", "gbk", "gb18030"],
    "kr": ["euc_kr", "cp949", "johab"],
}

# Decode entry kinds of a trie node (top 4 bits of a uint32; the low 28 bits are the payload).
NODE_CHAR, NODE_ERROR, NODE_PAGE, NODE_NODE = 0, 1, 2, 3
# Page values (uint16): a BMP code point, or an escape in the surrogate range, which no CJK
# codec decodes to.
EXTRA_BASE = 0xD800  # + index into extras (a non-BMP code point, or two code points)
EXTRA_LIMIT = 0xDF00
ERROR_BASE = 0xDF00  # + error length in bytes
SPECIAL_FOUR_BYTE = 0xDFF0  # gb18030's four-byte form starts here
SPECIAL_MAKEUP = 0xDFF1  # euc_kr's eight-byte make-up sequence starts here
# Encode values (uint16): 0xFFFF unencodable; < 0x100 one byte; >= 0x8000 two bytes (every
# two-byte code of these codecs has a lead byte >= 0x80); 0x100.. index into long codes.
ENC_NONE = 0xFFFF
LONG_BASE = 0x100
MAX_CP = 0x110000


def classify(codec, seq):
    """One decoding step at the start of seq, fed to a fresh incremental decoder (not final)."""
    decoder = codecs.getincrementaldecoder(codec)("strict")
    try:
        out = decoder.decode(seq, False)
    except UnicodeDecodeError as e:
        assert e.start == 0 and e.reason == "illegal multibyte sequence", (codec, seq, e)
        return ("error", e.end)
    pending = decoder.getstate()[0]
    if out == "" and pending == seq:
        return ("more",)
    assert pending == b"" and 1 <= len(out) <= 2, (codec, seq, out, pending)
    return ("char", out)


class Pool:
    """A uint16 pool of deduplicated slices."""

    def __init__(self):
        self.values = []
        self.index = {}

    def add(self, values):
        key = tuple(values)
        if key not in self.index:
            self.index[key] = len(self.values)
            self.values.extend(values)
        return self.index[key]


class Family:
    def __init__(self):
        self.decode_pool = Pool()
        self.encode_pool = Pool()


class CodecTables:
    def __init__(self, name, family):
        self.name = name
        self.family = family
        self.nodes = []  # lists of 256 uint32
        self.decode_pages = []  # (offset, first, last, outside)
        self.page_index = {}
        self.extras = []  # (cp1, cp2 or 0)
        self.extra_index = {}
        self.specials = set()

    def extra(self, text):
        key = (ord(text[0]), ord(text[1]) if len(text) == 2 else 0)
        if key not in self.extra_index:
            self.extra_index[key] = len(self.extras)
            self.extras.append(key)
            assert EXTRA_BASE + len(self.extras) <= EXTRA_LIMIT
        return EXTRA_BASE + self.extra_index[key]

    def page(self, values):
        """A page of 256 uint16 values, stored as the shortest slice outside which all agree."""
        best = None
        for outside in set((values[0], values[255])):
            inside = [i for i in range(256) if values[i] != outside]
            first, last = (inside[0], inside[-1]) if inside else (1, 0)
            if best is None or last - first < best[2] - best[1]:
                best = (outside, first, last)
        outside, first, last = best
        offset = self.family.decode_pool.add(values[first:last + 1]) if last >= first else 0
        key = (offset, first, last, outside)
        if key not in self.page_index:
            self.page_index[key] = len(self.decode_pages)
            self.decode_pages.append(key)
        return self.page_index[key]

    def page_value(self, prefix, outcome):
        kind = outcome[0]
        if kind == "error":
            return ERROR_BASE + outcome[1]
        if kind == "char":
            text = outcome[1]
            if len(text) == 1 and ord(text) < 0x10000:
                assert not 0xD800 <= ord(text) < 0xE000
                return ord(text)
            return self.extra(text)
        # More bytes needed after a pair: the algorithmic forms.
        if self.name == "gb18030" and 0x30 <= prefix[1] <= 0x39:
            self.specials.add("four_byte")
            return SPECIAL_FOUR_BYTE
        if self.name == "euc_kr" and prefix == b"\xa4\xd4":
            self.specials.add("makeup")
            return SPECIAL_MAKEUP
        raise AssertionError((self.name, prefix, "waits after two bytes"))

    def build_node(self, prefix):
        """The trie node for the byte after `prefix` (which waits for more)."""
        node_number = len(self.nodes)
        self.nodes.append(None)
        entries = []
        for b in range(256):
            seq = prefix + bytes([b])
            outcome = classify(self.name, seq)
            if outcome[0] == "error":
                entries.append((NODE_ERROR << 28) | outcome[1])
            elif outcome[0] == "char":
                text = outcome[1]
                assert len(text) == 1
                entries.append((NODE_CHAR << 28) | ord(text))
            elif len(seq) == 1 and self.is_two_level_lead(seq):
                values = [self.page_value(seq + bytes([t]), classify(self.name, seq + bytes([t])))
                          for t in range(256)]
                entries.append((NODE_PAGE << 28) | self.page(values))
            elif len(seq) == 1:
                entries.append((NODE_NODE << 28) | self.build_node(seq))
            else:
                values = [self.page_value(seq + bytes([t]), classify(self.name, seq + bytes([t])))
                          for t in range(256)]
                entries.append((NODE_PAGE << 28) | self.page(values))
        self.nodes[node_number] = entries
        return node_number

    def is_two_level_lead(self, lead):
        """Whether every pair after `lead` ends a step (or is one of the algorithmic forms)."""
        for t in range(256):
            if classify(self.name, lead + bytes([t]))[0] == "more":
                if not ((self.name == "gb18030" and 0x30 <= t <= 0x39) or
                        (self.name == "euc_kr" and lead + bytes([t]) == b"\xa4\xd4")):
                    return False
        return True


def encode_all(name):
    """Every code point's encoding (None when it fails), checked to fail as CPython's do."""
    result = [None] * MAX_CP
    for cp in range(MAX_CP):
        try:
            result[cp] = chr(cp).encode(name)
        except UnicodeEncodeError as e:
            assert (e.start, e.end, e.reason) == (0, 1, "illegal multibyte sequence"), (name, cp)
    return result


def find_pairs(name, encoded):
    """Code points whose incremental encoding waits for the next one, and the pairs they form."""
    starters = []
    for cp in range(0x80, MAX_CP):
        if encoded[cp] is not None:
            encoder = codecs.getincrementalencoder(name)("strict")
            if encoder.encode(chr(cp), False) == b"":
                starters.append(cp)
    pairs = []
    for first in starters:
        for second in range(MAX_CP):
            if 0xD800 <= second < 0xE000:
                continue
            try:
                together = (chr(first) + chr(second)).encode(name)
            except UnicodeEncodeError:
                continue
            apart = encoded[first] + (encoded[second] or b"")
            if encoded[second] is None or together != apart:
                assert len(together) <= 2, (name, first, second, together)
                pairs.append((first, second, int.from_bytes(together, "big")))
    return starters, pairs


def four_byte_linear(b):
    return ((b[0] - 0x81) * 10 + (b[1] - 0x30)) * 1260 + (b[2] - 0x81) * 10 + (b[3] - 0x30)


def gb18030_four_byte_tables():
    """Runs of (linear index -> BMP code point) for decoding, checked against CPython over the
    whole first-byte 0x81..0x84 range, and runs of (code point -> linear index) for encoding."""
    decode_runs = []  # (linear first, cp first)
    for linear in range(4 * 12600):
        b = bytes([0x81 + linear // 12600, 0x30 + linear // 1260 % 10,
                   0x81 + linear // 10 % 126, 0x30 + linear % 10])
        try:
            text = b.decode("gb18030")
        except UnicodeDecodeError:
            decode_runs.append((linear, None))
            continue
        cp = ord(text)
        if not decode_runs or decode_runs[-1][1] is None or \
                decode_runs[-1][1] + (linear - decode_runs[-1][0]) != cp:
            decode_runs.append((linear, cp))
    # Keep run starts only (an invalid index starts a run of errors).
    compact = []
    for linear, cp in decode_runs:
        if compact and cp is None and compact[-1][1] is None:
            continue
        compact.append((linear, cp))
    return compact


def gb18030_encode_runs(encoded):
    runs = []  # (cp first, cp last, linear first)
    for cp in range(0x80, 0x10000):
        e = encoded[cp]
        if e is None or len(e) != 4:
            continue
        linear = four_byte_linear(e)
        if runs and runs[-1][1] + 1 == cp and runs[-1][2] + (cp - runs[-1][0]) == linear:
            runs[-1] = (runs[-1][0], cp, runs[-1][2])
        else:
            runs.append((cp, cp, linear))
    for cp in range(0x10000, MAX_CP):
        e = encoded[cp]
        assert e is not None and len(e) == 4
        assert four_byte_linear(e) == (cp - 0x10000) + 15 * 12600, hex(cp)
    return runs


def makeup_tables():
    """euc_kr's make-up sequence A4 D4 A4 cho A4 jung A4 jong: each byte's jamo index (or
    0xFF), probed with the other two fixed to valid bytes, then checked on every combination."""
    def probe(cho, jung, jong):
        try:
            text = bytes([0xA4, 0xD4, 0xA4, cho, 0xA4, jung, 0xA4, jong]).decode("euc_kr")
        except UnicodeDecodeError as e:
            assert (e.start, e.end) == (0, 1)
            return None
        assert len(text) == 1
        return ord(text) - 0xAC00

    cho = [-1] * 256
    jung = [-1] * 256
    jong = [-1] * 256
    for b in range(256):
        r = probe(b, 0xBF, 0xD4)
        cho[b] = -1 if r is None else r // 588
        r = probe(0xA1, b, 0xD4)
        jung[b] = -1 if r is None else r // 28 % 21
        r = probe(0xA1, 0xBF, b)
        jong[b] = -1 if r is None else r % 28
    for a in range(0xA1, 0xFF):
        for j in range(0xA1, 0xFF):
            for k in (0xA1, 0xA2, 0xA8, 0xB3, 0xBE, 0xD4, 0xD3):
                r = probe(a, j, k)
                valid = cho[a] >= 0 and jung[j] >= 0 and jong[k] >= 0
                assert (r is not None) == valid
                if valid:
                    assert r == cho[a] * 588 + jung[j] * 28 + jong[k]
    return cho, jung, jong


def encode_tables(tables, encoded, starters):
    family = tables.family
    long_codes = []
    values_by_cp = {}
    for cp in range(MAX_CP):
        e = encoded[cp]
        if e is None:
            continue
        if tables.name == "gb18030" and len(e) == 4:
            continue  # the four-byte runs
        if len(e) == 1:
            value = e[0]
        elif len(e) == 2 and e[0] >= 0x80:
            value = int.from_bytes(e, "big")
            assert value != ENC_NONE
        else:
            assert e[0] >= 0x80
            value = LONG_BASE + len(long_codes)
            long_codes.append(int.from_bytes(e, "big"))
            assert value < 0x8000
        values_by_cp[cp] = value
    limit = (max(values_by_cp) >> 8) + 1
    index = []
    pages = []
    page_index = {}
    for page in range(limit):
        values = [values_by_cp.get((page << 8) | low, ENC_NONE) for low in range(256)]
        inside = [i for i in range(256) if values[i] != ENC_NONE]
        if not inside:
            key = (0, 1, 0)
        else:
            first, last = inside[0], inside[-1]
            key = (family.encode_pool.add(values[first:last + 1]), first, last)
        if key not in page_index:
            page_index[key] = len(pages)
            pages.append(key)
        index.append(page_index[key])
    tables.encode_index = index
    tables.encode_pages = pages
    tables.long_codes = long_codes
    del starters


def ints(values, per_line=16, fmt="{}"):
    values = list(values)
    lines = []
    for i in range(0, len(values), per_line):
        lines.append("    " + ", ".join(fmt.format(v) for v in values[i:i + per_line]) + ",")
    return "\n".join(lines)


def emit_codec(t, out):
    n = t.name
    out.append(f"// {n}")
    out.append(f"constexpr std::uint32_t {n}_nodes[] = {{")
    out.append(ints((v for node in t.nodes for v in node), 8, "0x{:08x}"))
    out.append("};")
    out.append(f"constexpr CjkDecodePage {n}_decode_pages[] = {{")
    out.append(ints((f"{{{o}, {f}, {l}, 0x{x:04x}}}" for o, f, l, x in t.decode_pages), 4))
    out.append("};")
    if t.extras:
        out.append(f"constexpr char32_t {n}_extras[] = {{")
        out.append(ints((v for pair in t.extras for v in pair), 8, "0x{:x}"))
        out.append("};")
    out.append(f"constexpr std::uint16_t {n}_encode_index[] = {{")
    out.append(ints(t.encode_index, 16))
    out.append("};")
    out.append(f"constexpr CjkEncodePage {n}_encode_pages[] = {{")
    out.append(ints((f"{{{o}, {f}, {l}}}" for o, f, l in t.encode_pages), 4))
    out.append("};")
    if t.long_codes:
        out.append(f"constexpr std::uint64_t {n}_long_codes[] = {{")
        out.append(ints(t.long_codes, 8, "0x{:x}"))
        out.append("};")
    if t.pairs:
        out.append(f"constexpr CjkPair {n}_pairs[] = {{")
        out.append(ints((f"{{0x{a:x}, 0x{b:x}, 0x{c:x}}}" for a, b, c in t.pairs), 4))
        out.append("};")
    if t.four_byte_decode:
        out.append(f"constexpr CjkFourByteRun {n}_four_byte_decode[] = {{")
        out.append(ints((f"{{{lin}, 0x{cp:x}}}" if cp is not None else f"{{{lin}, 0}}"
                         for lin, cp in t.four_byte_decode), 4))
        out.append("};")
        out.append(f"constexpr CjkFourByteEncodeRun {n}_four_byte_encode[] = {{")
        out.append(ints((f"{{0x{a:x}, 0x{b:x}, {lin}}}" for a, b, lin in t.four_byte_encode), 4))
        out.append("};")
    if t.makeup:
        for part, values in zip(("choseong", "jungseong", "jongseong"), t.makeup):
            out.append(f"constexpr std::uint8_t {n}_makeup_{part}[] = {{")
            out.append(ints((v if v >= 0 else 0xFF for v in values), 16))
            out.append("};")


def emit_codec_struct(t, family_name, out):
    n = t.name

    def span(name, present=True):
        return f"{n}_{name}" if present else "{}"

    out.append(f"const CjkTables cjk_tables_{n} = {{")
    out.append(f"    {family_name}_decode_values, {family_name}_encode_values,")
    out.append(f"    {span('nodes')}, {span('decode_pages')}, {span('extras', bool(t.extras))},")
    out.append(f"    {span('encode_index')}, {span('encode_pages')},")
    out.append(f"    {span('long_codes', bool(t.long_codes))}, {span('pairs', bool(t.pairs))},")
    out.append(f"    {span('four_byte_decode', bool(t.four_byte_decode))},")
    out.append(f"    {span('four_byte_encode', bool(t.four_byte_decode))},")
    for part in ("choseong", "jungseong", "jongseong"):
        out.append(f"    {span('makeup_' + part, bool(t.makeup))},")
    out.append("};")


def generate_family(family_name, names, out_dir):
    family = Family()
    all_tables = []
    for name in names:
        print(f"{name}: decoding", file=sys.stderr)
        t = CodecTables(name, family)
        t.build_node(b"")
        print(f"{name}: encoding", file=sys.stderr)
        encoded = encode_all(name)
        starters, pairs = find_pairs(name, encoded)
        assert sorted(set(a for a, _, _ in pairs)) == starters, (name, starters)
        t.pairs = pairs
        encode_tables(t, encoded, starters)
        t.four_byte_decode = []
        t.four_byte_encode = []
        t.makeup = None
        if name == "gb18030":
            t.four_byte_decode = gb18030_four_byte_tables()
            t.four_byte_encode = gb18030_encode_runs(encoded)
        if name == "euc_kr":
            t.makeup = makeup_tables()
        all_tables.append(t)
    out = []
    out.append(f"// CPython's {', '.join(names)} codecs as tables (src/io/cjk_tables.hpp).")
    out.append("// Generated by scripts/codecs/generate_cjk_tables.py from python3 "
               f"{sys.version.split()[0]}; do not edit.")
    out.append("// NOLINTBEGIN")
    out.append('#include "io/cjk_tables.hpp"')
    out.append("")
    out.append("namespace tempfile::io::detail {")
    out.append("namespace {")
    out.append("")
    out.append(f"constexpr std::uint16_t {family_name}_decode_values[] = {{")
    out.append(ints(family.decode_pool.values or [0], 16, "0x{:x}"))
    out.append("};")
    out.append(f"constexpr std::uint16_t {family_name}_encode_values[] = {{")
    out.append(ints(family.encode_pool.values or [0], 16, "0x{:x}"))
    out.append("};")
    for t in all_tables:
        emit_codec(t, out)
    out.append("")
    out.append("}  // namespace")
    out.append("")
    for t in all_tables:
        emit_codec_struct(t, family_name, out)
    out.append("")
    out.append("}  // namespace tempfile::io::detail")
    out.append("// NOLINTEND")
    path = os.path.join(out_dir, f"cjk_tables_{family_name}.cpp")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    stats = (len(family.decode_pool.values), len(family.encode_pool.values),
             sum(len(t.nodes) for t in all_tables))
    print(f"{path}: decode values {stats[0]}, encode values {stats[1]}, nodes {stats[2]}",
          file=sys.stderr)


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out_dir = os.path.join(root, "src", "io")
    wanted = sys.argv[1:] or list(FAMILIES)
    for family_name in wanted:
        generate_family(family_name, FAMILIES[family_name], out_dir)


if __name__ == "__main__":
    main()
