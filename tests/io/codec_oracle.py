#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The codec oracle: prints what CPython's codec does, case by case, for codec_oracle_test.

Usage: codec_oracle.py ENCODING  (one codec per process; output on stdout, one case a line)

Lines are tab-separated; bytes and text are hex (text as UTF-8 with lone surrogates in their
3-byte form, as our strings carry them). A result is `=HEX` (the output), `!MESSAGE` (str() of
the UnicodeError raised) or `?` (another exception: CPython's TypeError for a handler that
cannot decode).

  D  errors  chunks  result          incremental decode: every chunk but the last non-final
  G  chunks  pending  flags  out     decoder state after non-final chunks (strict, no error)
  E  errors  text  result            one call of a fresh incremental encoder
  T  bytes  n  first  rest  again    text layer over the bytes: read(n), then read(); seek to
                                     the tell() taken after read(n), then read()

Cases: every 1-byte input; every 2-byte input of a multibyte codec (whole, and split in two
under backslashreplace, which shows the error ranges); every byte of a single-byte codec in one
input under each handler; every code point a single-byte codec encodes, and a sample of those
it does not; blocks of the BMP and a sample of other planes for the others; random text with
random corruption and random chunkings under every handler; random text-layer reads. The
random draws are seeded by the codec's name, so the output is the same on every run.
"""

import codecs
import io
import random
import sys
import zlib

HANDLERS = ["strict", "replace", "ignore", "surrogateescape", "backslashreplace",
            "xmlcharrefreplace", "namereplace", "surrogatepass"]


def text_hex(text):
    return text.encode("utf-8", "surrogatepass").hex()


def decode(encoding, errors, chunks):
    decoder = codecs.getincrementaldecoder(encoding)(errors)
    try:
        out = "".join(decoder.decode(chunk, i == len(chunks) - 1) for i, chunk in enumerate(chunks))
    except UnicodeError as error:
        return "!" + str(error)
    except Exception:  # noqa: BLE001 - CPython's TypeError for xmlcharrefreplace, namereplace
        return "?"
    return "=" + text_hex(out)


def encode(encoding, errors, text):
    encoder = codecs.getincrementalencoder(encoding)(errors)
    try:
        return "=" + encoder.encode(text).hex()
    except UnicodeError as error:
        return "!" + str(error)
    except Exception:  # noqa: BLE001
        return "?"


def split(rng, data, pieces):
    cuts = sorted(rng.sample(range(1, len(data)), min(pieces, len(data) - 1))) if len(data) > 1 else []
    bounds = [0] + cuts + [len(data)]
    return [data[a:b] for a, b in zip(bounds, bounds[1:])]


def encodable(encoding, code_point):
    try:
        codecs.encode(chr(code_point), encoding)
        return True
    except UnicodeError:
        return False


def main():
    encoding = sys.argv[1]
    info = codecs.lookup(encoding)
    rng = random.Random(zlib.crc32(info.name.encode()))
    out = sys.stdout
    emit = lambda *fields: out.write("\t".join(str(f) for f in fields) + "\n")  # noqa: E731
    chunks_hex = lambda chunks: ",".join(c.hex() for c in chunks)  # noqa: E731

    module = sys.modules[info.incrementaldecoder.__module__]
    single_byte = hasattr(module, "decoding_table") or info.name in ("ascii", "iso8859-1")

    # Every 1-byte input.
    for b in range(256):
        emit("D", "strict", bytes([b]).hex(), decode(encoding, "strict", [bytes([b])]))
    repertoire = set()
    if single_byte:
        everything = bytes(range(256))
        for errors in HANDLERS:
            emit("D", errors, everything.hex(), decode(encoding, errors, [everything]))
            chunks = split(rng, everything, 40)
            emit("D", errors, chunks_hex(chunks), decode(encoding, errors, chunks))
        for code_point in range(0x10000):
            if encodable(encoding, code_point):
                repertoire.add(code_point)
                emit("E", "strict", text_hex(chr(code_point)),
                     encode(encoding, "strict", chr(code_point)))
        others = [c for c in rng.sample(range(0x110000), 400) if c not in repertoire]
        others += [0xD800, 0xDC80, 0xDCFF, 0xDFFF, 0x10FFFF]
        for code_point in others:
            for errors in HANDLERS:
                emit("E", errors, text_hex(chr(code_point)), encode(encoding, errors, chr(code_point)))
    else:
        # Every 2-byte input, whole under strict and split under backslashreplace.
        for b1 in range(256):
            for b2 in range(256):
                data = bytes([b1, b2])
                emit("D", "strict", data.hex(), decode(encoding, "strict", [data]))
                parts = [data[:1], data[1:]]
                emit("D", "backslashreplace", chunks_hex(parts),
                     decode(encoding, "backslashreplace", parts))
                try:
                    repertoire.update(ord(c) for c in data.decode(encoding))
                except UnicodeError:
                    pass
        # The BMP in blocks (xmlcharrefreplace shows which characters encode), other planes
        # sampled, and single characters under strict.
        for start in range(0, 0x10000, 64):
            block = "".join(chr(c) for c in range(start, start + 64))
            emit("E", "xmlcharrefreplace", text_hex(block), encode(encoding, "xmlcharrefreplace", block))
        for code_point in rng.sample(range(0x10000, 0x110000), 300) + rng.sample(range(0x10000), 300):
            emit("E", "strict", text_hex(chr(code_point)), encode(encoding, "strict", chr(code_point)))
        for code_point in [0xD800, 0xDBFF, 0xDC80, 0xDFFF]:
            for errors in HANDLERS:
                emit("E", errors, text_hex(chr(code_point)), encode(encoding, errors, chr(code_point)))
        for code_point in list(range(0x20, 0x7F)) + rng.sample(range(0x80, 0x110000), 3000):
            if not 0xD800 <= code_point <= 0xDFFF and encodable(encoding, code_point):
                repertoire.add(code_point)

    # Random text, whole and chunked, clean and corrupted, under every handler.
    pool = sorted(repertoire) or [0x41]
    strangers = [0xD800, 0xDC80, 0xDCFF, 0x20AC, 0x4E00, 0x1F600, 0xFFFD, 0x10FFFF]
    for case in range(120):
        length = rng.randrange(1, 40)
        text = "".join(chr(rng.choice(pool)) if rng.random() > 0.1 else rng.choice("\r\n\\~ az")
                       for _ in range(length))
        try:
            data = codecs.getincrementalencoder(encoding)().encode(text)
        except UnicodeError:
            continue
        errors = HANDLERS[case % len(HANDLERS)]
        chunks = split(rng, data, rng.randrange(1, 8))
        emit("D", errors, chunks_hex(chunks), decode(encoding, errors, chunks))
        if len(data) > 1:
            decoder = codecs.getincrementaldecoder(encoding)()
            head = split(rng, data, rng.randrange(1, 5))[:-1]
            try:
                decoded = "".join(decoder.decode(chunk) for chunk in head)
                pending, flags = decoder.getstate()
                emit("G", chunks_hex(head), pending.hex(), flags, text_hex(decoded))
            except UnicodeError:
                pass
        corrupt = bytearray(data)
        for _ in range(rng.randrange(1, 4)):
            position = rng.randrange(len(corrupt) + 1)
            if rng.random() < 0.5 and position < len(corrupt):
                corrupt[position] = rng.randrange(256)
            else:
                corrupt.insert(position, rng.randrange(256))
        for errors in HANDLERS:
            chunks = split(rng, bytes(corrupt), rng.randrange(1, 6))
            emit("D", errors, chunks_hex(chunks), decode(encoding, errors, chunks))
        mixed = "".join(c if rng.random() > 0.15 else chr(rng.choice(strangers)) for c in text)
        for errors in HANDLERS:
            emit("E", errors, text_hex(mixed), encode(encoding, errors, mixed))

    # The text layer: read(n), read(), and seek(tell()) in the middle.
    for _ in range(40):
        text = "".join(chr(rng.choice(pool)) if rng.random() > 0.1 else rng.choice("\r\n\r\nab")
                       for _ in range(rng.randrange(1, 30)))
        try:
            data = codecs.encode(text, encoding)
        except UnicodeError:
            continue
        n = rng.randrange(0, len(text) + 2)
        try:
            wrapper = io.TextIOWrapper(io.BytesIO(data), encoding=encoding)
            first = wrapper.read(n)
            cookie = wrapper.tell()
            rest = wrapper.read()
            wrapper.seek(cookie)
            again = wrapper.read()
        except (UnicodeError, OSError):
            continue
        emit("T", data.hex(), n, text_hex(first), text_hex(rest), text_hex(again))


if __name__ == "__main__":
    main()
