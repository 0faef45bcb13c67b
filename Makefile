# mlv - a Unix toolkit for exploring the latent spaces of music.
# `make` builds lib/libmlv.a and bin/mlv-*; `make check` tests; `make bench`
# measures; `make install PREFIX=... DESTDIR=...` installs.
include config.mk

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

# Compile lines are short ("CC lib/dsp.c"); `make V=1` shows them whole.
ifeq ($(V),1)
Q :=
say :=
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2);
endif

CPPFLAGS += -Ilib -DMLV_VERSION='"$(VERSION)"' $(PKG_CFLAGS)
CFLAGS += -std=c11 -D_GNU_SOURCE $(OPTFLAGS) $(WARNFLAGS) -pthread
LDLIBS += $(PKG_LIBS) -lm -pthread

LIB_SRC := $(sort $(wildcard lib/*.c))
LIB_HDR := $(sort $(wildcard lib/*.h))
CMD_SRC := $(sort $(wildcard cmd/mlv-*.c))
TEST_SRC := $(sort $(wildcard tests/test-*.c))
# libfault.c is a shared object for LD_PRELOAD (test-faults.sh), not a tool.
TOOL_SRC := $(sort $(filter-out tests/tools/libfault.c,$(wildcard tests/tools/*.c)))
# Programs of examples/ (the corpus generator): built beside the test
# tools, which the shell tests and the examples' Makefiles both use.
EXAMPLE_SRC := $(sort $(wildcard examples/corpus/*.c))

LIB_OBJ := $(LIB_SRC:lib/%.c=build/lib/%.o)
BINS := $(CMD_SRC:cmd/%.c=bin/%)
TESTS := $(TEST_SRC:tests/%.c=build/tests/%)
TEST_TOOLS := $(TOOL_SRC:tests/tools/%.c=build/tools/%) build/tools/libfault.so \
	$(foreach f,$(EXAMPLE_SRC),build/tools/$(notdir $(f:.c=)))

ASAN_LIB_OBJ := $(LIB_SRC:lib/%.c=build/asan/lib/%.o)
ASAN_BINS := $(CMD_SRC:cmd/%.c=build/asan/bin/%)
ASAN_TESTS := $(TEST_SRC:tests/%.c=build/asan/tests/%)

MAN1 := $(sort $(wildcard man/*.1))
MAN5 := $(sort $(wildcard man/*.5))
MAN7 := $(sort $(wildcard man/*.7))

# Everything the tests, benches and examples run: the tools, and the data
# generators beside them.
all: deps-check lib/libmlv.a lib/libmlv.so $(BINS) $(TEST_TOOLS)

deps-check:
	@sh scripts/deps.sh --check

deps:
	@sh scripts/deps.sh

# The shared library: the same objects (compiled -fPIC), a soname that
# changes with the major version.
SONAME := libmlv.so.$(firstword $(subst ., ,$(VERSION)))
lib/libmlv.so: $(LIB_OBJ)
	$(call say,CCLD,$@)$(CC) -shared -Wl,-soname,$(SONAME) -o $@ $(LIB_OBJ) $(LDLIBS)

lib/libmlv.a: $(LIB_OBJ)
	$(call say,AR,$@)rm -f $@
	$(Q)$(AR) rcs $@ $(LIB_OBJ)

build/lib/%.o: lib/%.c $(LIB_HDR) config.mk
	@mkdir -p $(@D)
	$(call say,CC,$<)$(CC) $(CPPFLAGS) $(CFLAGS) $(PICFLAGS) -c -o $@ $<

bin/%: cmd/%.c lib/libmlv.a $(LIB_HDR)
	@mkdir -p $(@D)
	$(call say,CCLD,$@)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< lib/libmlv.a $(LDLIBS)

build/tests/%: tests/%.c tests/test.h lib/libmlv.a $(LIB_HDR)
	@mkdir -p $(@D)
	$(call say,CCLD,$@)$(CC) $(CPPFLAGS) $(CFLAGS) -Itests -o $@ $< lib/libmlv.a $(LDLIBS)

build/tools/%: tests/tools/%.c lib/libmlv.a $(LIB_HDR)
	@mkdir -p $(@D)
	$(call say,CCLD,$@)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< lib/libmlv.a $(LDLIBS)

build/tools/libfault.so: tests/tools/libfault.c
	@mkdir -p $(@D)
	$(call say,CCLD,$@)$(CC) $(CFLAGS) -fPIC -shared -o $@ $< -ldl

build/tools/%: examples/corpus/%.c lib/libmlv.a $(LIB_HDR)
	@mkdir -p $(@D)
	$(call say,CCLD,$@)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< lib/libmlv.a $(LDLIBS)

# mlv-explore carries its page: page/explore.{html,css,js} as a generated
# header (the script refuses CSS or JS that could end its element).
PAGE_SRC := page/explore.html page/explore.css page/explore.js
build/gen/explore-page.h: scripts/embed-page.sh $(PAGE_SRC)
	@mkdir -p $(@D)
	$(call say,GEN,$@)sh scripts/embed-page.sh $@ $(PAGE_SRC)
bin/mlv-explore build/asan/bin/mlv-explore: build/gen/explore-page.h

# The same library, tools and unit tests under AddressSanitizer and
# UndefinedBehaviorSanitizer.
build/asan/libmlv.a: $(ASAN_LIB_OBJ)
	$(call say,AR,$@)rm -f $@
	$(Q)$(AR) rcs $@ $(ASAN_LIB_OBJ)

build/asan/lib/%.o: lib/%.c $(LIB_HDR) config.mk
	@mkdir -p $(@D)
	$(call say,CC,$<)$(CC) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) -c -o $@ $<

build/asan/bin/%: cmd/%.c build/asan/libmlv.a $(LIB_HDR)
	@mkdir -p $(@D)
	$(call say,CCLD,$@)$(CC) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) -o $@ $< build/asan/libmlv.a $(LDLIBS)

build/asan/tests/%: tests/%.c tests/test.h build/asan/libmlv.a $(LIB_HDR)
	@mkdir -p $(@D)
	$(call say,CCLD,$@)$(CC) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) -Itests -o $@ $< build/asan/libmlv.a $(LDLIBS)

# Fuzz targets of tests/fuzz/ (clang's libFuzzer, with ASan and UBSan) on
# the library built again for them.  `make fuzz FUZZ_SECONDS=N` fuzzes each
# for N seconds; make check runs each over its seed corpus.
FUZZ_CC = clang
FUZZ_SECONDS = 60
FUZZ_SRC := $(sort $(wildcard tests/fuzz/*.c))
FUZZ_TARGETS := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_LIB_OBJ := $(LIB_SRC:lib/%.c=build/fuzz/lib/%.o)
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARNFLAGS) -pthread $(SANFLAGS)

build/fuzz/lib/%.o: lib/%.c $(LIB_HDR) config.mk
	@mkdir -p $(@D)
	$(call say,CC,$<)$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build/fuzz/libmlv.a: $(FUZZ_LIB_OBJ)
	$(call say,AR,$@)rm -f $@
	$(Q)$(AR) rcs $@ $(FUZZ_LIB_OBJ)

build/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h build/fuzz/libmlv.a $(LIB_HDR)
	$(call say,CCLD,$@)$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< build/fuzz/libmlv.a $(LDLIBS)

fuzz-targets: $(FUZZ_TARGETS)

fuzz:
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS)

# `make check` and `make demo` first install the packages that are missing,
# then go on in a second make: pkg-config's flags above were read when this
# make started, before the install, and would lack the new packages.
# (Given on the sub-make's command line only: a make that merely inherits
# it, like a test's, installs as a user's would.)
ifneq ($(origin MLV_DEPS_READY),command line)
check demo:
	@sh scripts/deps.sh
	@$(MAKE) --no-print-directory MLV_DEPS_READY=1 $@
else
check: all $(TESTS) $(ASAN_TESTS) $(ASAN_BINS)
	@sh tests/run.sh

# README's first command: the main job, on data it makes itself.
demo: all
	@sh scripts/demo.sh
endif

bench:
	@sh scripts/deps.sh --bench
	@$(MAKE) -s all
	@sh bench/run.sh

# README's picture of mlv-explore, from the demo's notes page.
screenshot: all
	@sh scripts/screenshot.sh

# Build with the other compiler too (warnings are errors here) to keep the
# tree clean under both gcc and clang.
compilers:
	$(MAKE) clean && $(MAKE) CC=gcc WARNFLAGS="$(WARNFLAGS) -Werror" all $(TESTS)
	$(MAKE) clean && $(MAKE) CC=clang WARNFLAGS="$(WARNFLAGS) -Werror" all $(TESTS)

lint-man:
	mandoc -Tlint -Wwarning $(MAN1) $(MAN5) $(MAN7)

# Paths in mlv.pc relative to ${prefix} where they are under it, so that
# pkg-config --define-prefix finds a relocated install.
under_prefix = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/mlv
	mkdir -p $(DESTDIR)$(MANPREFIX)/man1 $(DESTDIR)$(MANPREFIX)/man5 $(DESTDIR)$(MANPREFIX)/man7
	mkdir -p $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	cp -f $(BINS) $(DESTDIR)$(BINDIR)/
	cp -f lib/libmlv.a $(DESTDIR)$(LIBDIR)/
	cp -f lib/libmlv.so $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libmlv.so
	mkdir -p $(DESTDIR)$(LIBDIR)/pkgconfig
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@VERSION@|$(VERSION)|' \
		-e 's|@LIBDIR@|$(call under_prefix,$(LIBDIR))|' \
		-e 's|@INCLUDEDIR@|$(call under_prefix,$(INCLUDEDIR))|' \
		lib/mlv.pc.in >$(DESTDIR)$(LIBDIR)/pkgconfig/mlv.pc
	cp -f $(LIB_HDR) $(DESTDIR)$(INCLUDEDIR)/mlv/
	cp -f $(MAN1) $(DESTDIR)$(MANPREFIX)/man1/
	cp -f $(MAN5) $(DESTDIR)$(MANPREFIX)/man5/
	cp -f $(MAN7) $(DESTDIR)$(MANPREFIX)/man7/
	for t in $(CMD_SRC:cmd/%.c=%); do \
		cp -f completions/bash/mlv $(DESTDIR)$(BASHCOMPDIR)/$$t || exit 1; done
	cp -f completions/zsh/_mlv $(DESTDIR)$(ZSHCOMPDIR)/_mlv

uninstall:
	for t in $(CMD_SRC:cmd/%.c=%); do \
		rm -f $(DESTDIR)$(BINDIR)/$$t $(DESTDIR)$(BASHCOMPDIR)/$$t; done
	rm -f $(DESTDIR)$(LIBDIR)/libmlv.a $(DESTDIR)$(LIBDIR)/libmlv.so \
		$(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/pkgconfig/mlv.pc \
		$(DESTDIR)$(ZSHCOMPDIR)/_mlv
	rm -rf $(DESTDIR)$(INCLUDEDIR)/mlv
	for m in $(MAN1) $(MAN5) $(MAN7); do \
		s=$${m##*.}; rm -f $(DESTDIR)$(MANPREFIX)/man$$s/$${m#man/}; done

clean:
	rm -rf build bin lib/libmlv.a lib/libmlv.so

.PHONY: all deps deps-check check demo bench screenshot compilers lint-man install uninstall clean \
	fuzz fuzz-targets
.SECONDARY:
