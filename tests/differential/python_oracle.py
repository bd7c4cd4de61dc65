#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The differential test's oracle: runs operation scripts through CPython 3.11's tempfile
(TemporaryFile, NamedTemporaryFile, SpooledTemporaryFile) and prints one result line per
operation, in the format differential_test.cpp compares against.

Script format (one item per line; payloads are hex of UTF-8 text, lone surrogates in their
3-byte form, or of bytes):
  SEQ <mode> <buffering> <encoding|-> <newline: none|empty|lf|cr|crlf|-> [<max_size>]
      [errors=<handler>] [named]
  write <hex> | writelines [<hex>,<hex>...] | read <n> | read1 <n> | peek <n> | readline <n>
  | readlines | readlines <hint> | next | readinto <n> | seek <offset> <whence>
  | seek0 | seekend | seekcur <n> | tell | seekcookie <i> | truncate | truncate <n> | flush
  | disk | pwrite <hex> | rollover | rolled | fileno
  END
A numeric sixth field makes it SpooledTemporaryFile(max_size=<max_size>) (rollover and rolled
are for those only); `named` makes it NamedTemporaryFile; otherwise TemporaryFile.
`disk` is the bytes really in the file: os.pread on fileno() of its fstat size, without a
flush (on a spooled file fileno() rolls over first: that is part of the operation). `pwrite`
writes bytes at offset 0 through the descriptor (only ever the first operation, before the
object has buffered anything: how a text file gets bytes invalid in its encoding).
The first result line is `open ok` or `open refused` (any exception from the constructor).

Buffer sizes. Our default buffer (buffering -1, and 1) is 8 KiB, chosen without an fstat
(docs/file-object.md, "No probing"), where CPython's open() takes st_blksize (often 4 KiB).
C io's results depend on the size (which writes stay in the buffer: what read1 sees past them
and what `disk` sees), so tempfile's io.open is replaced by one that builds open()'s own stack
with 8 KiB: FileIO, BufferedRandom/Reader/Writer, TextIOWrapper (use_our_buffer_size()).

SpooledTemporaryFile. CPython's real object runs every spooled sequence whose mode is w+, r+ or
x+ (text or binary), up to the first operation where its outcome is not sane or where it
differs from ours by a documented deviation (docs/python-differences.md); from there on, and
for other modes, a model of ours built from CPython's io is the reference (open_spooled). The
model runs every sequence, and wherever the real object ran, the two must agree step by step
(a line saying where they differ is appended otherwise, which fails the test): the model
cannot drift from CPython. The real object stops being compared after a text write or writelines whose size check
rolled it over by comparing a tell() cookie holding decoder state (accidental_rollover), where
its text rollover itself fails and ours does not (text_rollover_failed), and at:
  - a one-way (r w rb wb) or append (a a+ ab a+b) mode: CPython ignores the mode in memory
    (deviation "mode in memory"), and a read-only one cannot even roll over;
  - truncate growing the file in memory (truncate(n) with size < n <= max_size, or
    truncate() with the position past the end): BytesIO does not grow (deviation);
  - a seek to a negative position in memory: BytesIO raises ValueError, lseek (and ours) EINVAL;
  - binary readlines(hint) in memory: BytesIO stops once the lines total >= hint, IOBase (a
    file's, and ours everywhere) once they total > hint;
  - peek (CPython's SpooledTemporaryFile has none; ours has BufferedRandom's), and read1 or
    peek with buffering=0 (CPython's BytesIO has read1 in memory, its FileIO none on disk; ours
    refuses both in memory too, so that a call does not fail or work by where the bytes are);
  - text mode, before an operation that makes CPython call tell() (rollover, fileno, disk,
    pwrite, the end state's fileno(); with max_size > 0 also write and writelines) while
    tell() fails: after next() or readlines() ("telling position disabled by next() call"; the
    generator puts a flush() there), from a stale snapshot, or while re-decoding to rebuild the
    position (a decode error, an encode-only error handler): CPython's rollover, or its write
    after storing the text, raises;
  - text mode, at any operation after a rollover but rolled, disk, fileno, rollover and flush:
    CPython's new TextIOWrapper starts from seek(position) (deviation "text state at
    rollover"), without the old one's read-ahead (C io's truncate() and a write after a read
    act at the byte layer's position, past the read-ahead, in ours and in CPython's plain
    files), snapshot or decoder state (a BOM codec's decoder takes the BOM as seen, its encoder
    writes none); so from there on the model is the reference for text, and the bytes are
    still compared;
  - text mode `newlines` after a rollover (it is a new TextIOWrapper's). `newlines` is compared as long as the real object had not rolled
    over before the end state (the end state reads it before fileno()).
The model (SpoolBuffer over MemoryBytes, then over io's byte layer on a real TemporaryFile,
under one TextIOWrapper for the file's life) follows CPython's rollover: the text layer is
flushed first (CPython calls tell() and detach()), and a write or writelines that passes
max_size goes to memory first and is then copied, so every byte written is on disk after it.

Sequences with more than one sane outcome are not drawn (see differential_test.cpp): text
tell() from a stale snapshot after iteration; text rollovers while tell() is disabled.
"""
import errno
import io
import os
import sys
import tempfile

NEWLINES = {"none": None, "empty": "", "lf": "\n", "cr": "\r", "crlf": "\r\n", "-": None}
PLAIN_LIMIT = 1 << 62
OUR_DEFAULT_BUFFER_SIZE = 8192
REAL_SPOOLED_MODES = {"w+", "r+", "x+", "w+b", "r+b", "x+b", "w+t", "r+t", "x+t"}


def cookie(value):
    # Our cookies equal Python's when Python's fits in 62 bits; otherwise ours is a table index.
    # (Binary positions can even be negative: C io's seek() can return one, and so do we.)
    return "P%d" % value if value < PLAIN_LIMIT else "C"


def error_kind(error):
    # AttributeError: Python has no such method on that object (read1/peek on TextIOWrapper or
    # FileIO); ours throws unsupported_operation, as for a method the mode does not allow.
    if isinstance(error, AttributeError):
        return "UnsupportedOperation"
    # TypeError: an argument of the wrong kind, e.g. decoding with an encode-only error
    # handler ("don't know how to handle UnicodeDecodeError in error callback"); ours throws
    # std::invalid_argument for it, which stands for both TypeError and ValueError.
    if isinstance(error, TypeError):
        return "ValueError"
    for kind in (UnicodeError, io.UnsupportedOperation, ValueError, OSError):
        if isinstance(error, kind):
            return kind.__name__
    return type(error).__name__


def payload(value, binary):
    return (value if binary else value.encode("utf-8", "surrogatepass")).hex()


def text_of(data):
    return data.decode("utf-8", "surrogatepass")


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


class _OurIo:
    """tempfile's `_io` with open() building io.open's stack with our 8 KiB default buffer."""

    def __getattr__(self, name):
        return getattr(io, name)

    @staticmethod
    def open(file, mode="r", buffering=-1, encoding=None, errors=None, newline=None,
             closefd=True, opener=None):
        if buffering not in (-1, 1):
            return io.open(file, mode, buffering, encoding, errors, newline, closefd, opener)
        raw = io.open(file, raw_mode(mode), buffering=0, closefd=closefd, opener=opener)
        try:
            f = buffered(raw, buffering)
            if "b" in mode:
                return f
            text = io.TextIOWrapper(f, encoding, errors, newline, buffering == 1)
            text.mode = mode
            return text
        except BaseException:
            raw.close()  # as io.open does
            raise


def use_our_buffer_size():
    tempfile._io = _OurIo()


class MemoryBytes:
    """A spooled file's bytes before rollover, as our library keeps them: io.BytesIO used
    unbuffered (read(n), read1(n) give min(n, available), read1(-1) everything), but obeying
    the open mode with io's errors, growing on truncate(n) with zero bytes, and refusing a
    negative position as lseek does (OSError EINVAL, not BytesIO's ValueError)."""

    def __init__(self, mode, buffering):
        self.data = bytearray()
        self.pos = 0
        self.buffering = buffering
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
        return self._take(len(self.data) if size is None or size < 0 else size)

    def peek(self, size=0):
        # What BufferedRandom.peek gives on disk: a buffer fill at the position.
        self._need(True, "peek")
        ahead = bytes(self.data[self.pos :])
        return ahead[: buffer_size(self.buffering)]

    def readinto(self, into):
        self._need(True, "readinto")
        view = memoryview(into).cast("B")
        chunk = self._take(len(view))
        view[: len(chunk)] = chunk
        return len(chunk)

    def readline(self, size=-1):
        if size == 0 and not self.closed:
            return b""  # IOBase.readline reads nothing for a limit of 0, on any file
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
    MemoryBytes, then (after rollover) io.open's byte layer over a real TemporaryFile at the
    same position with the same bytes, all of them written to the file. check_size() is
    CPython's size check, which apply() makes where CPython's SpooledTemporaryFile does: after
    a write or writelines that did not raise (text: after flushing the text layer, as tell()
    does), never on a plain flush; truncate(n) rolls over first when n > max_size (even
    max_size 0). read1 and peek do not exist with buffering=0 (FileIO has neither)."""

    def __init__(self, mode, buffering, max_size):
        super().__init__()
        self.mode = mode
        self.buffering = buffering
        self.max_size = max_size
        self.rolled = False
        self.file = MemoryBytes(mode, buffering)

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

    def check_size(self):
        # Not for a read-only file (ours obeys the mode: nothing was written), whose rollover
        # CPython cannot even do (its new file is opened read-only, then written).
        if (not self.rolled and self.file.writable() and self.max_size > 0
                and self.file.tell() > self.max_size):
            self.rollover()

    def write(self, data):
        return self.file.write(data)

    def truncate(self, size=None):
        if not self.rolled and size is not None and size > self.max_size:
            self.rollover()
        return self.file.truncate(size)

    def read(self, size=-1):
        return self.file.read(size)

    def read1(self, size=-1):
        if self.buffering == 0:
            raise AttributeError("read1")
        return self.file.read1(size)

    def peek(self, size=0):
        if self.buffering == 0:
            raise AttributeError("peek")
        return self.file.peek(size)

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


def open_spooled(mode, buffering, encoding, newline, max_size, errors=None):
    """The model of our SpooledTemporaryFile: (file object to use, its SpoolBuffer). Text mode
    wraps the SpoolBuffer in one TextIOWrapper for the whole life of the file: rollover changes
    the storage under the byte layer, never the text layer."""
    spool = SpoolBuffer(mode, buffering, max_size)
    if "b" in mode:
        return spool, spool
    return io.TextIOWrapper(spool, encoding, errors, newline, buffering == 1), spool


class Config:
    def __init__(self, header):
        fields = header.split()
        self.mode, buffering, self.encoding, newline = fields[1:5]
        self.buffering = int(buffering)
        self.newline = NEWLINES[newline]
        self.binary = "b" in self.mode
        self.max_size = None
        self.errors = None
        self.named = False
        for field in fields[5:]:
            if field.startswith("errors="):
                self.errors = field[len("errors=") :]
            elif field == "named":
                self.named = True
            else:
                self.max_size = int(field)

    def text_args(self):
        if self.binary:
            return {}
        return {"encoding": self.encoding, "newline": self.newline, "errors": self.errors}

    def open_real(self):
        """CPython's own object for this configuration."""
        args = dict(mode=self.mode, buffering=self.buffering, **self.text_args())
        if self.max_size is not None:
            return tempfile.SpooledTemporaryFile(max_size=self.max_size, **args)
        if self.named:
            return tempfile.NamedTemporaryFile(**args)
        return tempfile.TemporaryFile(**args)


class Real:
    """The rollover hooks of CPython's own SpooledTemporaryFile."""

    def __init__(self, f):
        self.f = f

    def rollover(self):
        self.f.rollover()

    def rolled(self):
        return self.f._rolled


class Model:
    """The rollover hooks of the model (open_spooled): f the file, spool its SpoolBuffer."""

    def __init__(self, f, spool):
        self.f = f
        self.spool = spool

    def rollover(self):
        if not self.spool.rolled and not isinstance(self.f, SpoolBuffer):
            self.f.flush()  # CPython's rollover flushes the text layer (tell(), detach())
        self.spool.rollover()

    def rolled(self):
        return self.spool.rolled


def model_check_size(f, spooled, binary):
    """The model's size check, where CPython's SpooledTemporaryFile makes it."""
    if not binary:
        f.flush()
    spooled.spool.check_size()


def spooled_writelines(f, spooled, lines, model, binary):
    """SpooledTemporaryFile.writelines as CPython 3.14 has it (gh-127371), which ours follows:
    item by item, each a write() with its size check, and once rolled over the rest of the
    items in one writelines() to the file (so they sit in its buffer). An empty list writes
    nothing; the size check after it (apply) is 3.11's, which ours keeps: a writelines([])
    after a seek past max_size rolls over."""
    rest = iter(lines)
    for line in rest:
        f.write(line)
        if model and not spooled.rolled():
            model_check_size(f, spooled, binary)
        if spooled.rolled():
            (f if model else f._file).writelines(rest)
            break
    else:
        if not model and not lines:
            f.writelines(lines)  # 3.11's check after an empty list


def apply(f, op, config, cookies, spooled=None):
    """One operation on f (spooled: Real or Model hooks of a spooled file), as a result line."""
    name, _, arg = op.partition(" ")
    binary = config.binary
    model = isinstance(spooled, Model)
    try:
        if name in ("write", "writelines"):
            if name == "write":
                data = bytes.fromhex(arg)
                result = "n%d" % f.write(data if binary else text_of(data))
            else:
                items = [bytes.fromhex(item) for item in arg.split(",") if arg]
                lines = items if binary else [text_of(item) for item in items]
                if spooled is not None and config.max_size > 0 and not spooled.rolled():
                    spooled_writelines(f, spooled, lines, model, binary)
                else:
                    f.writelines(lines)
                result = "ok"
            # CPython's SpooledTemporaryFile checks tell() > max_size after a write or
            # writelines that did not raise; its tell() flushes the text layer first.
            if model and not spooled.rolled() and config.max_size > 0:
                model_check_size(f, spooled, binary)
        elif name == "read":
            result = "d" + payload(f.read(int(arg)), binary)
        elif name == "read1":
            result = "d" + payload(f.read1(int(arg)), binary)
        elif name == "peek":
            result = "d" + payload(f.peek(int(arg)), binary)
        elif name == "readline":
            result = "d" + payload(f.readline(int(arg)), binary)
        elif name == "readlines":
            lines = f.readlines(int(arg)) if arg else f.readlines()
            result = "l" + ",".join(payload(line, binary) for line in lines)
        elif name == "next":
            result = "d" + payload(next(iter(f), b"" if binary else ""), binary)
        elif name == "readinto":
            into = bytearray(int(arg))
            result = "d" + bytes(into[: f.readinto(into)]).hex()
        elif name == "seek":
            offset, whence = arg.split()
            result = cookie(f.seek(int(offset), int(whence)))
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
        elif name in ("rollover", "fileno", "disk", "pwrite"):
            if spooled is not None and (name == "rollover" or not spooled.rolled()):
                spooled.rollover()  # fileno() rolls over too
            if name == "rollover":
                return "ok"
            fd = f.fileno()
            if name == "disk":
                result = "b" + os.pread(fd, os.fstat(fd).st_size, 0).hex()
            elif name == "pwrite":
                result = "n%d" % os.pwrite(fd, bytes.fromhex(arg), 0)
            else:
                result = "ok"
        elif name == "rolled":
            result = "r%d" % spooled.rolled()
        else:
            raise SystemExit("unknown operation " + op)
    except (ValueError, OSError, AttributeError, TypeError) as error:
        result = "error:" + error_kind(error)
    return result


def newlines_line(f):
    lines = getattr(f, "newlines", None)
    if lines is None:
        lines = ()
    elif isinstance(lines, str):
        lines = (lines,)
    return "newlines " + ",".join(line.encode().hex() for line in lines)


def end_state(f, spooled, out):
    """Final lines: rolled state (spooled only), the file's bytes, newlines seen (read before
    fileno(), which rolls a spooled file over). The flush can fail (a pending encode error),
    as ours can: the lines still compare."""
    try:
        f.flush()
    except (ValueError, OSError, TypeError):
        pass
    if spooled is not None:
        out.append("rolled r%d" % spooled.rolled())
    newlines = newlines_line(f)
    if isinstance(spooled, Model) and not spooled.rolled():
        spooled.rollover()
    raw = f.fileno()
    size = os.fstat(raw).st_size
    out.append("content " + os.pread(raw, size, 0).hex())
    out.append(newlines)


def real_stops_at(f, op, config):
    """Whether CPython's SpooledTemporaryFile `f` is no reference for `op` (the docstring's
    list), judged from its state before the operation."""
    name, _, arg = op.partition(" ")
    if name == "peek" or (name == "read1" and config.buffering == 0):
        return True
    if f._rolled:
        # CPython's new TextIOWrapper starts from seek(position), without the old one's
        # read-ahead, snapshot and decoder state (deviation "text state at rollover").
        return not config.binary and name not in ("rolled", "disk", "fileno", "rollover", "flush")
    text = not config.binary
    memory = f._file.buffer if text else f._file
    size = len(memory.getbuffer())
    pos = memory.tell()
    if name == "truncate":
        target = int(arg) if arg else pos
        if size < target <= config.max_size or (not arg and target > size):
            return True
    if name in ("seek", "seekcur") and config.binary:
        offset, whence = (arg.split() + ["1"])[:2] if name == "seek" else (arg, "1")
        base = {0: 0, 1: pos, 2: size}[int(whence)]
        if base + int(offset) < 0:
            return True
    if name == "readlines" and arg and config.binary:
        return True
    # (Only where CPython's rollover is about to call tell() itself: a tell() from a snapshot
    # at the start of the file resets the decoder, and so `newlines`. After a write CPython's
    # tell() has no snapshot to rebuild from, so it fails only after next(), where the
    # generator puts a flush().)
    calls_tell = name in ("rollover", "fileno", "disk", "pwrite")
    return text and calls_tell and not can_tell(f)


def accidental_rollover(f, op, config, was_rolled):
    """Whether CPython's text size check just rolled `f` over by comparing max_size with a
    tell() cookie that holds decoder state (after a read, e.g. utf-32's "BOM undecided" flag
    makes the cookie huge) rather than with the byte position, which has not passed max_size:
    not a sane outcome, so the real object stops being a reference there (ours, and the
    model, compare byte positions)."""
    name = op.partition(" ")[0]
    return (not config.binary and not was_rolled and f._rolled
            and name in ("write", "writelines") and f._file.buffer.tell() <= config.max_size)


def text_rollover_failed(op, config, was_rolled, result):
    """Whether CPython's text rollover itself failed where ours did not: it makes a new
    TextIOWrapper and seeks it to the old one's tell() cookie, which can fail to restore a
    position the old wrapper reached by decoding (deviation "text state at rollover")."""
    name, _, arg = op.partition(" ")
    rolls = name in ("rollover", "fileno", "disk", "pwrite") or (
        name == "truncate" and arg != "" and int(arg) > config.max_size)
    return not config.binary and not was_rolled and result.startswith("error:") and rolls


def can_tell(f):
    """Whether CPython's text tell() works now: it fails after next() ("telling position
    disabled"), from a stale snapshot ("can't reconstruct logical file position"), and while
    re-decoding to reconstruct the position (a decode error, or a handler that cannot decode).
    Its rollover calls it, so its rollover fails there. (It flushes, as the rollover would.)"""
    try:
        f._file.tell()
    except Exception:  # noqa: BLE001 - any failure
        return False
    return True


def check_real(config, ops, expected):
    """The same operations through CPython's SpooledTemporaryFile, as far as it is a
    reference; returns a description of the first difference from the model, or None."""
    try:
        f = config.open_real()
    except Exception:  # noqa: BLE001 - any refusal
        return None if expected[0] == "open refused" else "real SpooledTemporaryFile refused"
    if expected[0] != "open ok":
        f.close()
        return "real SpooledTemporaryFile opened, the model refused"
    hooks = Real(f)
    cookies = []
    complete = True
    for step, op in enumerate(ops):
        if real_stops_at(f, op, config):
            complete = False
            break
        was_rolled = f._rolled
        result = apply(f, op, config, cookies, hooks)
        if result != expected[step + 1] and text_rollover_failed(op, config, was_rolled, result):
            complete = False  # CPython's rollover, not the sequence, failed: no reference
            break
        if result != expected[step + 1]:
            close_quietly(f)
            return "real SpooledTemporaryFile differs from the model at step %d [%s]: %s" % (
                step, op[:60], result[:200])
        if accidental_rollover(f, op, config, was_rolled):
            complete = False
            break
    newlines = newlines_line(f)  # before can_tell(), which can reset them
    if complete and not config.binary and not f._rolled and not can_tell(f):
        complete = False  # the end state's fileno() would roll over through a failing tell()
    if complete:
        rolled_before_end = f._rolled
        state = []
        end_state(f, hooks, state)
        state[-1] = newlines
        wanted = expected[len(ops) + 1 :]
        if rolled_before_end and not config.binary:
            state, wanted = state[:-1], wanted[:-1]  # newlines: a new TextIOWrapper
        if state != wanted:
            close_quietly(f)
            return "real SpooledTemporaryFile differs from the model at the end: " + " ".join(
                s[:80] for s in state)
    close_quietly(f)
    return None


def close_quietly(f):
    try:
        f.close()
    except (ValueError, OSError, TypeError):
        pass


def run(header, ops, out):
    config = Config(header)
    results = []
    try:
        if config.max_size is None:
            f, spooled = config.open_real(), None
        else:
            f, spool = open_spooled(config.mode, config.buffering, config.encoding,
                                    config.newline, config.max_size, config.errors)
            spooled = Model(f, spool)
        results.append("open ok")
    except Exception:  # noqa: BLE001 - any refusal at construction
        results.append("open refused")
        f = None
    if f is not None:
        cookies = []
        results += [apply(f, op, config, cookies, spooled) for op in ops]
        end_state(f, spooled, results)
        close_quietly(f)
    if config.max_size is not None and config.mode in REAL_SPOOLED_MODES:
        difference = check_real(config, ops, results)
        if difference:
            results.append(difference)
    for result in results:
        out.write(result + "\n")


def main():
    # buffering=1 in binary mode warns (RuntimeWarning) and uses the default size; so do we.
    import warnings
    warnings.simplefilter("ignore")
    # A SpooledTemporaryFile whose constructor raised (a bogus encoding) complains from
    # __del__; that is CPython's noise, not a result.
    sys.unraisablehook = lambda unraisable: None
    use_our_buffer_size()
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
