#!/usr/bin/env python3
"""k nearest neighbours of every row by the peers a user would pick:
pynndescent (NN-descent), hnswlib and faiss (HNSW), on T threads, with
recall@k against the exact neighbours of Q rows spread evenly over the
data (the same rows mlv-knn samples).

  knn_peers.py gen N D OUT      write gmm16-style data (the peers'
                                gen_data.gen_gmm, seed 0) as OUT.f32 and
                                the MLV stream OUT.mlv
  knn_peers.py run PEER FILE.f32 N D K T [Q]
                                prints SECONDS s and RECALL r
Only the search is timed, not the reading or the JIT warm-up.
"""
import os
import sys
import time

import numpy as np

# where bench/lib.sh looks: $MLV_PEERS, else ../shared/bench/peers beside
# the checkout
PEERS = os.environ.get("MLV_PEERS", os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "../../../shared/bench/peers"))
sys.path.insert(0, PEERS)


def gen(n, d, out):
    from gen_data import gen_gmm
    x, _ = gen_gmm(0, n, d)
    x.tofile(out + ".f32")
    with open(out + ".mlv", "wb") as f:
        f.write(f"MLV1 {n} {d} id=gmm{d}_n{n}\n".encode())
        f.write(x.astype("<f4").tobytes())


def exact(x, q, k):
    d2 = (q * q).sum(1)[:, None] + (x * x).sum(1)[None, :] - 2 * q @ x.T
    return np.argsort(d2, axis=1)[:, :k + 1]


def run(peer, path, n, d, k, t, nq):
    x = np.fromfile(path, dtype=np.float32).reshape(n, d)
    if peer == "pynndescent":
        import numba
        import pynndescent
        numba.set_num_threads(t)
        pynndescent.NNDescent(x[:2000], n_neighbors=10, n_jobs=t)  # JIT
        t0 = time.time()
        idx = pynndescent.NNDescent(x, n_neighbors=k + 1, n_jobs=t,
                                    random_state=0).neighbor_graph[0]
    elif peer == "hnswlib":
        import hnswlib
        t0 = time.time()
        p = hnswlib.Index(space="l2", dim=d)
        p.init_index(max_elements=n, ef_construction=200, M=16)
        p.set_num_threads(t)
        p.add_items(x)
        p.set_ef(k + 10)
        idx, _ = p.knn_query(x, k=k + 1)
    elif peer == "faiss":
        import faiss
        faiss.omp_set_num_threads(t)
        t0 = time.time()
        p = faiss.IndexHNSWFlat(d, 16)
        p.hnsw.efConstruction = 200
        p.add(x)
        p.hnsw.efSearch = k + 10
        _, idx = p.search(x, k + 1)
    else:
        sys.exit(f"knn_peers.py: {peer}: unknown peer")
    secs = time.time() - t0
    rows = np.arange(nq) * n // nq
    ex = exact(x, x[rows], k)
    hit = 0
    for r, i in enumerate(rows):
        got = set(int(j) for j in idx[i]) - {int(i)}
        want = set(int(j) for j in ex[r]) - {int(i)}
        hit += len(got & want)
    print(f"SECONDS {secs:.3f}")
    print(f"RECALL {hit / (nq * k):.4f}")


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    else:
        a = sys.argv[2:]
        run(a[0], a[1], int(a[2]), int(a[3]), int(a[4]), int(a[5]),
            int(a[6]) if len(a) > 6 else 1000)
