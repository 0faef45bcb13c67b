#!/bin/sh
# bench-cat.sh - mlv-cat passing a 1 GiB stream through (goal: >= 1 GB/s),
# beside cat(1) and numpy reading the same bytes.
. "$(dirname "$0")/lib.sh"

f=$WORK/cat-1g.mlv
make_input "$f" "mlv-gen --records 64 --rows 2048 --cols 2048 --seed 1"
bytes=$(wc -c <"$f")
gb=$(echo "$bytes" | awk '{print $1 / 1e9}')
cat "$f" >/dev/null # warm the page cache

echo "== mlv-cat: $(echo "$bytes" | awk '{printf "%.2f", $1 / 2^30}') GiB stream, 64 records of 2048 x 2048"
t_cat=$(best_of "cat '$f' >/dev/null")
row "cat FILE >/dev/null (peer)" "$t_cat" "$(echo "$gb $t_cat" | awk '{printf "%.2f GB/s", $1 / $2}')"
t_mlv=$(best_of "mlv-cat '$f' >/dev/null")
row "mlv-cat FILE >/dev/null" "$t_mlv" "$(echo "$gb $t_mlv $t_cat" | awk '{printf "%.2f GB/s, %.2fx cat time", $1 / $2, $2 / $3}')"
t_pcat=$(best_of "cat '$f' | cat | cat >/dev/null")
row "cat FILE | cat | cat (peer)" "$t_pcat" "$(echo "$gb $t_pcat" | awk '{printf "%.2f GB/s", $1 / $2}')"
t_pipe=$(best_of "cat '$f' | mlv-cat | cat >/dev/null")
row "cat FILE | mlv-cat | cat" "$t_pipe" "$(echo "$gb $t_pipe $t_pcat" | awk '{printf "%.2f GB/s, %.2fx cat time", $1 / $2, $2 / $3}')"
t_out=$(best_of "mlv-cat '$f' -o '$WORK/cat-copy.mlv'")
row "mlv-cat FILE -o FILE (atomic write)" "$t_out" "$(echo "$gb $t_out" | awk '{printf "%.2f GB/s", $1 / $2}')"
rm -f "$WORK/cat-copy.mlv"
t_sel=$(best_of "mlv-cat -w label.part=a '$f' >/dev/null")
row "mlv-cat --where (half the records)" "$t_sel" "$(echo "$gb $t_sel" | awk '{printf "%.2f GB/s read", $1 / $2}')"
py=$(peer_python)
if [ -n "$py" ]; then
	t_np=$(best_of "$py -c 'import sys; sys.path.insert(0, \"$ROOT/examples\"); import mlv; print(sum(a.size for m, a in mlv.read(\"$f\")))' >/dev/null")
	row "numpy reading via examples/mlv.py (peer)" "$t_np" "$(echo "$gb $t_np $t_mlv" | awk '{printf "%.2f GB/s; mlv-cat is %.1fx faster", $1 / $2, $2 / $3}')"
fi
ok=$(echo "$gb $t_mlv" | awk '{print ($1 / $2 >= 1) ? "met" : "NOT met"}')
echo "goal: mlv-cat >= 1 GB/s: $ok"
