#!/bin/sh
# bench-plot.sh - drawing 100,000 points to an 800x600 PNG: mlv-plot's
# scatter (coloured by record, as a map by track), trajectories and
# parallel coordinates (16 columns, its default 10,000 drawn rows), beside
# matplotlib drawing the same scatter in the same run (whole processes,
# Python's start and imports included, as a user would run either).
# Goal (issue 7): 100,000 points render to PNG in seconds.
. "$(dirname "$0")/lib.sh"

xy=$WORK/plot_xy.mlv
lat=$WORK/plot_lat.mlv
make_input "$xy" "mlv-gen --records 10 --rows 10000 --cols 2 --seed 1"
make_input "$lat" "mlv-gen --records 10 --rows 10000 --cols 16 --seed 2"
make_input "$WORK/plot_xy.npy" "mlv-cat -t npy --stack '$xy'"

echo "== 100,000 points to an 800x600 PNG"
t=$(best_of "mlv-plot -c id -o '$WORK/scatter.png' '$xy'")
py=$(peer_python)
tp=
if [ -n "$py" ] && "$py" -c 'import matplotlib' 2>/dev/null; then
	tp=$(best_of "'$py' -c '
import numpy as np, matplotlib
matplotlib.use(\"Agg\")
import matplotlib.pyplot as plt
x = np.load(\"$WORK/plot_xy.npy\")
fig = plt.figure(figsize=(8, 6), dpi=100)
plt.scatter(x[:, 0], x[:, 1], s=2, c=np.repeat(np.arange(10), 10000), cmap=\"tab10\")
fig.savefig(\"$WORK/scatter_mpl.png\")
'")
fi
row "matplotlib scatter, savefig PNG (peer)" "${tp:--}" ""
row "mlv-plot scatter, coloured by record" "$t" "$(ratio "$t" "$tp")"
t=$(best_of "mlv-plot --kind trajectories -o '$WORK/traj.png' '$xy'")
row "mlv-plot trajectories (random points: long crossing lines)" "$t" ""
t=$(best_of "mlv-plot --kind parallel -o '$WORK/par.png' '$lat'")
row "mlv-plot parallel, 16 axes, 10,000 rows drawn" "$t" ""
