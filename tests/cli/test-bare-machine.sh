#!/bin/sh
# test-bare-machine.sh - README's first command on a machine without the
# packages: `make demo` installs what is missing and then builds in the same
# run.  (It used to fail once with "kiss_fft.h: No such file or directory",
# because the compiler flags were asked of pkg-config before the install.)
#
# A copy of the tree is built with shims on PATH that hide libkissfft-dev
# from dpkg-query and kissfft-float from pkg-config until the shimmed
# apt-get has "installed" it; the demo script itself is replaced by a check
# that the tools it would run were built.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$TESTS_DIR/.." && pwd)

mkdir -p tree/tests shim
for d in Makefile config.mk lib cmd page scripts examples/corpus tests/tools tests/test.h; do
	mkdir -p "tree/$(dirname "$d")"
	cp -R "$ROOT/$d" "tree/$d"
done
rm -f tree/lib/libmlv.a
printf '#!/bin/sh\n[ -x bin/mlv-spec ] && bin/mlv-spec --version && echo demo ran\n' >tree/scripts/demo.sh
installed=$SCRATCH/kissfft-installed
real_pkg_config=$(command -v pkg-config)

cat >shim/dpkg-query <<SHIM
#!/bin/sh
# dpkg-query -W -f='\${Status}' PACKAGE
for p; do pkg=\$p; done
if [ "\$pkg" = libkissfft-dev ] && [ ! -e "$installed" ]; then exit 1; fi
printf 'install ok installed'
SHIM
cat >shim/pkg-config <<SHIM
#!/bin/sh
case " \$* " in *kissfft*) [ -e "$installed" ] || exit 1 ;; esac
exec "$real_pkg_config" "\$@"
SHIM
cat >shim/apt-get <<SHIM
#!/bin/sh
case " \$* " in *" install "*libkissfft-dev*) : >"$installed" ;; esac
exit 0
SHIM
printf '#!/bin/sh\necho 0\n' >shim/id
chmod +x shim/*

# A make of its own, as a user starts it: not a child of make check.
PATH=$SCRATCH/shim:$PATH env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	make -j2 -C tree demo OPTFLAGS=-O0 >make.out 2>&1
status=$?
if [ "$status" -eq 0 ] && grep -q '^demo ran$' make.out; then
	ok "make demo installs the missing packages and builds in one run"
else
	not_ok "make demo installs the missing packages and builds in one run" \
		"exit status $status" "$(tail -n 15 make.out)"
fi
if grep -q 'installing missing Debian packages: libkissfft-dev' make.out; then
	ok "make demo names the package it installs"
else
	not_ok "make demo names the package it installs" "$(head -n 5 make.out)"
fi
if [ -e "$installed" ]; then ok "the install step ran"; else not_ok "the install step ran"; fi
