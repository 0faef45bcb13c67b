#!/bin/bash
# stage.sh - the recipe shell of the examples under `make STAGES=1` (as the
# demo runs them): runs each recipe line as bash -o pipefail -ec would, and
# after every line that ran an mlv tool for a second or more prints one line
# on stderr: the experiment, the tool, what it wrote and how long it took,
# so a run of several minutes says where it is.
cmd=${!#}
start=$(date +%s.%N)
/bin/bash "$@"
status=$?
set -- $cmd
case $1 in
mlv-*) ;;
*) exit $status ;;
esac
tool=$1 out=
while [ $# -gt 0 ]; do
	case $1 in
	-o) out=${2:-} ;;
	-o*) out=${1#-o} ;;
	--output=*) out=${1#--output=} ;;
	esac
	shift
done
took=$(echo "$start $(date +%s.%N)" | awk '{print $2 - $1}')
if [ $status -ne 0 ] || awk -v t="$took" 'BEGIN { exit !(t >= 1) }'; then
	printf '  %-12s %-12s %-30s %7.1f s%s\n' "${PWD##*/}" "$tool" \
		"${out##*/}" "$took" \
		"$([ $status -eq 0 ] || echo "  (failed, status $status)")" >&2
fi
exit $status
