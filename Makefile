# SPDX-License-Identifier: ISC
#
# escrow: the one build entry.  Non-recursive except for `check` and `run`,
# which re-enter make after `make deps` so that pkg-config sees libraries that
# were installed a moment ago.  README.md lists every variable.

PKG_CONFIG ?= pkg-config
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= $(PREFIX)/etc
DESTDIR    ?=
SAN        ?= 0
WERROR     ?= 0
FUZZ_SECONDS ?= 30

DEPS       := libsodium libmicrohttpd lmdb jansson libcurl

# Each pkg-config query runs once, and only when first needed.
DEP_CFLAGS  = $(eval DEP_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(DEPS)))$(DEP_CFLAGS)
DEP_LIBS    = $(eval DEP_LIBS := $(shell $(PKG_CONFIG) --libs $(DEPS)))$(DEP_LIBS)
CHECK_LIBS  = $(eval CHECK_LIBS := $(shell $(PKG_CONFIG) --libs check))$(CHECK_LIBS)
SODIUM_LIBS = $(eval SODIUM_LIBS := $(shell $(PKG_CONFIG) --libs libsodium))$(SODIUM_LIBS)
GFSHARE_LIBS = $(eval GFSHARE_LIBS := $(shell $(PKG_CONFIG) --libs libgfshare))$(GFSHARE_LIBS)

CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -MMD -MP -Wall -Wextra -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wcast-qual -Wwrite-strings -Wvla \
            -Wformat=2 -Wswitch-enum -Wpointer-arith -Wundef \
            -Wimplicit-fallthrough -fstack-protector-strong \
            -fstack-clash-protection -fcf-protection -fPIE
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -I. -Ishamir
LDFLAGS  += -pie -Wl,-z,relro,-z,now,-z,noexecstack

ifeq ($(SAN),1)
B         := build/san
BIN       := $(B)/bin
LIBSHAMIR := $(B)/libshamir.a
CFLAGS    += -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
             -fno-sanitize-recover=undefined
LDFLAGS   += -fsanitize=address,undefined
else
B         := build/rel
BIN       := bin
LIBSHAMIR := shamir/libshamir.a
CPPFLAGS  += -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3
endif
ifeq ($(WERROR),1)
CFLAGS    += -Werror
endif

# `make V=1` shows every command.
ifeq ($(V),1)
Q :=
say = @:
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2)
endif

SHAMIR_SRC := $(wildcard shamir/*.c)
MAIN_SRC   := escrow/escrowd.c escrow/escrowctl.c
CTL_SRC    := $(wildcard escrow/cmd_*.c)
HTTP_SRC   := $(wildcard escrow/http*.c)
CORE_SRC   := $(filter-out $(MAIN_SRC) $(CTL_SRC) $(HTTP_SRC), \
                $(wildcard escrow/*.c)) $(wildcard rotate/*.c)
TEST_SRC   := $(wildcard tests/check_*.c)
BENCH_SRC  := $(wildcard tests/bench/bench_*.c)

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))

LIBESCROW := $(B)/libescrow.a
LIBCTL    := $(B)/libescrowctl.a
LIBHTTP   := $(B)/libescrowhttp.a
LIBCHECKS := $(B)/tests/libchecks.a
CHECK_ALL := $(B)/tests/check_all
CTCHECK   := $(B)/tests/ctcheck_shamir
BENCHES   := $(patsubst tests/bench/%.c,$(B)/bench/%,$(BENCH_SRC))

# escrowd exists from the HTTP issue on; until then `make` builds the rest.
PROGS := $(BIN)/escrowctl $(if $(wildcard escrow/escrowd.c),$(BIN)/escrowd)

.PHONY: all check check-run run run-real deps bench bench-run ctcheck memcheck \
        install uninstall clean format format-check
.DEFAULT_GOAL := all

all: $(LIBSHAMIR) $(PROGS)

$(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(CC) $(CPPFLAGS) $(DEP_CFLAGS) $(CFLAGS) -c -o $@ $<

$(LIBSHAMIR): $(call obj,$(SHAMIR_SRC))
	@mkdir -p $(@D)
	$(call say,AR,$@)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(LIBESCROW): $(call obj,$(CORE_SRC))
	@mkdir -p $(@D)
	$(call say,AR,$@)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(LIBCTL): $(call obj,$(CTL_SRC))
	@mkdir -p $(@D)
	$(call say,AR,$@)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(BIN)/escrowctl: $(call obj,escrow/escrowctl.c) $(LIBCTL) $(LIBESCROW) \
    $(LIBSHAMIR)
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(DEP_LIBS)

$(LIBHTTP): $(call obj,$(HTTP_SRC))
	@mkdir -p $(@D)
	$(call say,AR,$@)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(BIN)/escrowd: $(call obj,escrow/escrowd.c) $(LIBHTTP) $(LIBESCROW) \
    $(LIBSHAMIR)
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(DEP_LIBS)

# The suites go in through an archive, so that check_main.c's suites[] array
# alone decides which of them (and which of their dependencies) are linked.
$(LIBCHECKS): $(call obj,$(filter-out tests/check_main.c,$(TEST_SRC)))
	@mkdir -p $(@D)
	$(call say,AR,$@)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(CHECK_ALL): $(call obj,tests/check_main.c) $(LIBCHECKS) $(LIBHTTP) \
    $(LIBCTL) $(LIBESCROW) $(LIBSHAMIR)
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(DEP_LIBS) $(CHECK_LIBS)

$(CTCHECK): $(call obj,tests/ctcheck_shamir.c) $(LIBSHAMIR)
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(SODIUM_LIBS)

$(B)/bench/bench_shamir: $(call obj,tests/bench/bench_shamir.c) $(LIBSHAMIR)
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(SODIUM_LIBS) $(GFSHARE_LIBS)

# The libsodium loop that tests/bench/bench_rewrap.sh sets escrowd's transit
# rewrap against (and its batch body generator): libsodium only.
$(B)/bench/bench_rewrap: $(call obj,tests/bench/bench_rewrap.c)
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(SODIUM_LIBS)

# The peer that tests/bench/bench_http.sh measures escrowd against.
$(B)/bench/mhd_baseline: $(call obj,tests/bench/mhd_baseline.c)
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(DEP_LIBS)

# Installs the Debian packages when a library or a tool is missing.
deps:
	@if $(PKG_CONFIG) --exists $(DEPS) check 2>/dev/null && \
	    command -v valgrind >/dev/null && command -v wrk >/dev/null && \
	    command -v clang >/dev/null && command -v clang-format >/dev/null && \
	    command -v curl >/dev/null && command -v npm >/dev/null && \
	    command -v node >/dev/null && command -v mdb_stat >/dev/null && \
	    command -v openssl >/dev/null && \
	    $(PKG_CONFIG) --exists libgfshare 2>/dev/null; then :; \
	else ./deploy/install-deps.sh; fi

check: deps
	@$(MAKE) --no-print-directory check-run

# Unit suites, then the constant-time check (memcheck cannot run under ASan),
# then the end-to-end and compatibility scripts against the built binaries.
check-run: all $(CHECK_ALL) $(if $(filter 0,$(SAN)),$(CTCHECK))
	CK_DEFAULT_TIMEOUT=60 ./$(CHECK_ALL)
ifeq ($(SAN),0)
	@$(MAKE) --no-print-directory ctcheck
endif
	./tests/e2e/run.sh '$(BIN)'
	./tests/compat/run.sh '$(BIN)'

# The unit suites under valgrind memcheck, unforked (Check's fork mode
# would hide the children's reports): zero errors, zero leaks.  Tests that
# need a fork of their own (killed children) are tagged needs-fork.
memcheck: $(CHECK_ALL)
	CK_FORK=no CK_EXCLUDE_TAGS=needs-fork CK_DEFAULT_TIMEOUT=600 \
	    valgrind -q --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite,indirect ./$(CHECK_ALL)

# Split and combine under memcheck with the secret marked undefined: any
# branch or memory index that depends on it is an error.
ctcheck: $(CTCHECK)
	valgrind -q --error-exitcode=9 --track-origins=yes ./$(CTCHECK)

run: deps
	@$(MAKE) --no-print-directory run-real

run-real: all
	@./deploy/dev-run.sh '$(BIN)'

bench: deps
	@$(MAKE) --no-print-directory bench-run

# The C benchmarks, then each script with the binaries' and benches' dirs
# (tests/bench/lib/ holds what the scripts source).  All of them run; the
# ones below target are named at the end.
bench-run: $(BENCHES) $(B)/bench/mhd_baseline $(filter %/escrowd,$(PROGS))
	@failed=; \
	for b in $(BENCHES); do echo "== $$b"; ./$$b || failed="$$failed $$b"; \
	done; \
	for s in tests/bench/*.sh; do [ -e "$$s" ] || continue; \
	    echo "== $$s"; "$$s" '$(BIN)' '$(B)/bench' || failed="$$failed $$s"; \
	done; \
	if [ -n "$$failed" ]; then echo "bench: below target or failed:$$failed" >&2; \
	    exit 1; fi

install: all
	install -d '$(DESTDIR)$(BINDIR)' '$(DESTDIR)$(SBINDIR)'
	install -m 0755 $(BIN)/escrowctl '$(DESTDIR)$(BINDIR)/escrowctl'
	if [ -e $(BIN)/escrowd ]; then \
	    install -m 0755 $(BIN)/escrowd '$(DESTDIR)$(SBINDIR)/escrowd'; fi

uninstall:
	rm -f '$(DESTDIR)$(BINDIR)/escrowctl' '$(DESTDIR)$(SBINDIR)/escrowd'

clean:
	rm -rf build bin shamir/libshamir.a

FORMAT_SRC = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	clang-format -i $(FORMAT_SRC)

format-check:
	clang-format --dry-run --Werror $(FORMAT_SRC)

-include $(shell find build -name '*.d' 2>/dev/null)
