#!/usr/bin/env python3
"""Runs the differential test's operation scripts through CPython's tempfile.TemporaryFile and
prints one result line per operation, in the format differential_test.cpp compares against.

Script format (one item per line; payloads are hex of UTF-8 text or of bytes):
  SEQ <mode> <buffering> <encoding|-> <newline: none|empty|lf|cr|crlf|->
  write <hex> | read <n> | readline <n> | readlines | readlines <hint> | next | readinto <n>
  | seek0 | seekend | seekcur <n> | tell | seekcookie <i> | truncate | truncate <n> | flush
  END
"""
import os
import sys
import tempfile

NEWLINES = {"none": None, "empty": "", "lf": "\n", "cr": "\r", "crlf": "\r\n", "-": None}
PLAIN_LIMIT = 1 << 62
# Our default buffer (buffering -1, or 1 which is line buffering in text mode and the default
# in binary mode) is 8 KiB, chosen without an fstat (docs/file-object.md, "No probing"), where
# CPython's open() takes st_blksize (often 4 KiB). C io's results can depend on the size (which
# writes stay in the buffer, so what read1 sees past them), so for the default the oracle builds
# open()'s own stack by hand with 8 KiB: FileIO, BufferedRandom, TextIOWrapper, as io.open does.
OUR_DEFAULT_BUFFER_SIZE = 8192


def cookie(value):
    # Our cookies equal Python's when Python's fits in 62 bits; otherwise ours is a table index.
    # (Binary positions can even be negative: C io's seek() can return one, and so do we.)
    return "P%d" % value if value < PLAIN_LIMIT else "C"


def error_kind(error):
    import io
    for kind in (UnicodeError, io.UnsupportedOperation, ValueError, OSError):
        if isinstance(error, kind):
            return kind.__name__
    return type(error).__name__


def payload(value, binary):
    return (value if binary else value.encode("utf-8", "surrogatepass")).hex()


def run(header, ops, out):
    _, mode, buffering, encoding, newline = header.split()
    binary = "b" in mode
    kwargs = {"mode": mode, "buffering": int(buffering)}
    if not binary:
        kwargs["encoding"] = encoding
        kwargs["newline"] = NEWLINES[newline]
    if kwargs["buffering"] in (-1, 1):
        import io
        raw = tempfile.TemporaryFile(mode=mode.replace("b", "") + "b", buffering=0)
        f = io.BufferedRandom(raw, OUR_DEFAULT_BUFFER_SIZE)
        if not binary:
            f = io.TextIOWrapper(f, encoding, None, kwargs["newline"], kwargs["buffering"] == 1)
    else:
        f = tempfile.TemporaryFile(**kwargs)
    cookies = []
    for op in ops:
        name, _, arg = op.partition(" ")
        try:
            if name == "write":
                data = bytes.fromhex(arg)
                result = "n%d" % f.write(data if binary else data.decode("utf-8"))
            elif name == "read":
                result = "d" + payload(f.read(int(arg)), binary)
            elif name == "readline":
                result = "d" + payload(f.readline(int(arg)), binary)
            elif name == "readlines":
                lines = f.readlines(int(arg)) if arg else f.readlines()
                result = "l" + ",".join(payload(line, binary) for line in lines)
            elif name == "next":
                result = "d" + payload(next(f, b"" if binary else ""), binary)
            elif name == "readinto":
                into = bytearray(int(arg))
                result = "d" + bytes(into[: f.readinto(into)]).hex()
            elif name == "seekcur":
                result = cookie(f.seek(int(arg), os.SEEK_CUR))
            elif name == "seek0":
                result = cookie(f.seek(0))
            elif name == "seekend":
                result = cookie(f.seek(0, os.SEEK_END))
            elif name == "tell":
                cookies.append(0)  # stays 0 if tell() fails, as on the C++ side
                cookies[-1] = f.tell()
                result = cookie(cookies[-1])
            elif name == "seekcookie":
                result = cookie(f.seek(cookies[int(arg)]))
            elif name == "truncate":
                result = "n%d" % (f.truncate(int(arg)) if arg else f.truncate())
            elif name == "flush":
                f.flush()
                result = "ok"
            else:
                raise SystemExit("unknown operation " + op)
        except (ValueError, OSError) as error:
            result = "error:" + error_kind(error)
        out.write(result + "\n")
    f.flush()
    raw = f.fileno()
    size = os.fstat(raw).st_size
    out.write("content " + os.pread(raw, size, 0).hex() + "\n")
    lines = getattr(f, "newlines", None)
    if lines is None:
        lines = ()
    elif isinstance(lines, str):
        lines = (lines,)
    out.write("newlines " + ",".join(line.encode().hex() for line in lines) + "\n")
    f.close()


def main():
    # buffering=1 in binary mode warns (RuntimeWarning) and uses the default size; so do we.
    import warnings
    warnings.simplefilter("ignore")
    out = sys.stdout
    lines = open(sys.argv[1], encoding="ascii").read().splitlines()
    i = 0
    while i < len(lines):
        header = lines[i]
        j = lines.index("END", i)
        run(header, lines[i + 1 : j], out)
        out.write("ENDSEQ\n")
        i = j + 1


if __name__ == "__main__":
    main()
