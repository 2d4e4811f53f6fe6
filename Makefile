# Switchyard build.
#
#   make               release build: build/release/switchyard
#   make SAN=asan      ASan + UBSan + LSan build in build/asan
#   make run           install what is missing, build, start with embedded defaults
#   make test          install what is missing, build, run every test (also under ASan)
#   make bench         benchmark against nginx, writes docs/BENCHMARKS.md
#   make fuzz          libFuzzer (clang) on every target, FUZZ_SECONDS each
#   make check         format, includes, banned functions, headers

CC      ?= cc
SAN     ?=
BUILD   := build/$(or $(SAN),release)
PKGS    := libh2o libuv libcurl jansson libfyaml openssl zlib
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
           -Wimplicit-fallthrough -Wvla -Wpointer-arith -Wundef -Werror \
           -Wno-format-truncation
CFLAGS  := -std=gnu11 -g -O2 -pthread $(WARN) -Isrc -Itools -D_GNU_SOURCE \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(EXTRA_CFLAGS)
LDLIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -lpthread
LDFLAGS := -pthread $(EXTRA_LDFLAGS)

ifeq ($(SAN),asan)
  CFLAGS  += -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
             -fno-omit-frame-pointer -DSY_POOL_DEBUG=1
  LDFLAGS += -fsanitize=address,undefined
endif
ifeq ($(SAN),tsan)
  CFLAGS  += -O1 -fsanitize=thread -fno-omit-frame-pointer
  LDFLAGS += -fsanitize=thread
endif

LIB_SRC  := $(sort $(filter-out src/main.c,$(wildcard src/*/*.c)) $(wildcard tools/*/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/*/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REPLAY := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/replay/%)

.PHONY: all build run test unit e2e replay bench fuzz soak check clean deps test-release test-asan

all build: $(BUILD)/switchyard

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libswitchyard.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/switchyard: $(BUILD)/obj/src/main.o $(BUILD)/libswitchyard.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libswitchyard.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(BUILD)/libswitchyard.a $(LDFLAGS) $(LDLIBS) -lcmocka

$(BUILD)/bench-translate: bench/translate.c $(BUILD)/libswitchyard.a
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libswitchyard.a $(LDFLAGS) $(LDLIBS)

$(BUILD)/replay/%: tests/fuzz/%.c tests/fuzz/replay.c tests/fuzz/split.h $(BUILD)/libswitchyard.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< tests/fuzz/replay.c $(BUILD)/libswitchyard.a $(LDFLAGS) $(LDLIBS)

-include $(LIB_OBJ:.o=.d) $(BUILD)/obj/src/main.d

deps:
	@sh scripts/deps.sh

run: deps
	@$(MAKE) --no-print-directory build
	$(BUILD)/switchyard serve $(if $(CONFIG),-c $(CONFIG))

# Runs the static checks, then the unit tests, the fuzz corpora and the
# end-to-end suite, first on the release build and then under ASan + UBSan.
test: deps
	@sh scripts/deps.sh --e2e
	@$(MAKE) --no-print-directory check
	@$(MAKE) --no-print-directory test-release
	@$(MAKE) --no-print-directory SAN=asan test-asan

test-release: unit replay e2e
test-asan: unit replay e2e

unit: $(UNIT_BIN)
	@sh scripts/run-unit.sh $(UNIT_BIN)

replay: $(FUZZ_REPLAY)
	@sh scripts/run-replay.sh $(BUILD)/replay

e2e: $(BUILD)/switchyard $(BUILD)/switchyard
	SY_BIN=$(CURDIR)/$(BUILD)/switchyard SY_SAN=$(SAN) node --test --test-concurrency=1 \
	    tests/e2e/*.test.mjs $(wildcard tests/e2e/regress/*.test.mjs)

bench: deps
	@$(MAKE) --no-print-directory build $(BUILD)/bench-translate
	sh bench/run.sh

fuzz:
	sh scripts/fuzz.sh $(FUZZ_SECONDS)

soak: deps
	@$(MAKE) --no-print-directory build
	sh scripts/soak.sh

check: build
	sh scripts/check-format.sh
	sh scripts/check-includes.sh
	sh scripts/check-banned.sh
	sh scripts/check-headers.sh
	sh scripts/check-symbols.sh

clean:
	rm -rf build
