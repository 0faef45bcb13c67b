#!/usr/bin/env python3
"""gen_dsp.py - write the reference fixtures of lib/dsp.c to tests/ref/dsp/.

The fixtures are committed and CI never runs this script: tests/test-dsp.c
reads them without Python.  Regenerate them only when a case is added or
changed:

    /usr/bin/python3 tests/ref/gen_dsp.py       # any python3 with numpy

then review `git diff --stat tests/ref/dsp` and commit.  They were made with
numpy 1.24.

librosa is not a dependency (nor is scipy): the functions below restate, in
numpy, the formulas of librosa 0.10/0.11 and of scipy.signal.get_window that
librosa calls, step by step and in librosa's dtypes, so that the fixtures
are what librosa would return.  Each one names the librosa function it
follows.  mlv's C code is checked against these numbers, not against this
script's code.

Files (all little-endian):

  NAME.f32 + NAME.shape   a dense float32 matrix, row-major; the .shape file
                          holds "rows cols" on its last line (comments above)
  NAME.txt                a sparse float32 matrix as text: "# ..." comments,
                          then "rows cols", then one line per row that has
                          nonzero entries: "row first count v1 v2 ...";
                          all other entries are exactly 0

The cases are made in main(); the comment lines of each .shape and .txt
file give its librosa call and parameters.
"""
import os
import sys

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dsp")


# --------------------------------------------------------------------------
# scipy.signal.get_window(kind, n, fftbins=True): general_cosine on n+1
# points of linspace(-pi, pi), the last one dropped (a periodic window).

COSINE_TERMS = {
    "hann": [0.5, 0.5],          # general_hamming(M, 0.5)
    "hamming": [0.54, 0.46],     # general_hamming(M, 0.54)
    "blackman": [0.42, 0.50, 0.08],
}


def get_window(kind, n):
    if n <= 1:
        return np.ones(n)
    m = n + 1
    fac = np.linspace(-np.pi, np.pi, m)
    w = np.zeros(m)
    for k, a in enumerate(COSINE_TERMS[kind]):
        w += a * np.cos(k * fac)
    return w[:-1]


def pad_center(data, size):
    # librosa.util.pad_center
    n = data.shape[-1]
    lpad = int((size - n) // 2)
    return np.pad(data, (lpad, int(size - n - lpad)), mode="constant")


# --------------------------------------------------------------------------
# librosa.core.convert

def hz_to_mel(frequencies, htk=False):
    frequencies = np.asanyarray(frequencies)[()]
    if htk:
        return 2595.0 * np.log10(1.0 + frequencies / 700.0)
    f_min = 0.0
    f_sp = 200.0 / 3
    mels = (frequencies - f_min) / f_sp
    min_log_hz = 1000.0
    min_log_mel = (min_log_hz - f_min) / f_sp
    logstep = np.log(6.4) / 27.0
    if frequencies.ndim:
        log_t = frequencies >= min_log_hz
        mels[log_t] = min_log_mel + np.log(frequencies[log_t] / min_log_hz) / logstep
    elif frequencies >= min_log_hz:
        mels = min_log_mel + np.log(frequencies / min_log_hz) / logstep
    return mels


def mel_to_hz(mels, htk=False):
    mels = np.asanyarray(mels)[()]
    if htk:
        return 700.0 * (10.0 ** (mels / 2595.0) - 1.0)
    f_min = 0.0
    f_sp = 200.0 / 3
    freqs = f_min + f_sp * mels
    min_log_hz = 1000.0
    min_log_mel = (min_log_hz - f_min) / f_sp
    logstep = np.log(6.4) / 27.0
    if mels.ndim:
        log_t = mels >= min_log_mel
        freqs[log_t] = min_log_hz * np.exp(logstep * (mels[log_t] - min_log_mel))
    elif mels >= min_log_mel:
        freqs = min_log_hz * np.exp(logstep * (mels - min_log_mel))
    return freqs


def mel_frequencies(n_mels, fmin, fmax, htk):
    min_mel = hz_to_mel(fmin, htk=htk)
    max_mel = hz_to_mel(fmax, htk=htk)
    mels = np.linspace(min_mel, max_mel, n_mels)
    return mel_to_hz(mels, htk=htk)


def fft_frequencies(sr, n_fft):
    return np.fft.rfftfreq(n=n_fft, d=1.0 / sr)


def hz_to_octs(frequencies, tuning=0.0, bins_per_octave=12):
    A440 = 440.0 * 2.0 ** (tuning / bins_per_octave)
    return np.log2(np.asanyarray(frequencies) / (float(A440) / 16))


# --------------------------------------------------------------------------
# librosa.util.normalize (fill=None: columns below the threshold are left
# as they are), threshold defaulting to librosa.util.tiny(S).

def normalize(S, norm, axis):
    threshold = np.finfo(S.dtype).tiny
    mag = np.abs(S).astype(float)
    if norm == np.inf:
        length = np.max(mag, axis=axis, keepdims=True)
    else:
        length = np.sum(mag ** norm, axis=axis, keepdims=True) ** (1.0 / norm)
    small_idx = length < threshold
    Snorm = np.empty_like(S)
    length[small_idx] = 1.0
    Snorm[:] = S / length
    return Snorm


# --------------------------------------------------------------------------
# librosa.filters

def mel_filters(sr, n_fft, n_mels, fmin, fmax, htk, norm):
    if fmax is None:
        fmax = float(sr) / 2
    weights = np.zeros((n_mels, int(1 + n_fft // 2)), dtype=np.float32)
    fftfreqs = fft_frequencies(sr, n_fft)
    mel_f = mel_frequencies(n_mels + 2, fmin, fmax, htk)
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    if norm == "slaney":
        enorm = 2.0 / (mel_f[2 : n_mels + 2] - mel_f[:n_mels])
        weights *= enorm[:, np.newaxis]
    empty = int(np.sum(~((mel_f[:-2] == 0) | (weights.max(axis=1) > 0))))
    return weights, empty


def chroma_filters(sr, n_fft, n_chroma=12, tuning=0.0, ctroct=5.0,
                   octwidth=2, norm=2, base_c=True):
    frequencies = np.linspace(0, sr, n_fft, endpoint=False)[1:]
    frqbins = n_chroma * hz_to_octs(frequencies, tuning=tuning,
                                    bins_per_octave=n_chroma)
    frqbins = np.concatenate(([frqbins[0] - 1.5 * n_chroma], frqbins))
    binwidthbins = np.concatenate((np.maximum(frqbins[1:] - frqbins[:-1], 1.0), [1]))
    D = np.subtract.outer(frqbins, np.arange(0, n_chroma, dtype="d")).T
    n_chroma2 = np.round(float(n_chroma) / 2)
    D = np.remainder(D + n_chroma2 + 10 * n_chroma, n_chroma) - n_chroma2
    wts = np.exp(-0.5 * (2 * D / np.tile(binwidthbins, (n_chroma, 1))) ** 2)
    wts = normalize(wts, norm=norm, axis=0)
    if octwidth is not None:
        wts *= np.exp(-0.5 * (((frqbins / n_chroma - ctroct) / octwidth) ** 2))[np.newaxis, :]
    if base_c:
        wts = np.roll(wts, -3 * (n_chroma // 12), axis=0)
    return np.ascontiguousarray(wts[:, : int(1 + n_fft / 2)], dtype=np.float32)


# --------------------------------------------------------------------------
# librosa.stft / librosa.feature._spectrogram.  With center=True librosa
# 0.9 padded the whole signal with np.pad(mode=pad_mode); 0.10 and later pad
# only slices at the head and tail, meant to give identical frames (librosa
# PR #1568).  stft_split() below restates that code and the script checks
# the two agree on every case here.  They do not quite always agree: with
# reflect padding, an even n_fft, and a signal length that is a multiple of
# hop >= n_fft/2, 0.10's tail slice holds exactly n_fft/2 samples and
# numpy reflects it twice, so the last sample of the last frame differs
# (it reads x[n-2] where whole-signal padding reads x[n-1-n_fft/2]).  mlv
# follows the whole-signal padding.  The window is float64, so the windowed
# frames and their FFT are float64; the result is stored as complex64, and
# |.|**power is float32.

def frame(y, n_fft, hop):
    n_frames = 1 + (len(y) - n_fft) // hop
    idx = np.arange(n_fft)[:, None] + hop * np.arange(n_frames)[None, :]
    return y[idx]


def fft_window(window, n_fft, win_length):
    return pad_center(get_window(window, win_length), n_fft)


def stft(y, n_fft, hop, win_length, window, center, pad_mode):
    w = fft_window(window, n_fft, win_length)
    if center:
        y = np.pad(y, (n_fft // 2, n_fft // 2), mode=pad_mode)
    frames = frame(y, n_fft, hop)
    return np.fft.rfft(w[:, None] * frames, axis=0).astype(np.complex64)


def stft_split(y, n_fft, hop, win_length, window, pad_mode):
    # librosa 0.10's centred stft: pad and frame only the head and the tail.
    w = fft_window(window, n_fft, win_length)[:, None]
    start_k = int(np.ceil(n_fft // 2 / hop))
    tail_k = (y.shape[-1] + n_fft // 2 - n_fft) // hop + 1
    if tail_k <= start_k:
        return stft(y, n_fft, hop, win_length, window, True, pad_mode)
    start = start_k * hop - n_fft // 2
    y_pre = np.pad(y[: (start_k - 1) * hop - n_fft // 2 + n_fft + 1],
                   (n_fft // 2, 0), mode=pad_mode)
    pre = frame(y_pre, n_fft, hop)[:, :start_k]
    parts = [pre]
    body = frame(y[start:], n_fft, hop)
    parts.append(body)
    if tail_k * hop - n_fft // 2 + n_fft <= y.shape[-1] + n_fft // 2:
        y_post = np.pad(y[tail_k * hop - n_fft // 2:], (0, n_fft // 2),
                        mode=pad_mode)
        parts.append(frame(y_post, n_fft, hop))
    frames = np.concatenate(parts, axis=1)
    return np.fft.rfft(w * frames, axis=0).astype(np.complex64)


def spectrogram(y, n_fft, hop, win_length=None, window="hann", center=True,
                pad_mode="constant", power=2):
    if win_length is None:
        win_length = n_fft
    D = stft(y, n_fft, hop, win_length, window, center, pad_mode)
    if center:
        D2 = stft_split(y, n_fft, hop, win_length, window, pad_mode)
        assert D2.shape == D.shape
        assert np.max(np.abs(D2 - D)) <= 1e-6 * max(1.0, np.max(np.abs(D)))
    return np.abs(D) ** power


# --------------------------------------------------------------------------
# librosa.power_to_db, librosa.amplitude_to_db (scalar ref), librosa.feature

def power_to_db(S, ref=1.0, amin=1e-10, top_db=80.0):
    magnitude = S
    ref_value = np.abs(ref)
    log_spec = 10.0 * np.log10(np.maximum(amin, magnitude))
    log_spec -= 10.0 * np.log10(np.maximum(amin, ref_value))
    if top_db is not None:
        log_spec = np.maximum(log_spec, log_spec.max() - top_db)
    return log_spec


def amplitude_to_db(S, ref=1.0, amin=1e-5, top_db=80.0):
    magnitude = np.abs(S)
    ref_value = np.abs(ref)
    power = np.square(magnitude)
    return power_to_db(power, ref=ref_value ** 2, amin=amin ** 2, top_db=top_db)


def dct_ortho(S, n_out):
    # scipy.fft.dct(S, type=2, norm="ortho", axis=0)[:n_out]:
    # y[k] = s(k) sum_n x[n] cos(pi k (2n + 1) / (2N)), s(0) = sqrt(1/N),
    # s(k) = sqrt(2/N); float32 in, float32 out, computed here in float64.
    N = S.shape[0]
    n = np.arange(N)
    k = np.arange(n_out)[:, None]
    D = np.cos(np.pi * k * (2 * n + 1) / (2 * N)) * np.sqrt(2.0 / N)
    D[0] *= np.sqrt(0.5)
    return (D @ S.astype(np.float64)).astype(np.float32)


def melspectrogram(S, sr, n_fft, **mel):
    basis, _ = mel_filters(sr, n_fft, **mel)
    return np.einsum("ft,mf->mt", S, basis, optimize=True)


def mfcc(S_mel, n_mfcc):
    return dct_ortho(power_to_db(S_mel), n_mfcc)


def chroma_stft(S, sr, n_fft, tuning=0.0):
    fb = chroma_filters(sr, n_fft, tuning=tuning)
    raw = np.einsum("cf,ft->ct", fb, S, optimize=True)
    return normalize(raw, norm=np.inf, axis=-2)


# --------------------------------------------------------------------------
# The test signal, restated in tests/test-dsp.c: silence for 0.1 s, then a
# linear chirp from 100 Hz to 8 kHz over the signal's duration plus two
# tones, computed in float64 and stored as float32.

def test_signal(sr, n):
    t = np.arange(n) / sr
    dur = n / sr
    f0, f1 = 100.0, 8000.0
    x = (0.5 * np.sin(2 * np.pi * 440.0 * t)
         + 0.25 * np.sin(2 * np.pi * 1234.5 * t + 0.3)
         + 0.2 * np.sin(2 * np.pi * (f0 * t + (f1 - f0) / (2 * dur) * t * t)))
    x[: int(sr // 10)] = 0.0
    return x.astype(np.float32)


# --------------------------------------------------------------------------
# Writers

written = []


def write_dense(name, a, comment):
    a = np.ascontiguousarray(a, dtype="<f4")
    if a.ndim == 1:
        a = a[None, :]
    a.tofile(os.path.join(OUT, name + ".f32"))
    with open(os.path.join(OUT, name + ".shape"), "w") as f:
        for line in comment.strip().splitlines():
            f.write("# " + line + "\n")
        f.write("%d %d\n" % a.shape)
    written.extend([name + ".f32", name + ".shape"])


def write_sparse(name, a, comment):
    a = np.asarray(a, dtype=np.float32)
    with open(os.path.join(OUT, name + ".txt"), "w") as f:
        for line in comment.strip().splitlines():
            f.write("# " + line + "\n")
        f.write("%d %d\n" % a.shape)
        for r in range(a.shape[0]):
            nz = np.nonzero(a[r])[0]
            if not len(nz):
                continue
            first, last = nz[0], nz[-1]
            vals = " ".join(repr(float(v)) for v in a[r, first : last + 1])
            f.write("%d %d %d %s\n" % (r, first, last - first + 1, vals))
    written.append(name + ".txt")


def main():
    os.makedirs(OUT, exist_ok=True)

    # Mel filter banks.
    mels = [
        ("mel_22050_2048_128_slaney", dict(sr=22050, n_fft=2048, n_mels=128,
         fmin=0.0, fmax=None, htk=False, norm="slaney")),
        ("mel_22050_2048_128_none", dict(sr=22050, n_fft=2048, n_mels=128,
         fmin=0.0, fmax=None, htk=False, norm=None)),
        ("mel_20000_1000_64_htk_slaney", dict(sr=20000, n_fft=1000, n_mels=64,
         fmin=30.0, fmax=8000.0, htk=True, norm="slaney")),
        ("mel_20000_1000_64_htk_none", dict(sr=20000, n_fft=1000, n_mels=64,
         fmin=30.0, fmax=8000.0, htk=True, norm=None)),
        # Too many bands for the bins: librosa warns of empty filters.
        ("mel_8000_128_128_empty", dict(sr=8000, n_fft=128, n_mels=128,
         fmin=0.0, fmax=None, htk=False, norm="slaney")),
    ]
    for name, kw in mels:
        w, empty = mel_filters(**kw)
        write_sparse(name, w, "librosa.filters.mel(%s)\nempty filters: %d" % (
            ", ".join("%s=%r" % kv for kv in kw.items()), empty))

    # Chroma filter banks (librosa.feature.chroma_stft's defaults, tuning 0).
    for sr, n_fft in [(22050, 2048), (20000, 1000)]:
        write_dense("chroma_%d_%d" % (sr, n_fft), chroma_filters(sr, n_fft),
                    "librosa.filters.chroma(sr=%d, n_fft=%d, tuning=0)" % (sr, n_fft))

    # dB: a fixed input over 12 decades, with exact zeros.
    i = np.arange(96, dtype=np.float64)
    p = (10.0 ** (-12 + (i % 48) / 4.0) * (1.0 + 0.5 * np.sin(i))).astype(np.float32)
    p[[5, 50, 77]] = 0.0
    write_dense("db_in", p, "power input of the dB cases")
    for tag, kw in [("default", dict()),
                    ("ref", dict(ref=3.5, amin=1e-6, top_db=40.0)),
                    ("none", dict(ref=1e-3, amin=1e-12, top_db=None)),
                    ("tiny_ref", dict(ref=1e-20, amin=1e-10, top_db=120.0))]:
        write_dense("power_to_db_" + tag, power_to_db(p, **kw),
                    "librosa.power_to_db(db_in, %r)" % (kw,))
    a = np.sqrt(p).astype(np.float32) * np.where(i % 3 == 0, -1, 1).astype(np.float32)
    write_dense("amp_in", a, "amplitude input of the dB cases (signed)")
    for tag, kw in [("default", dict()),
                    ("ref", dict(ref=-2.0, amin=1e-3, top_db=30.0)),
                    ("none", dict(ref=0.5, amin=1e-7, top_db=None))]:
        write_dense("amplitude_to_db_" + tag, amplitude_to_db(a, **kw),
                    "librosa.amplitude_to_db(amp_in, %r)" % (kw,))

    # MFCC of a fixed mel power spectrogram (32 bands x 6 frames).
    m, t = np.meshgrid(np.arange(32), np.arange(6), indexing="ij")
    S_mel = (np.exp(-0.2 * m) * (1.0 + np.cos(0.7 * m + 1.3 * t)) ** 2
             * 10.0 ** (t - 3.0)).astype(np.float32)
    S_mel[:, 5] = 0.0  # a silent frame
    write_dense("mfcc_mel_in", S_mel, "mel power spectrogram, 32 mels x 6 frames")
    write_dense("mfcc_db", power_to_db(S_mel), "librosa.power_to_db(mfcc_mel_in)")
    write_dense("mfcc_13", mfcc(S_mel, 13),
                "librosa.feature.mfcc(S=power_to_db(mfcc_mel_in), n_mfcc=13)")

    # Chroma of a fixed power spectrogram (sr 22050, n_fft 2048, 6 frames):
    # peaks at tones, a silent frame and a frame below float32's tiny.
    f = np.arange(1025)[:, None]
    tt = np.arange(6)[None, :]
    S = (np.exp(-((f - 20 - 37 * tt) / 3.0) ** 2) + 0.3 * np.exp(-((f - 81) / 2.0) ** 2)
         + 1e-3 * (1 + np.sin(0.1 * f + tt))).astype(np.float32)
    S[:, 3] = 0.0
    S[:, 4] = np.float32(1e-40)
    write_dense("chroma_pow_in", S, "power spectrogram, 1025 bins x 6 frames")
    write_dense("chroma_out", chroma_stft(S, 22050, 2048),
                "librosa.feature.chroma_stft(S=chroma_pow_in, sr=22050, tuning=0)")

    # Pipeline A: librosa's defaults (sr 22050, n_fft 2048, hop 512, hann,
    # 128 mels, centred), 1 s of the test signal.
    sr, n = 22050, 22050
    y = test_signal(sr, n)
    write_dense("sig_a_samples", y[::1000],
                "test_signal(22050, 22050)[::1000]")
    for pad in ("constant", "reflect"):
        S = spectrogram(y, 2048, 512, pad_mode=pad)
        T = S.shape[1]
        sel = [0, 1, 2, 3, 4, 5, T // 2, T - 3, T - 2, T - 1]
        write_dense("a_%s_power_frames" % pad, S[:, sel].T,
                    "|stft|**2 (n_fft 2048, hop 512, hann, centred, pad %s),\n"
                    "frames %s of %d, one frame per row" % (pad, sel, T))
        M = melspectrogram(S, sr, 2048, n_mels=128, fmin=0.0, fmax=None,
                           htk=False, norm="slaney")
        write_dense("a_%s_mel_db" % pad, power_to_db(M),
                    "power_to_db(melspectrogram), 128 mels x %d frames" % T)
        write_dense("a_%s_mfcc" % pad, mfcc(M, 20), "mfcc, n_mfcc 20")
        write_dense("a_%s_chroma" % pad, chroma_stft(S, sr, 2048),
                    "chroma_stft, tuning 0")

    # Pipeline B: the MusicLatentVIS STFT (sr 20000, n_fft 1000, hann of 500
    # centred in the frame, hop 500, reflect), 0.6 s; 64 HTK mels 30-8000 Hz.
    sr, n = 20000, 12000
    y = test_signal(sr, n)
    S = spectrogram(y, 1000, 500, win_length=500, pad_mode="reflect", power=1)
    write_dense("b_mag", S.T, "|stft| (n_fft 1000, win 500, hop 500, hann,\n"
                "centred, reflect), one frame per row, %d frames" % S.shape[1])
    M = melspectrogram(S ** 2, sr, 1000, n_mels=64, fmin=30.0, fmax=8000.0,
                       htk=True, norm="slaney")
    write_dense("b_mel_db", power_to_db(M), "power_to_db of 64 HTK mels")

    # Odd n_fft and a shorter Hamming window, uncentred.
    S = spectrogram(y[:3001], 999, 250, win_length=601, window="hamming",
                    center=False)
    write_dense("c_power", S.T, "|stft|**2 (n_fft 999, win 601 hamming, hop 250,\n"
                "uncentred) of test_signal(20000, 12000)[:3001]")

    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in written)
    print("wrote %d files, %d bytes, to %s" % (len(written), total, OUT),
          file=sys.stderr)


if __name__ == "__main__":
    main()
