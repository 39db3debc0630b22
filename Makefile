# CCHC reporting pipeline -- build, test, demo.
#
#   make deps    install the Debian packages we need (no-op when present)
#   make         build everything into build/ (binaries in build/bin/)
#   make test    build and run every test (unit + integration)
#   make asan    the same suite built with AddressSanitizer + UBSan, in build/asan/
#   make demo    the whole flow on an embedded default under var/demo/
#   make demo-web  the dashboard on the demo's data (after make demo)
#   make run     the stack in the foreground (config: deploy/cchc.example.ini)
#   make fuzz    the protocol decoder under libFuzzer (FUZZ_SECONDS, default 60)
#   make bench   benchmarks (see docs/benchmarks.md); bench-quick, bench-apart, bench-delivery
#
# Sources are discovered, not listed: proto/*.c and each lib/<layer>/*.c form
# one archive per layer (libproto.a, libbase.a, libmodel.a, libstore.a,
# libnet.a, libapp.a; docs/architecture.md), and libcchc.a holds them all for
# tools outside the tree (the benchmarks); each services/<dir>/ builds one
# program; each tests/unit/test_*.c builds one test program.

BUILD    ?= build
CC       ?= gcc
SAN      ?=
OPT      ?= -O2
CFLAGS   ?= $(OPT) -g
CFLAGS   += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
            $(LAYERS:%=-Ilib/%) -Iproto $(SAN) -MMD -MP
PKGS     := libzmq lmdb msgpack libuv jansson libcurl libmicrohttpd xlsxwriter libzip expat inih libsodium
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS   += $(PKG_CFLAGS)
LDLIBS   := $(PKG_LIBS) -lcsv -lm -lpthread
LDFLAGS  += $(SAN)

# Layers, lowest first: a layer includes only its own headers and lower ones
# (scripts/check-layers.sh checks it in `make test`).
LAYERS   := base model store net app
layer_src = $(if $(filter proto,$(1)),$(wildcard proto/*.c),$(wildcard lib/$(1)/*.c))
ARCHIVES := $(foreach l,app net store model base proto,$(BUILD)/lib$(l).a)
LIB_SRC  := $(foreach l,proto $(LAYERS),$(call layer_src,$(l)))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIB      := $(BUILD)/libcchc.a

# program name <- source directory
PROGS    := cchc-collector:collector cchc-aggregator:aggregator cchc-notifier:notifier \
            cchc-web:web cchc:cli
prog_dir  = services/$(word 2,$(subst :, ,$(1)))
prog_name = $(word 1,$(subst :, ,$(1)))
BINS     := $(foreach p,$(PROGS),$(if $(wildcard $(call prog_dir,$(p))/*.c),$(BUILD)/bin/$(call prog_name,$(p))))

TEST_SRC := $(wildcard tests/unit/test_*.c)
TEST_BINS := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps test asan demo demo-web run fuzz bench bench-quick bench-apart bench-delivery clean
all: $(ARCHIVES) $(LIB) $(BINS) $(TEST_BINS)

deps:
	@scripts/deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

define archive_rule
$(BUILD)/lib$(1).a: $(patsubst %.c,$(BUILD)/obj/%.o,$(call layer_src,$(1)))
	@rm -f $$@
	ar rcs $$@ $$^
endef
$(foreach l,proto $(LAYERS),$(eval $(call archive_rule,$(l))))

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

define prog_rule
$(BUILD)/bin/$(call prog_name,$(1)): $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard $(call prog_dir,$(1))/*.c)) $(ARCHIVES)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) $$^ -o $$@ $$(LDLIBS)
endef
$(foreach p,$(PROGS),$(eval $(call prog_rule,$(p))))

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(ARCHIVES)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS) -lcmocka

test: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) scripts/run-tests.sh

asan: deps
	@$(MAKE) --no-print-directory BUILD=build/asan OPT=-O1 \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" all
	@BUILD=build/asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 scripts/run-tests.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh

demo-web:
	@scripts/demo-web.sh

run: deps
	@$(MAKE) --no-print-directory all
	@scripts/run.sh

FUZZ_SECONDS ?= 60
fuzz:
	@scripts/fuzz.sh $(FUZZ_SECONDS)

bench: deps
	@$(MAKE) --no-print-directory all
	@scripts/bench.sh full

bench-quick: deps
	@$(MAKE) --no-print-directory all
	@scripts/bench.sh quick

bench-apart: deps
	@$(MAKE) --no-print-directory all
	@scripts/bench.sh apart

bench-delivery: deps
	@$(MAKE) --no-print-directory all
	@scripts/bench.sh delivery

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
