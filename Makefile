# tern - top-level build.
#
#   make            every program into bin/
#   make run        demo instance under ./run, started in the foreground
#   make test       unit + integration tests, then again under ASan+UBSan
#   make san        the sanitizer build into bin-san/
#   make fuzz       libFuzzer targets (clang) into build/fuzz/
#   make install    PREFIX=/usr/local DESTDIR= honoured
#
# Object lists are derived from the source folders; header dependencies are
# tracked with -MMD.  BUILD=san switches every output directory, so the
# normal and the sanitizer build live side by side.

PREFIX     ?= /usr/local
DESTDIR    ?=
LIBEXECDIR ?= $(PREFIX)/libexec/tern
SBINDIR    ?= $(PREFIX)/sbin
SYSCONFDIR ?= $(PREFIX)/etc/tern
MANDIR     ?= $(PREFIX)/share/man
UNITDIR    ?= $(PREFIX)/lib/systemd/system
# Where maillog_fallback_file is by default: the log without a syslog daemon.
LOGDIR     ?= /var/log

ifeq ($(origin CC),default)
CC       := gcc
endif
CFLAGS   ?= -O2 -g
# The warning set OpenSMTPD builds with, on top of -Wall -Wextra.
CFLAGS   += -std=gnu11 -Wall -Wextra -Wshadow -Wpointer-arith -Wcast-qual \
	    -Wmissing-prototypes -Wstrict-prototypes -Wmissing-declarations \
	    -Wsign-compare -fstack-protector-strong
CPPFLAGS += -Ilib -MMD -MP -DTERN_SYSCONFDIR='"$(SYSCONFDIR)"' \
	    -DTERN_LIBEXECDIR='"$(LIBEXECDIR)"' -DTERN_LOGDIR='"$(LOGDIR)"'
LDLIBS   += -lssl -lcrypto -ldb -lcap -lcrypt
# A program depends only on the libraries it calls (see PROGS below).
LDFLAGS  += -Wl,--as-needed

ifdef CI
CFLAGS   += -Werror
endif

BUILD ?= normal
ifeq ($(BUILD),san)
OBJDIR := build/san
BINDIR := bin-san
CFLAGS := $(filter-out -O2,$(CFLAGS)) -O1 -fsanitize=address,undefined \
	  -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
else
OBJDIR := build/normal
BINDIR := bin
CPPFLAGS += -D_FORTIFY_SOURCE=2
endif

# Programs that are installed, one folder each.  A server split into a
# login and a session program (architecture §2) has its protocol's shared code in
# its folder and each program's own in a subfolder: the session program
# then links no OpenSSL (the login process keeps the TLS end), so the many
# session processes never map libcrypto.  NAME_DIRS lists the folders of a
# program whose sources are not just the folder of its name.
PROGS := master mailctl auth anvil qmgr local smtpd pop3d pop3d-session
pop3d_DIRS         := pop3d pop3d/login
pop3d-session_DIRS := pop3d pop3d/session
# Man pages that document a second program: LINK:PAGE (one page for both).
MAN_LINKS := man8/pop3d-session.8:pop3d.8
# Built beside them for the tests, never installed.
TEST_PROGS := testd qinject

LIB_SRCS  := $(wildcard lib/*.c)
LIB_OBJS  := $(LIB_SRCS:%.c=$(OBJDIR)/%.o)
LIB_A     := $(OBJDIR)/libtern.a

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(OBJDIR)/unit/%)

FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)

ALL_BINS := $(PROGS:%=$(BINDIR)/%) $(TEST_PROGS:%=$(BINDIR)/%)

.SECONDARY:
.PHONY: all san unit-bins test run install clean fuzz deps
all: $(ALL_BINS) unit-bins

unit-bins: $(UNIT_BINS)

$(OBJDIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB_A): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

# One rule per program: every .c file in its folder.
define prog_rule
$(1)_OBJS := $$(patsubst %.c,$(OBJDIR)/%.o,$$(foreach d,$(2),$$(wildcard $$(d)/*.c)))
$(BINDIR)/$(1): $$($(1)_OBJS) $(LIB_A)
	@mkdir -p $(BINDIR)
	$$(CC) $$(LDFLAGS) -o $$@ $$($(1)_OBJS) $(LIB_A) $$(LDLIBS)
endef
$(foreach p,$(PROGS),$(eval $(call prog_rule,$(p),$(or $($(p)_DIRS),$(p)))))
$(eval $(call prog_rule,testd,tests/testd))
$(eval $(call prog_rule,qinject,tests/tools))

$(OBJDIR)/unit/%: $(OBJDIR)/tests/unit/%.o $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIB_A) $(LDLIBS)

# The unit test of a program's module (tests/unit/test_auth_token.c for
# auth/auth_token.c) links that module's object too.
PROG_DIRS := $(sort $(foreach p,$(PROGS),$(or $($(p)_DIRS),$(p))))
PROG_UNIT_SRCS := $(foreach d,$(PROG_DIRS),$(filter $(wildcard $(d)/*.c), \
	$(patsubst tests/unit/test_%.c,$(d)/%.c,$(UNIT_SRCS))))
$(foreach s,$(PROG_UNIT_SRCS),$(eval \
	$(OBJDIR)/unit/test_$(notdir $(s:.c=)): $(OBJDIR)/$(s:.c=.o)))

san:
	$(MAKE) BUILD=san all

deps:
	@sh scripts/deps.sh

test: deps
	$(MAKE) all
	$(MAKE) BUILD=san all
	sh tests/run.sh

run: deps all
	sh scripts/run-demo.sh

FUZZ_CC ?= clang
# The process skeleton and what needs it are no parser: left out, so the
# fuzzers need no daemon around them.
FUZZ_SKIP := lib/daemon.c lib/login.c
fuzz: $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)
build/fuzz/%: tests/fuzz/%.c $(LIB_SRCS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -g -O1 -Ilib -fsanitize=fuzzer,address,undefined -o $@ $< \
		$(filter-out $(FUZZ_SKIP),$(LIB_SRCS)) $(LDLIBS)

install: all
	install -d $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(SBINDIR) \
		$(DESTDIR)$(SYSCONFDIR) $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(LOGDIR)
	for p in $(filter-out mailctl,$(PROGS)); do \
		install -m 0755 $(BINDIR)/$$p $(DESTDIR)$(LIBEXECDIR)/$$p; done
	install -m 0755 $(BINDIR)/mailctl $(DESTDIR)$(SBINDIR)/mailctl
	ln -sf mailctl $(DESTDIR)$(SBINDIR)/sendmail
	for f in conf/*; do \
		sed -e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
			-e 's|@LOGDIR@|$(LOGDIR)|g' $$f > $(DESTDIR)$(SYSCONFDIR)/$$(basename $$f).dist; \
		[ -e $(DESTDIR)$(SYSCONFDIR)/$$(basename $$f) ] || \
		cp $(DESTDIR)$(SYSCONFDIR)/$$(basename $$f).dist \
			$(DESTDIR)$(SYSCONFDIR)/$$(basename $$f); done
	for s in 5 7 8; do for f in man/man$$s/*.$$s; do \
		install -m 0644 $$f $(DESTDIR)$(MANDIR)/man$$s/; done; done
	for l in $(MAN_LINKS); do \
		ln -sf $${l#*:} $(DESTDIR)$(MANDIR)/$${l%%:*}; done
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		scripts/tern.service > $(DESTDIR)$(UNITDIR)/tern.service
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
		sh scripts/create-users.sh; fi

clean:
	rm -rf build bin bin-san

-include $(shell find build -name '*.d' 2>/dev/null)
