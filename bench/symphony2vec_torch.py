#!/usr/bin/env python3
"""Symphony2vec's VAE, contractive AE and CNN classifier in PyTorch (CPU),
the peers of examples/models/symphony2vec-{vae,cae,cnn}.yaml: same layer
shapes, batch 32, Adam lr 1e-3, shuffled each epoch.

  symphony2vec_torch.py MODEL [--rows N] [--epochs E] [--write-mlv]

MODEL is vae, cae or cnn.  The data are seeded standard normals made here
(N rows of 5603 values for vae and cae, N clips of 431 frames x 64 mel
bands for cnn, labelled with 5 classes in turn); --write-mlv writes the
same data to stdout as an MLV stream for mlv-train (one record per class, with
label.composer) and exits.  Otherwise E epochs are trained and the
process ends: bench-train.sh times whole processes of 1 and 1+E epochs,
for mlv-train and this script alike, so start-up cancels.

vae: encoder 1024-512-256-128 ReLU, a linear 80 split into mean and
log-variance, z = mean + exp(logvar / 2) eps, decoder 128-256-512-1024
ReLU and a linear output; MSE plus the KL term with mlv's weight and
warm-up.  cae: the same encoder to a linear 40-d embedding with
Rifai et al.'s penalty 0.01 ||J||_F^2 (for a linear layer, its weights'
squared norm).  cnn: three Conv2d 3x3 (5, 10, 10 filters, no padding),
each with batch normalisation per band and channel (mlv's batchnorm
over the flattened features: statistics over samples and frames), ReLU
and MaxPool2d 2, then 120 and 84 ReLU units and 5 logits; cross-entropy.
"""
import argparse
import sys

import numpy as np

FEAT = 5603
FRAMES, BANDS, CLASSES = 431, 64, 5


def data(model, rows):
    rng = np.random.default_rng(0)
    if model == "cnn":
        x = rng.standard_normal((rows, FRAMES * BANDS), dtype=np.float32)
    else:
        x = rng.standard_normal((rows, FEAT), dtype=np.float32)
    return x, np.arange(rows) % CLASSES


def write_mlv(f, model, x, y):
    extra = f" steps={FRAMES}" if model == "cnn" else ""
    for c in range(CLASSES):
        part = x[y == c]
        f.write(f"MLV1 {part.shape[0]} {part.shape[1]} id=c{c} "
                f"label.composer=c{c}{extra}\n".encode())
        f.write(part.astype("<f4").tobytes())


def build(model, torch, nn):
    def enc(last):
        return [nn.Linear(FEAT, 1024), nn.ReLU(), nn.Linear(1024, 512), nn.ReLU(),
                nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                nn.Linear(128, last)]

    def dec(first):
        return nn.Sequential(nn.Linear(first, 128), nn.ReLU(), nn.Linear(128, 256),
                             nn.ReLU(), nn.Linear(256, 512), nn.ReLU(),
                             nn.Linear(512, 1024), nn.ReLU(), nn.Linear(1024, FEAT))

    if model == "cnn":
        class BandNorm(nn.Module):
            """BatchNorm1d per (channel, band) over samples and frames."""
            def __init__(self, c, f):
                super().__init__()
                self.bn = nn.BatchNorm1d(c * f)

            def forward(self, x):  # (N, C, T, F)
                n, c, t, f = x.shape
                h = x.permute(0, 1, 3, 2).reshape(n, c * f, t)
                return self.bn(h).reshape(n, c, f, t).permute(0, 1, 3, 2)

        layers, c, t, f = [], 1, FRAMES, BANDS
        for filters in (5, 10, 10):
            t, f = t - 2, f - 2
            layers += [nn.Conv2d(c, filters, 3), BandNorm(filters, f), nn.ReLU(),
                       nn.MaxPool2d(2)]
            c, t, f = filters, t // 2, f // 2
        return nn.Sequential(*layers, nn.Flatten(), nn.Linear(c * t * f, 120), nn.ReLU(),
                             nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, CLASSES))
    if model == "cae":
        return nn.ModuleDict({"enc": nn.Sequential(*enc(40)), "dec": dec(40)})
    return nn.ModuleDict({"enc": nn.Sequential(*enc(80)), "dec": dec(40)})


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", choices=["vae", "cae", "cnn"])
    ap.add_argument("--rows", type=int, default=640)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--write-mlv", action="store_true")
    a = ap.parse_args()
    x, y = data(a.model, a.rows)
    if a.write_mlv:
        write_mlv(sys.stdout.buffer, a.model, x, y)
        return
    import torch
    from torch import nn
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    X, Y = torch.from_numpy(x), torch.from_numpy(y)
    if a.model == "cnn":
        X = X.reshape(a.rows, 1, FRAMES, BANDS)
    net = build(a.model, torch, nn)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    mse, xent = nn.MSELoss(), nn.CrossEntropyLoss()
    step = 0

    def loss_of(xb, yb):
        if a.model == "cnn":
            return xent(net(xb), yb)
        if a.model == "cae":
            lin = net["enc"][-1]
            return mse(net["dec"](net["enc"](xb)), xb) + 0.01 * (lin.weight ** 2).sum()
        h = net["enc"](xb)
        mu, logvar = h[:, :40], h[:, 40:]
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        kl = -0.5 * (1 + logvar - mu * mu - logvar.exp()).sum(1).mean()
        w = 0.0002 * min(1.0, step / 1000)
        return mse(net["dec"](z), xb) + w * kl

    total = 0.0
    for _ in range(a.epochs):
        perm = torch.randperm(a.rows)
        for s in range(0, a.rows, a.batch):
            idx = perm[s:s + a.batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_of(X[idx], Y[idx])
            loss.backward()
            opt.step()
            total = loss.item()
            step += 1
    print(f"LOSS {total:.6f}")


if __name__ == "__main__":
    sys.exit(main())
