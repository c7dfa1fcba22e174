# tmem — build, test, install. Plain GNU make; dependencies via pkg-config.
#   make                 build/tmem and build/libtmem.a
#   make test            every test (unit, CLI, published counts, core purity, installed library)
#   make demo            the main job on a built-in model
#   make bench           speed figures (a benchmark, not a test)
#   make install PREFIX=/usr/local
#   make WERROR=1 ...    warnings are errors (CI)
#   make SANITIZE=address,undefined test
#   make fuzz            each fuzz target for FUZZ_SECONDS (60) with libFuzzer (clang)
#   make fuzz-long       each for FUZZ_LONG_SECONDS (600): a scheduled job, not CI
#   make web             the page: the CLI compiled to WebAssembly, web/dist/index.html
#   make test-web        the page in headless Chromium against build/tmem's --json

CC      ?= cc
PREFIX  ?= /usr/local
BUILD   ?= build
PKG_CONFIG ?= pkg-config

WARN    = -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wformat=2 -Wvla \
          -Wimplicit-fallthrough -Wstrict-prototypes -Wmissing-prototypes
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) -Iinclude -Isrc/core -Isrc/read -Isrc/report -Isrc/cli
ifeq ($(WERROR),1)
ALL_CFLAGS += -Werror
endif
ifneq ($(SANITIZE),)
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=$(SANITIZE)
endif

JANSSON_CFLAGS := $(shell $(PKG_CONFIG) --cflags jansson 2>/dev/null)
JANSSON_LIBS   := $(shell $(PKG_CONFIG) --libs jansson 2>/dev/null || echo -ljansson)
CMOCKA_CFLAGS  := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS    := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)

CORE_SRC   = $(wildcard src/core/*.c)
READ_SRC   = $(wildcard src/read/*.c)
REPORT_SRC = $(wildcard src/report/*.c)
CLI_SRC    = $(wildcard src/cli/*.c)
LIB_SRC    = $(CORE_SRC) $(READ_SRC) $(REPORT_SRC)
LIB_OBJ    = $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ    = $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
CLI_LIB_OBJ = $(filter-out $(BUILD)/obj/src/cli/main.o,$(CLI_OBJ))
UNIT_SRC   = $(wildcard tests/unit/test_*.c)
UNIT_BIN   = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all test unit cli-test purity demo bench install uninstall clean deps validate replay fuzz man accuracy docs-img \
        fuzz-build fuzz-long fuzz-corpus web test-web

all: $(BUILD)/tmem $(BUILD)/libtmem.a

$(BUILD)/obj/%.o: %.c $(wildcard include/tmem/*.h src/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(JANSSON_CFLAGS) -c $< -o $@

$(BUILD)/libtmem.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# The command line minus main(), for in-process tests and fuzzers.
$(BUILD)/libtmem_cli.a: $(CLI_LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/tmem: $(BUILD)/obj/src/cli/main.o $(BUILD)/libtmem_cli.a $(BUILD)/libtmem.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(JANSSON_LIBS) -lm

$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(BUILD)/libtmem_cli.a $(BUILD)/libtmem.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(JANSSON_CFLAGS) $(CMOCKA_CFLAGS) -Itests/unit \
	  -DTMEM_SHARED_DIR='"$(abspath ../shared)"' -o $@ $< $(BUILD)/libtmem_cli.a $(BUILD)/libtmem.a \
	  $(LDFLAGS) $(CMOCKA_LIBS) $(JANSSON_LIBS) -lm

# Fuzz targets (fuzz/fuzz_*.c). make test replays every corpus and
# regression file through a plain driver; make fuzz runs libFuzzer (clang)
# on each target for FUZZ_SECONDS with its fuzz/dict/<target>.dict; make
# fuzz-long is the scheduled job (not part of make test or CI): the same for
# FUZZ_LONG_SECONDS each, then executions, coverage and peak RSS per target.
# make fuzz-corpus rewrites the generated seeds (fuzz/corpus/*/gen_*).
FUZZ_TARGETS = $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
REPLAY_BIN   = $(FUZZ_TARGETS:%=$(BUILD)/fuzz/replay_%)
FUZZ_SECONDS ?= 60
FUZZ_LONG_SECONDS ?= 600
FUZZ_LIBS = $(BUILD)/libtmem_cli.a $(BUILD)/libtmem.a
FUZZ_CFLAGS = -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all

$(BUILD)/fuzz/replay_%: fuzz/fuzz_%.c fuzz/replay.c fuzz/fuzz.h $(FUZZ_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(JANSSON_CFLAGS) -Ifuzz -o $@ fuzz/fuzz_$*.c fuzz/replay.c $(FUZZ_LIBS) \
	  $(LDFLAGS) $(JANSSON_LIBS) -lm

replay: all $(REPLAY_BIN)
	@for t in $(FUZZ_TARGETS); do $(BUILD)/fuzz/replay_$$t fuzz/corpus/$$t fuzz/regress/$$t || exit 1; done

fuzz-build:
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang SANITIZE= CFLAGS="$(FUZZ_CFLAGS)" \
	  build-fuzz/libtmem.a build-fuzz/libtmem_cli.a
	@for t in $(FUZZ_TARGETS); do \
	  clang -std=c11 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -Iinclude -Isrc/core -Isrc/read -Isrc/report -Isrc/cli -Ifuzz $(JANSSON_CFLAGS) \
	    -o build-fuzz/fuzz_$$t fuzz/fuzz_$$t.c build-fuzz/libtmem_cli.a build-fuzz/libtmem.a \
	    $(JANSSON_LIBS) -lm || exit 1; \
	done

fuzz: fuzz-build
	@sh fuzz/run.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-long: fuzz-build
	@sh fuzz/run.sh build-fuzz $(FUZZ_LONG_SECONDS) $(FUZZ_TARGETS)

$(BUILD)/gen_fuzz_corpus: tools/gen_fuzz_corpus.c tests/unit/ckpt_writer.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(LDFLAGS)

fuzz-corpus: $(BUILD)/gen_fuzz_corpus
	$(BUILD)/gen_fuzz_corpus fuzz/corpus

# make test VALGRIND=1: every unit test, replay and tmem run under valgrind
# (memory errors and leaks fail); otherwise they run directly.
ifeq ($(VALGRIND),1)
override VALGRIND := sh tests/valgrind.sh
TMEM_UNDER_TEST = tests/valgrind-tmem.sh
export TMEM_UNDER_VALGRIND = $(abspath $(BUILD)/tmem)
else
TMEM_UNDER_TEST = $(BUILD)/tmem
endif

# The man page is generated from the option tables (tmem __man, src/cli/man.c);
# tests/cli/docs.sh fails when the committed docs/tmem.1 differs from it.
man: $(BUILD)/tmem
	$(BUILD)/tmem __man >docs/tmem.1

# docs/accuracy.md's comparison tables, regenerated from tests/accuracy/*.tsv
# (tests/cli/accuracy.sh fails when the committed tables differ from them).
accuracy: $(BUILD)/tmem
	python3 tests/accuracy/gen.py $(BUILD)/tmem docs/accuracy.md tests/accuracy . --write

# The README's charts, drawn by tmem (tools/docs_img.sh); tests/cli/docs_img.sh
# fails when the committed docs/img/*.svg differ from what tmem draws now.
docs-img: $(BUILD)/tmem
	sh tools/docs_img.sh $(BUILD)/tmem docs/img

# Installs the build and test dependencies a fresh Debian machine lacks.
deps:
	@sh tools/deps.sh

# The benchmarks are built (not run) by make test, so they cannot rot.
BENCH_SRC = $(wildcard bench/bench*.c)
BENCH_BIN = $(BENCH_SRC:bench/%.c=$(BUILD)/%)

# tests/suites.sh runs every suite and ends with one line: "make test: N passed,
# N failed, N skipped[: names]" (with CI=true a skip fails).
test: deps all $(UNIT_BIN) $(REPLAY_BIN) $(BENCH_BIN)
	@UNIT_BIN="$(UNIT_BIN)" VALGRIND="$(VALGRIND)" TMEM_UNDER_TEST="$(TMEM_UNDER_TEST)" \
	  REPLAY="$(foreach t,$(FUZZ_TARGETS),$(BUILD)/fuzz/replay_$(t) fuzz/corpus/$(t) fuzz/regress/$(t);)" \
	  INSTALL_CHECK="$(BUILD) CC=$(CC) SANITIZE=$(SANITIZE)" SAN_FLAGS="$(if $(SANITIZE),-fsanitize=$(SANITIZE))" \
	  sh tests/suites.sh

demo: deps all
	$(BUILD)/tmem params llama-2-7b --explain
	$(BUILD)/tmem lab

# Every bench/bench*.c is one benchmark program, run with the path of tmem.

$(BUILD)/bench%: bench/bench%.c $(BUILD)/libtmem.a
	$(CC) $(ALL_CFLAGS) $(JANSSON_CFLAGS) -o $@ $< $(BUILD)/libtmem.a $(LDFLAGS) $(JANSSON_LIBS) -lm

bench: all $(BENCH_BIN)
	@for b in $(BENCH_BIN); do $$b $(BUILD)/tmem || exit 1; done

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	  $(DESTDIR)$(PREFIX)/include/tmem $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/tmem $(DESTDIR)$(PREFIX)/bin/tmem
	install -m 644 $(BUILD)/libtmem.a $(DESTDIR)$(PREFIX)/lib/libtmem.a
	install -m 644 include/tmem/*.h $(DESTDIR)$(PREFIX)/include/tmem/
	install -m 644 docs/tmem.1 $(DESTDIR)$(PREFIX)/share/man/man1/tmem.1
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(shell sed -n 's/^#define TMEM_VERSION "\(.*\)"/\1/p' include/tmem/tmem.h)|g' \
	  tmem.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/tmem.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/tmem $(DESTDIR)$(PREFIX)/lib/libtmem.a \
	  $(DESTDIR)$(PREFIX)/include/tmem/*.h $(DESTDIR)$(PREFIX)/share/man/man1/tmem.1 \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig/tmem.pc

# Real-PyTorch validation: every tests/validate/*.py, run with Debian's own
# interpreter (its python3-torch is not visible to a pyenv python3).
PYTHON_TORCH ?= /usr/bin/python3
validate: all
	@$(PYTHON_TORCH) -c 'import torch' 2>/dev/null || { echo "make validate: needs Debian's python3-torch (apt-get install python3-torch)"; exit 1; }
	@fail=0; for v in tests/validate/*.py; do $(PYTHON_TORCH) $$v $(BUILD)/tmem || fail=1; done; exit $$fail

# The page (web/): the command line compiled to WebAssembly with Debian's
# emscripten (web/build.sh fetches jansson's Debian source into $(BUILD)/web)
# into web/dist/; make test-web drives it in Debian's headless Chromium with
# playwright-core (tests/web) and compares it with $(BUILD)/tmem --json.
web:
	@WERROR=$(WERROR) sh web/build.sh $(BUILD)

test-web: web all $(BUILD)/tests/test_ckpt_fixtures
	@sh tests/web/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) web/dist
