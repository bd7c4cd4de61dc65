#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
r"""The oracle of tests/io/unicode_names_test.cpp: python3's unicodedata names and namereplace.

Usage: unicode_names_oracle.py names | namereplace | encode. Prints one record a line:
  names:  unicodedata.name(chr(cp), '') for every code point 0..0x10FFFF, in order (an empty
          line for a code point with no name)
  namereplace: likewise, the NAME in what chr(cp).encode('ascii', 'namereplace') writes,
          \N{NAME} (an empty line where it writes \x, \u or \U instead; below U+0080, where
          ascii encodes the character, unicodedata.name)
  encode: <codec> <text> <bytes>: the sample texts below (and seeded random ones) encoded with
          str.encode(codec, 'namereplace'); text as hex of its UTF-8 (lone surrogates in their
          3-byte form, 'surrogatepass'), bytes as hex, '-' for empty, '!' if encoding failed
"""

import random
import sys
import unicodedata

CODECS = ["ascii", "latin-1", "cp1252", "shift_jis", "utf-8"]

SAMPLES = [
    "plain",
    "\u00e9\u20ac\U0001F600",
    "a\udc80b\ud800",
    "\ue000\x80\x00\x7f\u0378\U000E0080\U0010FFFF",
    "\ud55c\uad6d\uc5b4 \uac00\ud7a3",
    "\u6f22\u5b57\u3400\U00020000\U0003134A\uf900\ufad9\U0002F800",
    "\U00017000\U000187F7\U00018800\U00018B00\U00018CD5\U0001B170\U0001B2FB",
    "\u00a0\u2014\ufeff\u00ad\u2028\U000E0100\ufe00",
    "\u0f02\u0f0a\u0f39\u0f60\u0fd0\U00011A29\U00011C88",
    "\u00a5\u203e\\~\u00b5\u0391\u03a9\u0416\u05d0\u0627",
    "\u1180\u11a7\u3164\uffa0\U0001F468\u200d\U0001F469",
]


def random_texts(count):
    rng = random.Random(20231203)
    pool = [0x41, 0xE9, 0x20AC, 0xD800, 0xDC80, 0xE000, 0x4E00, 0xAC00, 0x17000, 0x1F600]
    texts = []
    for _ in range(count):
        chars = []
        for _ in range(rng.randint(1, 12)):
            if rng.random() < 0.5:
                chars.append(chr(rng.choice(pool) + rng.randint(0, 0x100)))
            else:
                chars.append(chr(rng.randint(0, 0x10FFFF)))
        texts.append("".join(chars))
    return texts


def hex_or_dash(data):
    return data.hex() or "-"


def main():
    out = sys.stdout
    if sys.argv[1:] == ["names"]:
        out.write("".join(unicodedata.name(chr(cp), "") + "\n" for cp in range(0x110000)))
        return
    if sys.argv[1:] == ["namereplace"]:
        for cp in range(0x110000):
            written = chr(cp).encode("ascii", "namereplace") if cp >= 0x80 else b""
            if cp < 0x80:
                out.write(unicodedata.name(chr(cp), "") + "\n")
            elif written.startswith(b"\\N{"):
                out.write(written[3:-1].decode("ascii") + "\n")
            else:
                out.write("\n")
        return
    assert sys.argv[1:] == ["encode"], sys.argv
    for codec in CODECS:
        for text in SAMPLES + random_texts(300):
            try:
                result = hex_or_dash(text.encode(codec, "namereplace"))
            except UnicodeError:
                result = "!"
            out.write("%s %s %s\n" % (codec, hex_or_dash(text.encode("utf-8", "surrogatepass")),
                                      result))


if __name__ == "__main__":
    main()
