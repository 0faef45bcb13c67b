#!/usr/bin/env python3
"""eval-sklearn.py - write the logistic-regression fixtures of lib/eval.c.

The fixtures are committed and CI never runs this script: tests/test-eval.c
and tests/cli/test-eval.sh read them without Python.  Regenerate them only
when a case changes:

    /usr/bin/python3 tests/ref/eval-sklearn.py     # numpy and scikit-learn

They were made with scikit-learn 1.2.1, numpy 1.24.2.

Files:
  eval-train.tsv, eval-test.tsv   "# ..." comments, then one row per line:
                                  class name, then 6 values (exact in
                                  float32, so mlv's float rows are these)
  eval-logreg.tsv                 "# ..." comments, then "case<TAB>what<TAB>
                                  values...": for each case the objective
                                  at scikit-learn's solution, coef_
                                  (classes x 6, row-major), intercept_,
                                  the predicted class of each test row,
                                  accuracy and balanced accuracy; and the
                                  exact minimiser, refined by Newton's
                                  method, and its predictions (exact_*)

Classes are 4 composers with overlapping Gaussian clouds whose columns have
very different scales (so standardising matters); the training rows list
the classes out of alphabetical order, and the class indices are
scikit-learn's (sorted names).
"""
import os

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, balanced_accuracy_score
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
NAMES = ["mozart", "bach", "haydn", "chopin"]
D = 6
SCALE = np.array([1.0, 10.0, 0.1, 3.0, 100.0, 0.5])
OFFSET = np.array([0.0, 50.0, -2.0, 0.0, 1000.0, 5.0])


def make(rng, means, per_class):
    rows, labels = [], []
    for name, mean in zip(NAMES, means):
        x = (mean + rng.normal(size=(per_class, D))) * SCALE + OFFSET
        rows.append(x)
        labels += [name] * per_class
    # four decimals, then float32: what mlv will hold
    x = np.round(np.vstack(rows), 4).astype(np.float32).astype(np.float64)
    return x, np.array(labels)


def write_rows(path, x, labels, what):
    with open(path, "w") as f:
        f.write("# %s rows of tests/ref/eval-sklearn.py: class, %d values\n"
                % (what, D))
        for name, row in zip(labels, x):
            f.write(name + "\t" + "\t".join("%.9g" % v for v in row) + "\n")


def objective(w, b, x, y, C):
    z = x @ w.T + b
    top = z.max(axis=1, keepdims=True)
    lse = top[:, 0] + np.log(np.exp(z - top).sum(axis=1))
    return (lse - z[np.arange(len(y)), y]).sum() + (w * w).sum() / (2 * C)


def newton(w, b, x, y, C, steps=50):
    """The exact minimiser, by Newton's method from scikit-learn's solution:
    its L-BFGS stops on a relative decrease of 64 eps, which on badly
    scaled columns is far from the optimum.  The intercepts' common shift
    leaves the objective unchanged; the least-squares step ignores it and
    the intercepts are centred (scikit-learn's, started at 0, sum to 0)."""
    n, d = x.shape
    k = w.shape[0]
    xa = np.hstack([x, np.ones((n, 1))])
    theta = np.hstack([w, b[:, None]])
    reg = np.ones(d + 1) / C
    reg[d] = 0
    for _ in range(steps):
        z = xa @ theta.T
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        r = p.copy()
        r[np.arange(n), y] -= 1
        g = (r.T @ xa + theta * reg).ravel()
        h = np.zeros((k * (d + 1), k * (d + 1)))
        for i in range(n):
            s = np.diag(p[i]) - np.outer(p[i], p[i])
            h += np.kron(s, np.outer(xa[i], xa[i]))
        h += np.diag(np.tile(reg, k))
        step = np.linalg.lstsq(h, g, rcond=None)[0]
        theta = theta - step.reshape(k, d + 1)
        theta[:, d] -= theta[:, d].mean()
        if np.abs(g).max() / n < 1e-14:
            break
    return theta[:, :d], theta[:, d], np.abs(g).max() / n


def main():
    rng = np.random.default_rng(20240611)
    means = rng.normal(scale=1.2, size=(len(NAMES), D))
    xtr, ltr = make(rng, means, 30)
    xte, lte = make(rng, means, 20)
    write_rows(os.path.join(HERE, "eval-train.tsv"), xtr, ltr, "training")
    write_rows(os.path.join(HERE, "eval-test.tsv"), xte, lte, "test")

    lines = [
        "# scikit-learn %s: LogisticRegression(C=C, multi_class='multinomial',"
        % sklearn.__version__,
        "#   solver='lbfgs', tol=1e-12, max_iter=100000), after StandardScaler"
        " fitted on",
        "#   the training rows (case std_*) or on the raw columns (raw_*).",
        "# objective: sum of cross-entropies + |coef|^2 / (2 C) at its "
        "solution;",
        "# gradmax: max |gradient| of objective / n there (how exact it is).",
        "# exact_*: the minimiser itself, by Newton's method from that solution",
        "#   (intercepts centred), and its objective and gradmax.",
    ]
    for case, standardize, C in (("std_C1", True, 1.0),
                                 ("raw_C0.01", False, 0.01)):
        a, b = xtr, xte
        if standardize:
            sc = StandardScaler().fit(xtr)
            a, b = sc.transform(xtr), sc.transform(xte)
        m = LogisticRegression(C=C, multi_class="multinomial", solver="lbfgs",
                               tol=1e-12, max_iter=100000).fit(a, ltr)
        classes = list(m.classes_)
        y = np.array([classes.index(v) for v in ltr])
        yt = np.array([classes.index(v) for v in lte])
        pred = m.predict(b)
        pidx = [classes.index(v) for v in pred]
        f = objective(m.coef_, m.intercept_, a, y, C)
        # gradient of objective / n at the solution
        z = a @ m.coef_.T + m.intercept_
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(len(y)), y] -= 1
        g = np.concatenate([(p.T @ a + m.coef_ / C).ravel(), p.sum(axis=0)])
        w, b0, gexact = newton(m.coef_, m.intercept_, a, y, C)
        lines.append("%s\tclasses\t%s" % (case, "\t".join(classes)))
        lines.append("%s\texact_objective\t%.17g" % (
            case, objective(w, b0, a, y, C)))
        lines.append("%s\texact_gradmax\t%.3g" % (case, gexact))
        lines.append("%s\texact_coef\t%s" % (case, "\t".join(
            "%.17g" % v for v in w.ravel())))
        lines.append("%s\texact_intercept\t%s" % (case, "\t".join(
            "%.17g" % v for v in b0)))
        epred = (b @ w.T + b0).argmax(axis=1)
        lines.append("%s\texact_predict\t%s" % (case, "\t".join(
            map(str, epred))))
        lines.append("%s\texact_accuracy\t%.17g" % (
            case, (epred == yt).mean()))
        lines.append("%s\tobjective\t%.17g" % (case, f))
        lines.append("%s\tgradmax\t%.3g" % (case, np.abs(g).max() / len(y)))
        lines.append("%s\tcoef\t%s" % (case, "\t".join(
            "%.17g" % v for v in m.coef_.ravel())))
        lines.append("%s\tintercept\t%s" % (case, "\t".join(
            "%.17g" % v for v in m.intercept_)))
        lines.append("%s\tpredict\t%s" % (case, "\t".join(map(str, pidx))))
        lines.append("%s\taccuracy\t%.17g" % (case, accuracy_score(lte, pred)))
        lines.append("%s\tbalanced_accuracy\t%.17g" % (
            case, balanced_accuracy_score(lte, pred)))
        lines.append("%s\titerations\t%d" % (case, m.n_iter_[0]))
        assert (yt >= 0).all()
    with open(os.path.join(HERE, "eval-logreg.tsv"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
