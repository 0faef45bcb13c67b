#!/usr/bin/env python3
"""mlv.py - read and write MLV streams with numpy.

An MLV stream, the format the mlv tools pass to each other (man/mlv.5), is
a concatenation of records.  A record is one ASCII header line

    MLV1 ROWS COLS key=value key=value ...\\n

followed by ROWS*COLS little-endian float32 values, row-major.  Values are
percent-encoded: every byte outside '!'..'~', and '%' itself, is written
%XX (uppercase; either case is read).  Keys are [A-Za-z0-9_.:+-]+.  An
empty file is an empty stream.

    import mlv
    for meta, x in mlv.read("in.mlv"):     # meta: dict, x: float32 (rows, cols)
        ...
    mlv.write("out.mlv", [({"id": "a", "dt": 0.025}, x)])
    mlv.write(sys.stdout, mlv.read(sys.stdin))          # a filter

read() and write() take a path, '-' (stdin/stdout), or an open file (a text
stream such as sys.stdin is replaced by its binary buffer).  Metadata
values are str: the decoded bytes as UTF-8, a byte that is not UTF-8 kept
as a surrogate escape, so that any value is written back as the bytes it
came from.  Reading a stream and writing it back reproduces it byte for
byte, as mlv-cat does; the metadata keeps its order.

write() converts arrays to float32 as numpy does (float64 rounds to
nearest); a 1-D array is written as one column.  Values that are not
str or bytes are written as str(value).

As a script, `python3 mlv.py [FILE...]` prints a summary of each record of
each FILE ('-' or none: stdin).

Needs only numpy.
"""
import contextlib
import re
import sys
from urllib.parse import unquote_to_bytes

import numpy as np

__all__ = ["read", "write", "records", "header", "quote", "unquote"]

# A header line as mlv writes it (and as mlv-cat accepts it: runs of spaces
# separate fields).  Values are printable ASCII, percent-encoded.
HEADER = re.compile(rb"MLV1 +([0-9]+) +([0-9]+)((?: +[A-Za-z0-9_.:+-]+=[!-~]*)*) *\n")
KEY = re.compile(r"[A-Za-z0-9_.:+-]+")
BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})|%00")


def unquote(text):
    """Decode a percent-encoded header value into str."""
    if BAD_ESCAPE.search(text):
        raise ValueError("bad percent-encoding in %r" % text)
    return unquote_to_bytes(text).decode("utf-8", "surrogateescape")


def quote(value):
    """Percent-encode a value exactly as mlv does: bytes outside '!'..'~'
    and '%' become %XX."""
    if isinstance(value, str):
        raw = value.encode("utf-8", "surrogateescape")
    elif isinstance(value, (bytes, bytearray)):
        raw = bytes(value)
    else:
        raw = str(value).encode("utf-8")
    if b"\0" in raw:
        raise ValueError("a metadata value cannot hold a NUL byte")
    return "".join(chr(b) if 0x21 <= b <= 0x7E and b != 0x25 else "%%%02X" % b
                   for b in raw)


def header(rows, cols, meta):
    """The header line of a record, newline included, as bytes."""
    fields = ["MLV1 %d %d" % (rows, cols)]
    for key, value in meta.items():
        if not KEY.fullmatch(key):
            raise ValueError("invalid metadata key %r" % key)
        fields.append("%s=%s" % (key, quote(value)))
    return (" ".join(fields) + "\n").encode("ascii")


def records(f):
    """Yield (meta, array) for each record of the binary file f."""
    while line := f.readline():
        m = HEADER.fullmatch(line)
        if not m:
            raise ValueError("bad MLV header: %r" % line[:80])
        rows, cols, meta = int(m[1]), int(m[2]), {}
        for field in m[3].decode("ascii").split():
            key, _, value = field.partition("=")
            if key in meta:
                raise ValueError("duplicate key %r" % key)
            meta[key] = unquote(value)
        payload = f.read(4 * rows * cols)
        if len(payload) != 4 * rows * cols:
            raise ValueError("truncated payload: %d of %d bytes"
                             % (len(payload), 4 * rows * cols))
        yield meta, np.frombuffer(payload, "<f4").astype(np.float32).reshape(rows, cols)


@contextlib.contextmanager
def _binary(target, mode):
    """An open binary file for a path, '-', or a file object."""
    if target == "-":
        target = sys.stdin if mode == "rb" else sys.stdout
    if isinstance(target, (str, bytes)) or hasattr(target, "__fspath__"):
        with open(target, mode) as f:
            yield f
        return
    if hasattr(target, "buffer"):   # a text stream: use its bytes
        if mode == "wb":
            target.flush()
        target = target.buffer
    yield target
    if mode == "wb":
        target.flush()


def read(path_or_file):
    """Yield (meta, array) for each record of an MLV stream: meta a dict of
    str, array a writable float32 numpy array of shape (rows, cols)."""
    with _binary(path_or_file, "rb") as f:
        yield from records(f)


def write(path_or_file, recs):
    """Write (meta, array) pairs as an MLV stream; returns the number of
    records written.  meta may be None."""
    n = 0
    with _binary(path_or_file, "wb") as f:
        for meta, array in recs:
            a = np.asarray(array)
            if a.ndim == 1:
                a = a.reshape(-1, 1)
            if a.ndim != 2:
                raise ValueError("MLV records are 2-D (got shape %s)" % (a.shape,))
            f.write(header(a.shape[0], a.shape[1], meta or {}))
            f.write(a.astype("<f4", order="C").tobytes())
            n += 1
    return n


def summary(meta, x):
    """One line on a record's values, then its metadata as in the header."""
    finite = x[np.isfinite(x)].astype(np.float64)
    line = "%d x %d" % x.shape
    if finite.size:
        line += ", min %.9g max %.9g mean %.9g" % (finite.min(), finite.max(),
                                                     finite.mean())
    if finite.size != x.size:
        line += ", %d NaN/Inf" % (x.size - finite.size)
    if meta:
        line += "\n  " + header(0, 0, meta).decode("ascii")[len("MLV1 0 0 "):-1]
    return line


def main(argv):
    status = 0
    for path in argv or ["-"]:
        name = "<stdin>" if path == "-" else path
        try:
            for i, (meta, x) in enumerate(read(path), 1):
                print("%s: record %d: %s" % (name, i, summary(meta, x)))
        except (OSError, ValueError) as e:
            sys.stdout.flush()
            print("mlv.py: %s: %s" % (name, e), file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
