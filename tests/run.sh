#!/bin/sh
# run.sh - run every test and print one closing line "N passed, N failed".
#   unit tests:         build/tests/test-*          (C, lib/)
#   shell tests:        tests/cli/*.sh on bin/      (the real binaries)
#   under sanitizers:   build/asan/tests/test-* and tests/cli/*.sh on
#                       build/asan/bin (AddressSanitizer + UBSan)
#   man pages:          mandoc -Tlint
# Output of each suite is kept in build/test-logs/; failures are shown.
set -u
cd "$(dirname "$0")/.." || exit 1
logs=build/test-logs
rm -rf "$logs"
mkdir -p "$logs"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

suite() {
	name=$1
	shift
	log=$logs/$(echo "$name" | tr '/ ' '__').log
	"$@" >"$log" 2>&1
	status=$?
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	s=$(grep -c '^skip ' "$log")
	# A suite that dies (a crash, a sanitizer report) counts as a failure
	# even when the cases it printed passed.
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok $name exited with status $status" >>"$log"
	fi
	printf '%-40s %4d passed, %d failed%s\n' "$name" "$p" "$f" \
		"$([ "$s" -gt 0 ] && echo ", $s skipped")"
	if [ "$f" -gt 0 ]; then
		grep -E -A12 '^not ok ' "$log" | sed 's/^/    /' | head -n 60
		tail -n 5 "$log" | sed 's/^/    | /'
	fi
	echo "$p $f $s" >>"$logs/.counts"
}

for t in build/tests/test-*; do
	[ -x "$t" ] && suite "unit/${t##*/}" "$t"
done
for t in tests/cli/*.sh; do
	case $t in */lib.sh) continue ;; esac
	suite "cli/${t##*/}" env MLV_BIN=bin sh "$t"
done
for t in build/asan/tests/test-*; do
	[ -x "$t" ] && suite "asan/unit/${t##*/}" "$t"
done
for t in tests/cli/*.sh; do
	case $t in */lib.sh) continue ;; esac
	suite "asan/cli/${t##*/}" env MLV_BIN=build/asan/bin sh "$t"
done
# Each fuzz target once over its seeds (tests/fuzz/run.sh builds them).
suite "fuzz/regression" sh tests/fuzz/run.sh
# Warning-free under gcc and clang: every source compiled with -Werror.
warnings() {
	flags="-std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Werror -Ilib -Itests $(pkg-config --cflags $(sed -n 's/^PKGS = //p' config.mk))"
	for cc in gcc clang; do
		if ! command -v $cc >/dev/null 2>&1; then
			echo "skip $cc ($cc is not installed)"
			continue
		fi
		for src in lib/*.c cmd/*.c tests/*.c tests/tools/*.c tests/fuzz/*.c examples/corpus/*.c; do
			[ -e "$src" ] || continue
			if out=$($cc $flags -c -o /dev/null "$src" 2>&1); then
				echo "ok $cc $src"
			else
				echo "not ok $cc $src"
				echo "$out" | sed 's/^/#   /'
			fi
		done
	done
}
suite "build/warnings (gcc, clang)" warnings

# make install into a scratch DESTDIR puts every part where it belongs.
install_check() {
	dest=$(mktemp -d "${TMPDIR:-/tmp}/mlv-install.XXXXXX")
	if ! out=$(make -s install DESTDIR="$dest" PREFIX=/usr 2>&1); then
		echo "not ok make install"
		echo "$out" | sed 's/^/#   /'
		rm -rf "$dest"
		return
	fi
	echo "ok make install"
	for src in cmd/mlv-*.c; do
		t=$(basename "$src" .c)
		for f in usr/bin/$t usr/share/man/man1/$t.1 usr/share/bash-completion/completions/$t; do
			[ -e "$dest/$f" ] && echo "ok installed $f" || echo "not ok installed $f"
		done
		"$dest/usr/bin/$t" --version >/dev/null 2>&1 && echo "ok installed $t runs" || echo "not ok installed $t runs"
	done
	for f in usr/lib/libmlv.a usr/lib/libmlv.so usr/lib/libmlv.so.0 usr/lib/pkgconfig/mlv.pc usr/include/mlv/stream.h usr/share/man/man5/mlv.5 usr/share/man/man7/mlv.7 usr/share/zsh/site-functions/_mlv; do
		[ -e "$dest/$f" ] && echo "ok installed $f" || echo "not ok installed $f"
	done
	make -s uninstall DESTDIR="$dest" PREFIX=/usr >/dev/null 2>&1
	left=$(find "$dest" \( -type f -o -type l \) | wc -l)
	[ "$left" -eq 0 ] && echo "ok make uninstall removes every file" || echo "not ok make uninstall left $left files"
	rm -rf "$dest"
	library_check
}

# Installed under a prefix of one's own, libmlv is found by pkg-config and
# a program built with its flags links the shared library and runs; the
# format's man page is found by man.
library_check() {
	prefix=$(mktemp -d "${TMPDIR:-/tmp}/mlv-prefix.XXXXXX")
	make -s install PREFIX="$prefix" >/dev/null 2>&1
	cat >"$prefix/count.c" <<-'EOF'
	#include <mlv/stream.h>
	#include <stdio.h>
	int main(void)
	{
		mlv_reader *rd = mlv_reader_open("-");
		mlv_record r;
		mlv_record_init(&r);
		size_t n = 0;
		while (rd && mlv_read(rd, &r) > 0)
			n++;
		printf("%zu records\n", n);
		return 0;
	}
	EOF
	flags=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs mlv 2>&1)
	if out=$(cc -o "$prefix/count" "$prefix/count.c" $flags 2>&1); then
		echo "ok a program builds with pkg-config --cflags --libs mlv"
	else
		echo "not ok a program builds with pkg-config --cflags --libs mlv"
		echo "$out" | sed 's/^/#   /'
	fi
	n=$(build/tools/mlv-gen --records 3 --rows 2 --cols 2 --seed 1 |
	    LD_LIBRARY_PATH="$prefix/lib" "$prefix/count" 2>&1)
	[ "$n" = "3 records" ] && echo "ok it runs with the shared libmlv" || echo "not ok it runs with the shared libmlv: $n"
	LD_LIBRARY_PATH="$prefix/lib" ldd "$prefix/count" 2>/dev/null | grep -q "libmlv.so.0 => $prefix/lib/" &&
		echo "ok it links libmlv.so.0" || echo "not ok it links libmlv.so.0"
	if command -v man >/dev/null 2>&1; then
		[ "$(MANPATH="$prefix/share/man" man -w 5 mlv 2>&1)" = "$prefix/share/man/man5/mlv.5" ] &&
			echo "ok man 5 mlv finds the format" || echo "not ok man 5 mlv finds the format"
	else
		echo "skip man 5 mlv (man is not installed)"
	fi
	rm -rf "$prefix"
}
suite "build/install" install_check

# Every option a tool's --help lists is completed by bash and by zsh (zsh's
# shared ones, in its $help and $common arrays, once for all).
completion_check() {
	for src in cmd/mlv-*.c; do
		t=$(basename "$src" .c)
		opts=$(bash -c '. completions/bash/mlv; _mlv_spec "$1" && echo $opts' _ "$t")
		zblock=$(awk -v t="$t)" '$0 == t { on = 1; next } on && /^  ;;/ { exit } on' completions/zsh/_mlv)
		for o in $(bin/$t --help | grep -E '^ +(-[a-zA-Z0-9], )?--[a-zA-Z]' |
		           grep -oE -- '--[a-zA-Z][a-zA-Z0-9-]*' | sort -u); do
			case " $opts " in
			*" $o "*) echo "ok bash completes $t $o" ;;
			*) echo "not ok bash completes $t $o" ;;
			esac
			case $o in
			--help | --version | --output | --quiet) continue ;;
			esac
			if printf '%s\n' "$zblock" | grep -q -- "$o[]=[}]"; then
				echo "ok zsh completes $t $o"
			else
				echo "not ok zsh completes $t $o"
			fi
		done
	done
}
suite "completions (bash, zsh)" completion_check
if command -v mandoc >/dev/null 2>&1; then
	suite "man/mandoc-lint" sh -c '
		for m in man/*.[157]; do
			out=$(mandoc -Tlint -Wwarning "$m" 2>&1)
			if [ -z "$out" ]; then echo "ok $m"; else echo "not ok $m"; echo "$out" | sed "s/^/#   /"; fi
		done'
else
	echo "skip man/mandoc-lint (mandoc is not installed)" >"$logs/man.log"
	echo "0 0 1" >>"$logs/.counts"
fi

awk '{p += $1; f += $2; s += $3}
     END {
	     if (s) printf "%d passed, %d failed, %d skipped\n", p, f, s;
	     else printf "%d passed, %d failed\n", p, f;
	     exit f > 0
     }' "$logs/.counts"
