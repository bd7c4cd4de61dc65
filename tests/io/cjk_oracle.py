#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The oracle of tests/io/cjk_codec_test.cpp: what python3's codec CODEC does, in bulk.

Usage: cjk_oracle.py CODEC. Prints one record a line (hex everywhere; code points joined by
'.', byte strings as plain hex, '-' for empty):
  D <bytes> <replace text> <start>,<end>,<I|N> | -     every 1- and 2-byte input (and the
      longer forms: euc_jp 8F xx yy, gb18030 four bytes, euc_kr make-up sequences, samples),
      decoded whole with 'replace', and strict's first error (I: illegal, N: incomplete)
  E <code point> <bytes>                               each code point that encodes alone (all
      others, surrogates included, fail with (0, 1, 'illegal multibyte sequence'))
  P <cp1>.<cp2> <bytes>                                 pairs encoded as one unit
  W <cp>                                                code points whose incremental encoding
      waits for the next one (not final)
  R <text> <bytes> <text>                               random texts of encodable characters,
      encoded, and decoded back with 'replace' (not always the text: euc_kr's A4 D4, U+3164,
      starts a make-up sequence when decoding)
  C <bytes> <split>.<split>... <text>/<text>/...        random bytes fed to an incremental
      'replace' decoder in chunks: the text after each chunk (the last one final)
"""

import codecs
import random
import sys

ILLEGAL = "illegal multibyte sequence"
INCOMPLETE = "incomplete multibyte sequence"


def cps(text):
    return ".".join(f"{ord(c):x}" for c in text) or "-"


def hexb(data):
    return data.hex() or "-"


def decode_record(codec, data, out):
    replaced = data.decode(codec, "replace")
    try:
        data.decode(codec, "strict")
        error = "-"
    except UnicodeDecodeError as e:
        reason = {ILLEGAL: "I", INCOMPLETE: "N"}[e.reason]
        error = f"{e.start},{e.end},{reason}"
    out.append(f"D {hexb(data)} {cps(replaced)} {error}")


def long_forms(codec, rng):
    """Inputs longer than two bytes where the codec has such forms, plus random samples."""
    if codec == "euc_jp":
        for b2 in range(256):
            for b3 in range(256):
                yield bytes([0x8F, b2, b3])
    if codec == "gb18030":
        lasts = (0x00, 0x2F, 0x30, 0x35, 0x39, 0x3A, 0x80, 0xFF)
        for b1 in range(0x80, 0x100):
            for b2 in (0x30, 0x35, 0x39):
                for b3 in range(256):
                    for b4 in lasts:
                        yield bytes([b1, b2, b3, b4])
        for linear in range(0, 39420 + 200):  # every BMP index, and past the end
            yield bytes([0x81 + linear // 12600, 0x30 + linear // 1260 % 10,
                         0x81 + linear // 10 % 126, 0x30 + linear % 10])
        for _ in range(20000):  # supplementary indexes and beyond
            linear = rng.randrange(15 * 12600, 126 * 12600)
            yield bytes([0x81 + linear // 12600, 0x30 + linear // 1260 % 10,
                         0x81 + linear // 10 % 126, 0x30 + linear % 10])
        for b in range(1, 4):  # incomplete four-byte forms
            for _ in range(200):
                yield bytes([rng.randrange(0x80, 0x100), rng.randrange(0x30, 0x3A)] +
                            [rng.randrange(256) for _ in range(b - 1)])
    if codec == "euc_kr":
        for cho in range(0xA1, 0xFF):
            for jung in range(0xA1, 0xFF):
                yield bytes([0xA4, 0xD4, 0xA4, cho, 0xA4, jung, 0xA4, rng.choice((0xD4, 0xA1, 0xBE, 0xA8))])
        for _ in range(5000):
            tail = [rng.choice((0xA4, 0xA1, 0xBF, 0xD4, 0xD3, 0xBE, rng.randrange(256))) for _ in range(6)]
            yield bytes([0xA4, 0xD4] + tail[:rng.randrange(7)])
    for _ in range(20000):  # random short strings: errors next to characters
        yield bytes(rng.choice((rng.randrange(256), rng.randrange(0x80, 0x100), 0x8F, 0xA4, 0xD4))
                    for _ in range(rng.randrange(3, 9)))


class Output:
    """Records written out in batches (gb18030 alone has over a million)."""

    def __init__(self):
        self.lines = []

    def append(self, line):
        self.lines.append(line)
        if len(self.lines) >= 65536:
            self.flush()

    def flush(self):
        if self.lines:
            sys.stdout.write("\n".join(self.lines) + "\n")
            self.lines = []


def main():
    codec = sys.argv[1]
    rng = random.Random(20261203)
    out = Output()
    for b1 in range(256):
        decode_record(codec, bytes([b1]), out)
    for b1 in range(256):
        for b2 in range(256):
            decode_record(codec, bytes([b1, b2]), out)
    for data in long_forms(codec, rng):
        decode_record(codec, data, out)

    encodable = []
    for cp in range(0x110000):
        try:
            data = chr(cp).encode(codec)
        except UnicodeEncodeError as e:
            assert (e.start, e.end, e.reason) == (0, 1, ILLEGAL), (cp, e)
            continue
        encodable.append(cp)
        out.append(f"E {cp:x} {hexb(data)}")
    for cp in encodable:
        if cp >= 0x80 and codecs.getincrementalencoder(codec)().encode(chr(cp), False) == b"":
            out.append(f"W {cp:x}")
            for second in range(0x110000):
                if 0xD800 <= second < 0xE000:
                    continue
                pair = chr(cp) + chr(second)
                try:
                    together = pair.encode(codec)
                except UnicodeEncodeError:
                    continue
                try:
                    apart = chr(cp).encode(codec) + chr(second).encode(codec)
                except UnicodeEncodeError:
                    apart = None
                if together != apart:
                    out.append(f"P {cp:x}.{second:x} {hexb(together)}")

    for _ in range(3000):
        text = "".join(chr(rng.choice(encodable)) for _ in range(rng.randrange(1, 40)))
        encoded = text.encode(codec)
        out.append(f"R {cps(text)} {hexb(encoded)} {cps(encoded.decode(codec, 'replace'))}")

    pieces = [bytes([b]) for b in range(256)]
    for cp in rng.sample(encodable, min(2000, len(encodable))):
        pieces.append(chr(cp).encode(codec))
    for _ in range(3000):
        data = b"".join(rng.choice(pieces) for _ in range(rng.randrange(1, 20)))
        splits = sorted(rng.sample(range(len(data) + 1), min(len(data) + 1, rng.randrange(1, 6))))
        decoder = codecs.getincrementaldecoder(codec)("replace")
        texts = []
        start = 0
        for split in splits + [len(data)]:
            texts.append(cps(decoder.decode(data[start:split], False)))
            start = split
        texts.append(cps(decoder.decode(b"", True)))
        out.append(f"C {hexb(data)} {'.'.join(str(s) for s in splits) or '-'} {'/'.join(texts)}")
    out.flush()


if __name__ == "__main__":
    main()
