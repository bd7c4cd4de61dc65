#!/usr/bin/env python3
"""Runs the differential test's operation scripts through CPython's tempfile.TemporaryFile (or,
for spooled sequences, a model of our SpooledTemporaryFile built from CPython's io) and prints one
result line per operation, in the format differential_test.cpp compares against.

Script format (one item per line; payloads are hex of UTF-8 text or of bytes):
  SEQ <mode> <buffering> <encoding|-> <newline: none|empty|lf|cr|crlf|-> [<max_size>]
  write <hex> | read <n> | readline <n> | readlines | readlines <hint> | next | readinto <n>
  | seek0 | seekend | seekcur <n> | tell | seekcookie <i> | truncate | truncate <n> | flush
  | rollover | rolled | fileno            (the last three: spooled sequences only)
  END
A sixth header field makes the sequence a spooled one: SpooledTemporaryFile(max_size=<max_size>).
"""
import errno
import io
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
    for kind in (UnicodeError, io.UnsupportedOperation, ValueError, OSError):
        if isinstance(error, kind):
            return kind.__name__
    return type(error).__name__


def payload(value, binary):
    return (value if binary else value.encode("utf-8", "surrogatepass")).hex()


def buffer_size(buffering):
    return OUR_DEFAULT_BUFFER_SIZE if buffering in (-1, 1) else buffering


def buffered(raw, buffering):
    """io.open's byte layer over `raw` with our buffer sizes (raw itself when unbuffered)."""
    if buffering == 0:
        return raw
    if raw.readable() and raw.writable():
        return io.BufferedRandom(raw, buffer_size(buffering))
    kind = io.BufferedReader if raw.readable() else io.BufferedWriter
    return kind(raw, buffer_size(buffering))


def raw_mode(mode):
    return mode.replace("b", "").replace("t", "") + "b"


class MemoryBytes:
    """A spooled file's bytes before rollover, as our library keeps them: io.BytesIO used
    unbuffered (read(n), read1(n) give min(n, available)), but obeying the open mode with io's
    errors, growing on truncate(n) with zero bytes, and refusing a negative position as lseek
    does (OSError EINVAL, not BytesIO's ValueError)."""

    def __init__(self, mode):
        self.data = bytearray()
        self.pos = 0
        self._readable = "r" in mode or "+" in mode
        self._writable = any(c in mode for c in "wax+")
        self.closed = False

    def readable(self):
        return self._readable

    def writable(self):
        return self._writable

    def seekable(self):
        return True

    def _need(self, readable, name):
        if self.closed:
            raise ValueError("I/O operation on closed file.")
        if not (self._readable if readable else self._writable):
            raise io.UnsupportedOperation(
                "%s: file not open for %s" % (name, "reading" if readable else "writing"))

    def _take(self, n):
        chunk = bytes(self.data[self.pos : self.pos + n]) if self.pos < len(self.data) else b""
        self.pos += len(chunk)
        return chunk

    def read(self, size=-1):
        self._need(True, "read")
        if size is None or size == -1:
            return self._take(len(self.data))
        if size < 0:
            raise ValueError("read length must be non-negative or -1")
        return self._take(size)

    def read1(self, size=-1):
        self._need(True, "read1")
        return self._take(OUR_DEFAULT_BUFFER_SIZE if size is None or size < 0 else size)

    def readinto(self, into):
        self._need(True, "readinto")
        view = memoryview(into).cast("B")
        chunk = self._take(len(view))
        view[: len(chunk)] = chunk
        return len(chunk)

    def readline(self, size=-1):
        self._need(True, "readline")
        ahead = self.data[self.pos :]
        if size is not None and size >= 0:
            ahead = ahead[:size]
        end = ahead.find(b"\n")
        return self._take(end + 1 if end >= 0 else len(ahead))

    def write(self, data):
        self._need(False, "write")
        data = bytes(data)
        if not data:  # an empty write does not extend the file, even past its end
            return 0
        if self.pos > len(self.data):
            self.data.extend(bytes(self.pos - len(self.data)))
        self.data[self.pos : self.pos + len(data)] = data
        self.pos += len(data)
        return len(data)

    def seek(self, offset, whence=os.SEEK_SET):
        if whence not in (os.SEEK_SET, os.SEEK_CUR, os.SEEK_END):
            raise ValueError("whence value %d unsupported" % whence)
        if self.closed:
            raise ValueError("I/O operation on closed file.")
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self.pos, os.SEEK_END: len(self.data)}[whence]
        if base + offset < 0:
            raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
        self.pos = base + offset
        return self.pos

    def tell(self):
        if self.closed:
            raise ValueError("I/O operation on closed file.")
        return self.pos

    def truncate(self, size=None):
        self._need(False, "truncate")
        size = self.pos if size is None else size
        if size < 0:
            raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
        if size > len(self.data):
            self.data.extend(bytes(size - len(self.data)))
        else:
            del self.data[size:]
        return size

    def flush(self):
        if self.closed:
            raise ValueError("I/O operation on closed file.")

    def close(self):
        self.closed = True


class SpoolBuffer(io.BufferedIOBase):
    """Our SpooledTemporaryFile's byte layer: every call goes to the current storage, first a
    MemoryBytes, then (after rollover) io.open's byte layer over a real TemporaryFile at the same
    position with the same bytes. A write of b bytes at position p rolls over first when
    max_size > 0 and p + b > max_size; truncate(n) does when n > max_size (even max_size 0)."""

    def __init__(self, mode, buffering, max_size):
        super().__init__()
        self.mode = mode
        self.buffering = buffering
        self.max_size = max_size
        self.rolled = False
        self.file = MemoryBytes(mode)

    def rollover(self):
        if self.rolled:
            return
        memory = self.file
        raw = tempfile.TemporaryFile(mode=raw_mode(self.mode), buffering=0)
        view = memoryview(bytes(memory.data))
        while view:
            view = view[os.write(raw.fileno(), view) :]
        raw.seek(memory.pos)
        self.file = buffered(raw, self.buffering)
        self.rolled = True

    def fileno(self):
        self.rollover()
        return self.file.fileno()

    def write(self, data):
        size = memoryview(data).nbytes
        if (not self.rolled and self.file.writable() and self.max_size > 0
                and self.file.tell() + size > self.max_size):
            self.rollover()
        return self.file.write(data)

    def truncate(self, size=None):
        if not self.rolled and size is not None and size > self.max_size:
            self.rollover()
        return self.file.truncate(size)

    def read(self, size=-1):
        return self.file.read(size)

    def read1(self, size=-1):
        return self.file.read1(size)

    def readinto(self, into):
        return self.file.readinto(into)

    def readline(self, size=-1):
        return self.file.readline(size)

    def seek(self, offset, whence=os.SEEK_SET):
        return self.file.seek(offset, whence)

    def tell(self):
        return self.file.tell()

    def flush(self):
        return self.file.flush()

    def readable(self):
        return self.file.readable()

    def writable(self):
        return self.file.writable()

    def seekable(self):
        return self.file.seekable()

    @property
    def closed(self):
        return self.file.closed

    def close(self):
        self.file.close()


def open_spooled(mode, buffering, encoding, newline, max_size, line_buffering=None):
    """The model of our SpooledTemporaryFile: (file object to use, its SpoolBuffer). Text mode
    wraps the SpoolBuffer in one TextIOWrapper for the whole life of the file: rollover changes
    the storage under the byte layer, never the text layer."""
    spool = SpoolBuffer(mode, buffering, max_size)
    if "b" in mode:
        return spool, spool
    if line_buffering is None:
        line_buffering = buffering == 1
    return io.TextIOWrapper(spool, encoding, None, newline, line_buffering), spool


def open_plain(mode, buffering, encoding, newline):
    binary = "b" in mode
    if buffering in (-1, 1):
        f = buffered(tempfile.TemporaryFile(mode=raw_mode(mode), buffering=0), buffering)
        if not binary:
            f = io.TextIOWrapper(f, encoding, None, newline, buffering == 1)
        return f
    kwargs = {"mode": mode, "buffering": buffering}
    if not binary:
        kwargs["encoding"] = encoding
        kwargs["newline"] = newline
    return tempfile.TemporaryFile(**kwargs)


def apply(f, op, binary, cookies, spool=None):
    """One operation on f (spool: the SpoolBuffer of a spooled file), as a result line."""
    name, _, arg = op.partition(" ")
    try:
        if name == "write":
            data = bytes.fromhex(arg)
            # While spooling with a limit, our File::write flushes the text layer after each
            # write (as Python's SpooledTemporaryFile's tell() does), so the bytes reach the
            # byte layer, which rolls over if they pass max_size.
            flushes = (not binary and spool is not None and not spool.rolled
                       and spool.max_size > 0)
            result = "n%d" % f.write(data if binary else data.decode("utf-8"))
            if flushes:
                f.flush()
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
        elif name == "rollover":
            f.rollover() if spool is None else spool.rollover()
            result = "ok"
        elif name == "rolled":
            result = "r%d" % (f._rolled if spool is None else spool.rolled)
        elif name == "fileno":
            f.fileno()
            result = "ok"
        else:
            raise SystemExit("unknown operation " + op)
    except (ValueError, OSError) as error:
        result = "error:" + error_kind(error)
    return result


def end_state(f, rolled, out):
    """Final lines: rolled state (spooled only), the file's bytes, newlines seen."""
    f.flush()
    if rolled is not None:
        out.append("rolled r%d" % rolled())
    raw = f.fileno()
    size = os.fstat(raw).st_size
    out.append("content " + os.pread(raw, size, 0).hex())
    lines = getattr(f, "newlines", None)
    if lines is None:
        lines = ()
    elif isinstance(lines, str):
        lines = (lines,)
    out.append("newlines " + ",".join(line.encode().hex() for line in lines))


# Operations the real tempfile.SpooledTemporaryFile(mode="w+b") runs as our model does: no
# truncate (BytesIO cannot grow), no seek outside [0, size] (checked as it runs), and no
# readlines(hint) before rollover: BytesIO.readlines stops once the lines total >= hint, where
# IOBase's (a file's, and ours in memory as on disk) stops once they total > hint.
REAL_SAFE = {"write", "read", "readline", "readlines", "next", "readinto", "seek0", "seekend",
             "seekcur", "tell", "seekcookie", "flush", "rollover", "rolled", "fileno"}


def check_real(buffering, max_size, ops, expected):
    """For binary "w+b": the same operations through the real SpooledTemporaryFile, as far as
    the semantics coincide; returns a description of the first difference from the model."""
    f = tempfile.SpooledTemporaryFile(max_size=max_size, mode="w+b", buffering=buffering)
    cookies = []
    pos = size = 0
    complete = True
    for step, op in enumerate(ops):
        name, _, arg = op.partition(" ")
        if (name not in REAL_SAFE or (name == "seekcur" and not 0 <= pos + int(arg) <= size)
                or (name == "readlines" and arg and not f._rolled)):
            complete = False
            break
        result = apply(f, op, True, cookies)
        if result != expected[step]:
            f.close()
            return "real SpooledTemporaryFile differs from the model at step %d [%s]: %s" % (
                step, op, result)
        if result.startswith("P"):
            pos = int(result[1:])
        elif result.startswith("n"):
            size = max(size, pos + int(result[1:]))
            pos += int(result[1:])
        elif result.startswith(("d", "l")):
            pos += len(bytes.fromhex(result[1:].replace(",", "")))
    if complete:
        state = []
        end_state(f, lambda: f._rolled, state)
        if state != expected[len(ops) :]:
            f.close()
            return "real SpooledTemporaryFile differs from the model at the end: " + " ".join(
                s[:80] for s in state)
    f.close()
    return None


def run(header, ops, out):
    fields = header.split()
    _, mode, buffering, encoding, newline = fields[:5]
    buffering = int(buffering)
    max_size = int(fields[5]) if len(fields) > 5 else None
    binary = "b" in mode
    spool = None
    if max_size is None:
        f = open_plain(mode, buffering, encoding, NEWLINES[newline])
    else:
        f, spool = open_spooled(mode, buffering, encoding, NEWLINES[newline], max_size)
    cookies = []
    results = [apply(f, op, binary, cookies, spool) for op in ops]
    end_state(f, None if spool is None else (lambda: spool.rolled), results)
    f.close()
    if spool is not None and mode == "w+b":
        difference = check_real(buffering, max_size, ops, results)
        if difference:
            results.append(difference)
    for result in results:
        out.write(result + "\n")


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
