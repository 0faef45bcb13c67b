# config.mk - what a packager may want to change.
VERSION = 0.1.0

PREFIX = /usr/local
BINDIR = $(PREFIX)/bin
LIBDIR = $(PREFIX)/lib
INCLUDEDIR = $(PREFIX)/include
MANPREFIX = $(PREFIX)/share/man
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR = $(PREFIX)/share/zsh/site-functions

# Debian packages: libsndfile1-dev libkissfft-dev libopenblas-dev
# liblapacke-dev libyaml-dev libsoxr-dev (scripts/deps.sh installs them).
PKGS = sndfile kissfft-float openblas lapacke yaml-0.1 soxr

CC = cc
# Library objects serve the static and the shared library alike; calls
# inside the library stay direct (no interposition), so -fPIC costs ~nothing.
PICFLAGS = -fPIC -fno-semantic-interposition
OPTFLAGS = -O3 -g -fno-math-errno
WARNFLAGS = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
SANFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined
