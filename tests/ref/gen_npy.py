#!/usr/bin/env python3
"""gen_npy.py - write the .npy/.mlv fixtures in tests/ref/npy/.

The fixtures are committed, and CI never runs this script: the tests
(tests/cli/test-numpy.sh) compare mlv-cat's output with them without
needing Python.  Regenerate them only when a case is added or changed:

    /usr/bin/python3 tests/ref/gen_npy.py          # any python3 with numpy

from the top of the source tree (or anywhere: paths are relative to this
file), then review `git diff --stat tests/ref/npy` and commit.  The files
were made with numpy 1.24; np.save's output is deterministic and has kept
its format since numpy 1.14 (headers padded to 64 bytes).

For each case NAME there are three files:

  NAME.npy       the input, written by numpy's own np.save (several arrays
                 saved one after another to one file for "two")
  NAME.mlv       what `mlv-cat < NAME.npy` must write, byte for byte:
                 numpy's float32 conversion of each array, 1-D as one
                 column, (N, S, F) as N rows of S*F values with steps=S,
                 and no id (mlv-cat adds id=PATH only for a named file);
                 written with examples/mlv.py's writer
  NAME.back.npy  what `mlv-cat --to npy NAME.mlv` must write: each record
                 as a C-order float32 2-D array, as np.save writes it

and besides:

  two.stack.npy  `mlv-cat --to npy --stack < two.npy`
  stack.npy      `mlv-cat --to npy --stack f4.mlv f4_empty.mlv f8.mlv`
  awkward.mlv    two records whose metadata holds spaces, %, =, UTF-8,
                 newline, tab, quotes, < & > and control bytes (written by
                 examples/mlv.py); the second record has 0 rows
  awkward.npy    its data as np.save writes it (what `mlv-cat --to npy
                 awkward.mlv` must write)

The expected inexact counts of the integer cases (how many values float32
cannot hold exactly, which mlv-cat warns about) are printed at the end; the
test script states them.
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in examples/
sys.path.insert(0, os.path.join(HERE, "..", "..", "examples"))
import mlv  # noqa: E402

OUT = os.path.join(HERE, "npy")

F32 = np.float32


def f32_bits(*bits):
    return np.array(bits, dtype=np.uint32).view(np.float32)


CASES = {}

# float32 2-D: values that need all 9 significant digits, subnormals, -0.0,
# the extremes of the exponent range.
CASES["f4"] = [np.array([
    [F32(0.1), F32(1) / F32(3), np.nextafter(F32(1), F32(2)), F32(np.pi)],
    [f32_bits(1)[0], np.finfo(np.float32).tiny, f32_bits(0x00400001)[0], F32(-0.0)],
    [np.finfo(np.float32).max, -np.finfo(np.float32).max, F32(1e-30), F32(-123456.789)],
], dtype=np.float32)]

# float64 2-D: values that round (ties to even both ways, just above a tie),
# underflow to a subnormal or to +-0, and the largest finite float32.
CASES["f8"] = [np.array([
    [0.1, 1 / 3, 1 + 2.0**-24, 1 + 3 * 2.0**-24],
    [1 + 2.0**-24 + 2.0**-52, 1e-40, 1e-50, -1e-50],
    [3.4028235e38, 123456789.123456789, -2.5e-8, 6.02214076e23],
], dtype=np.float64)]

# int32: all exactly representable in float32 (no warning expected).
CASES["i4"] = [np.array([
    [0, 1, -1, -2**31],
    [2**24, -2**24, 2**24 - 1, 2**30],
    [12345, -100000, 7, 2**31 - 2**7],
], dtype=np.int32)]

# int64: 4 values float32 cannot hold (16777217 = 2^24+1 among them).
CASES["i8"] = [np.array([
    [16777217, 2**24 + 3, 2**40 + 1, -2**63],
    [2**62, 0, -5, 123456789],
], dtype=np.int64)]

# int64/uint64 values that a conversion through double rounds twice (to a
# float32 tie, then to even): 2^60+2^36+1 is 2^60+2^37 in float32, not
# 2^60.  2^53+1 (int64) and 2^64-1 (uint64) are inexact although their
# double is exact in float32.  2 inexact values each.
CASES["i8_round"] = [np.array([[2**60 + 2**36 + 1, 2**53 + 1, 1]], dtype=np.int64)]
CASES["u8_round"] = [np.array([[2**63 + 2**39 + 1, 2**64 - 1, 7]], dtype=np.uint64)]

CASES["u1"] = [np.array([[0, 1, 127, 128], [200, 254, 255, 42]], dtype=np.uint8)]
CASES["b1"] = [np.array([[True, False, False, True], [False, True, True, False]])]
CASES["f4_1d"] = [np.array([1.5, -2.25, 0.1, 1e-45, 3e38], dtype=np.float32)]
# (N, S, F) = (2, 3, 4): 2 rows of 12 values, steps=3.
CASES["f4_3d"] = [(np.arange(24, dtype=np.float32) * F32(0.1) - F32(1)).reshape(2, 3, 4)]
CASES["f4_fortran"] = [np.asfortranarray(
    (np.arange(12, dtype=np.float32) + F32(0.5)).reshape(3, 4) * F32(1.1))]
CASES["f4_be"] = [np.array([[1.0, -0.1, 1e-40, 3.4e38], [0.0, -0.0, 2.5, 1 / 3]],
                           dtype=">f4")]
CASES["f4_empty"] = [np.zeros((0, 4), dtype=np.float32)]
CASES["f4_zero_cols"] = [np.zeros((2, 0), dtype=np.float32)]
# NaN and infinity keep their bits through mlv-cat (a warning is expected).
CASES["f4_nonfinite"] = [f32_bits(0x7F800000, 0xFF800000, 0x7FC00000, 0x7FC00001,
                                  0xFFC00000).reshape(1, 5)]
# Two arrays of different types, one after the other in one file.
CASES["two"] = [np.array([[1, 2, 3], [4, 5, 6]], dtype=np.float32) / F32(7),
                np.array([[-1, 0, 1], [2**24, 10, 11], [12, 13, 14], [15, 16, 17]],
                         dtype=np.int32)]
# Format version 2.0 (4-byte header length), as np.save writes huge headers.
CASES["f4_v2"] = [np.array([[0.5, -0.5], [0.1, 1e-38]], dtype=np.float32)]
VERSION = {"f4_v2": (2, 0)}

# Metadata that needs percent-encoding, written by mlv.py.
AWKWARD = [
    ({"id": "dir with spaces/file%20name.wav",
      "title": "a=b c%d 100%",
      "artist": "Sigur R\u00f3s \u2014 \u00c1g\u00e6tis byrjun \u266b",
      "note": "line one\nline two\tafter a tab\r\n\"double\" 'single'",
      "markup": "<a href=\"x?a=1&b=2\">&amp; &lt;</a>",
      "empty": "",
      "label.part": "+-:._",
      "ctrl": "\x01\x1f\x7f~!",
      "pct": "%41%2g%"},
     np.array([[1.0, -0.0, 0.1], [1e-45, 3.4028235e38, -7.25]], dtype=np.float32)),
    ({"id": "empty record", "x": "100%", "y": " leading and trailing "},
     np.zeros((0, 3), dtype=np.float32)),
]


def mlv_view(a):
    """(meta, float32 2-D) as mlv-cat reads the array a from stdin."""
    meta = {}
    x = np.ascontiguousarray(a.astype(np.float32))
    if a.ndim == 0:
        x = x.reshape(1, 1)
    elif a.ndim == 1:
        x = x.reshape(-1, 1)
    elif a.ndim == 3:
        meta["steps"] = str(a.shape[1])
        x = x.reshape(a.shape[0], -1)
    return meta, x


def inexact(a):
    """How many integer values float32 cannot hold exactly."""
    if a.dtype.kind not in "iu":
        return 0
    return sum(int(v) != int(f) for v, f in zip(a.ravel().tolist(),
                                                 a.ravel().astype(np.float32).tolist()))


def save_all(path, arrays, version=None):
    with open(path, "wb") as f:
        for a in arrays:
            if version:
                np.lib.format.write_array(f, a, version=version)
            else:
                np.save(f, a)


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in os.listdir(OUT):
        if name.endswith((".npy", ".mlv")):
            os.remove(os.path.join(OUT, name))
    counts = {}
    for name, arrays in CASES.items():
        save_all(os.path.join(OUT, name + ".npy"), arrays, VERSION.get(name))
        recs = [mlv_view(a) for a in arrays]
        mlv.write(os.path.join(OUT, name + ".mlv"), recs)
        save_all(os.path.join(OUT, name + ".back.npy"), [x for _, x in recs])
        counts[name] = sum(inexact(a) for a in arrays)

    two = [mlv_view(a)[1] for a in CASES["two"]]
    save_all(os.path.join(OUT, "two.stack.npy"), [np.vstack(two)])
    parts = [mlv_view(CASES[n][0])[1] for n in ("f4", "f4_empty", "f8")]
    save_all(os.path.join(OUT, "stack.npy"), [np.vstack(parts)])

    mlv.write(os.path.join(OUT, "awkward.mlv"), AWKWARD)
    save_all(os.path.join(OUT, "awkward.npy"), [x for _, x in AWKWARD])

    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print("wrote %d files, %d bytes, in %s" % (len(os.listdir(OUT)), total, OUT))
    for name, n in counts.items():
        if n:
            print("  %s: %d inexact integer values" % (name, n))


if __name__ == "__main__":
    main()
