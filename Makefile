# tern - top-level build.
#
#   make            every program into bin/
#   make run        demo instance under ./run, started in the foreground
#   make test       unit + integration tests, then again under ASan+UBSan
#   make unit       unit tests only, both builds; TEST=test_log: that one
#   make san        the sanitizer build into bin-san/
#   make fuzz       libFuzzer targets (clang) into build/fuzz/
#   make install    PREFIX=/usr/local DESTDIR= honoured; as root (no DESTDIR)
#                   also runs `mailctl setup`
#   make install-sendmail   link the system's sendmail, mailq, newaliases
#                   to tern's (refuses another package's files; FORCE=1)
#   make uninstall  programs, man pages, unit and init script; keeps
#                   configuration, queue, mailboxes and system users
#   make O=DIR      build into DIR/build and DIR/bin (an installation with
#                   other compiled-in paths, beside this tree's build)
#
# Object lists are derived from the source folders; header dependencies are
# tracked with -MMD.  BUILD=san switches every output directory, so the
# normal and the sanitizer build live side by side.

# Where things are installed.  Every path here is compiled into the
# programs as a default (main.conf(5) can move the queue, the mailboxes
# and the log), so an installation with other paths is a build of its own:
# give the same variables to `make O=DIR` and `make O=DIR install`.
PREFIX     ?= /usr/local
DESTDIR    ?=
LIBEXECDIR ?= $(PREFIX)/libexec/tern
SBINDIR    ?= $(PREFIX)/sbin
BINDIR_INST ?= $(PREFIX)/bin
SYSCONFDIR ?= $(PREFIX)/etc/tern
MANDIR     ?= $(PREFIX)/share/man
UNITDIR    ?= $(PREFIX)/lib/systemd/system
QUEUEDIR   ?= /var/spool/tern
MAILBOXDIR ?= /var/lib/tern/mail
LOGDIR     ?= /var/log
# System places outside PREFIX: the init script, logrotate's directory,
# and what install-sendmail links (the paths cron, PHP and mail(1) run).
INITDIR    ?= /etc/init.d
LOGROTATEDIR ?= /etc/logrotate.d
SENDMAIL_PATH   ?= /usr/sbin/sendmail
MAILQ_PATH      ?= /usr/bin/mailq
NEWALIASES_PATH ?= /usr/bin/newaliases
# O=DIR: this build's objects and programs go under DIR instead of here.
O          ?=
OUT        := $(if $(O),$(O)/)

ifeq ($(origin CC),default)
CC       := gcc
endif
CFLAGS   ?= -O2 -g
# The warning set OpenSMTPD builds with, on top of -Wall -Wextra.
CFLAGS   += -std=gnu11 -Wall -Wextra -Wshadow -Wpointer-arith -Wcast-qual \
	    -Wmissing-prototypes -Wstrict-prototypes -Wmissing-declarations \
	    -Wsign-compare -fstack-protector-strong
CPPFLAGS += -Ilib -MMD -MP -DTERN_SYSCONFDIR='"$(SYSCONFDIR)"' \
	    -DTERN_LIBEXECDIR='"$(LIBEXECDIR)"' -DTERN_QUEUEDIR='"$(QUEUEDIR)"' \
	    -DTERN_MAILBOXDIR='"$(MAILBOXDIR)"' -DTERN_LOGDIR='"$(LOGDIR)"'
LDLIBS   += -lssl -lcrypto -ldb -lcap -lcrypt -lunbound
# A program depends only on the libraries it calls (see PROGS below).
LDFLAGS  += -Wl,--as-needed

ifdef CI
CFLAGS   += -Werror
endif

BUILD ?= normal
ifeq ($(BUILD),san)
OBJDIR := $(OUT)build/san
BINDIR := $(OUT)bin-san
CFLAGS := $(filter-out -O2,$(CFLAGS)) -O1 -fsanitize=address,undefined \
	  -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined \
	       -fno-sanitize-recover=undefined
else
OBJDIR := $(OUT)build/normal
BINDIR := $(OUT)bin
CPPFLAGS += -D_FORTIFY_SOURCE=2
endif

# Programs that are installed, one folder each.  A server split into a
# login and a session program (architecture §2) has its protocol's shared code in
# its folder and each program's own in a subfolder: the session program
# then links no OpenSSL (the login process keeps the TLS end), so the many
# session processes never map libcrypto.  NAME_DIRS lists the folders of a
# program whose sources are not just the folder of its name.
PROGS := master mailctl auth anvil qmgr local smtpd pop3d pop3d-session \
	 imapd imapd-session pickup terndrop smtp-out dkim-sign
pop3d_DIRS         := pop3d pop3d/login
pop3d-session_DIRS := pop3d pop3d/session
imapd_DIRS         := imapd imapd/login
imapd-session_DIRS := imapd imapd/session
# Man pages that document a second program: LINK:PAGE (one page for both).
MAN_LINKS := man8/pop3d-session.8:pop3d.8 man8/imapd-session.8:imapd.8 \
	     man8/mailq.8:sendmail.8 \
	     man8/newaliases.8:sendmail.8
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
.PHONY: all san unit-bins unit test run install install-sendmail uninstall clean \
	fuzz deps
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

unit:
	$(MAKE) unit-bins
	$(MAKE) BUILD=san unit-bins
	sh tests/run.sh --unit $(TEST)

run: deps all
	sh scripts/run-demo.sh

FUZZ_CC ?= clang
# lib/ is compiled once with the fuzzer's coverage and the sanitizers into
# build/fuzz/libtern.a, and each target links what it uses from it.  The
# process skeleton and what needs it are no parser: left out, so the
# fuzzers need no daemon around them.
FUZZ_SKIP := $(wildcard lib/daemon*.c) lib/login.c
FUZZ_CFLAGS := -g -O1 -std=gnu11 -Ilib -fsanitize=address,undefined \
	       -fno-sanitize-recover=undefined
FUZZ_LIB_A := build/fuzz/libtern.a
fuzz: $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)
build/fuzz/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<
$(FUZZ_LIB_A): $(patsubst %.c,build/fuzz/%.o,$(filter-out $(FUZZ_SKIP),$(LIB_SRCS)))
	rm -f $@
	ar rcs $@ $^
build/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_A)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP -o $@ $< \
		$(FUZZ_LIB_A) $(LDLIBS)

# Programs, man pages, the systemd unit, the init script and logrotate's
# file are replaced on every install; configuration files only when they
# do not exist (the new version is always there as FILE.dist).
install: all
	install -d $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(SBINDIR) \
		$(DESTDIR)$(BINDIR_INST) $(DESTDIR)$(SYSCONFDIR) \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(INITDIR) $(DESTDIR)$(LOGROTATEDIR) \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(LOGDIR)
	for p in $(filter-out mailctl,$(PROGS)); do \
		install -m 0755 $(BINDIR)/$$p $(DESTDIR)$(LIBEXECDIR)/$$p; done
	install -m 0755 $(BINDIR)/mailctl $(DESTDIR)$(SBINDIR)/mailctl
	@sh scripts/install-sendmail.sh --keep "$(SBINDIR)/mailctl" "" \
		$(DESTDIR)$(SBINDIR)/sendmail $(DESTDIR)$(BINDIR_INST)/mailq \
		$(DESTDIR)$(BINDIR_INST)/newaliases
	for f in conf/*; do \
		sed -e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
			-e 's|@QUEUEDIR@|$(QUEUEDIR)|g' -e 's|@MAILBOXDIR@|$(MAILBOXDIR)|g' \
			-e 's|@LOGDIR@|$(LOGDIR)|g' \
			$$f > $(DESTDIR)$(SYSCONFDIR)/$$(basename $$f).dist; \
		[ -e $(DESTDIR)$(SYSCONFDIR)/$$(basename $$f) ] || \
		cp $(DESTDIR)$(SYSCONFDIR)/$$(basename $$f).dist \
			$(DESTDIR)$(SYSCONFDIR)/$$(basename $$f); done
	for s in 5 7 8; do for f in man/man$$s/*.$$s; do \
		install -m 0644 $$f $(DESTDIR)$(MANDIR)/man$$s/; done; done
	for l in $(MAN_LINKS); do \
		ln -sf $${l#*:} $(DESTDIR)$(MANDIR)/$${l%%:*}; done
	for f in tern.service:$(UNITDIR)/tern.service:0644 \
		 tern.init:$(INITDIR)/tern:0755 \
		 tern.logrotate:$(LOGROTATEDIR)/tern:0644; do \
		src=$${f%%:*}; rest=$${f#*:}; \
		sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
			-e 's|@LOGDIR@|$(LOGDIR)|g' scripts/$$src > $(DESTDIR)$${rest%:*}; \
		chmod $${rest##*:} $(DESTDIR)$${rest%:*}; done
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
		$(SBINDIR)/mailctl -c $(SYSCONFDIR) setup; \
	else \
		echo "next, as root: $(SBINDIR)/mailctl setup"; fi

install-sendmail:
	@sh scripts/install-sendmail.sh "$(SBINDIR)/mailctl" "$(FORCE)" \
		"$(DESTDIR)$(SENDMAIL_PATH)" "$(DESTDIR)$(MAILQ_PATH)" \
		"$(DESTDIR)$(NEWALIASES_PATH)"

uninstall:
	for p in $(filter-out mailctl,$(PROGS)); do \
		rm -f $(DESTDIR)$(LIBEXECDIR)/$$p; done
	-rmdir $(DESTDIR)$(LIBEXECDIR)
	@sh scripts/install-sendmail.sh --remove "$(SBINDIR)/mailctl" "" \
		$(DESTDIR)$(SBINDIR)/sendmail $(DESTDIR)$(BINDIR_INST)/mailq \
		$(DESTDIR)$(BINDIR_INST)/newaliases
	rm -f $(DESTDIR)$(SBINDIR)/mailctl
	for s in 5 7 8; do for f in man/man$$s/*.$$s; do \
		rm -f $(DESTDIR)$(MANDIR)/man$$s/$${f##*/}; done; done
	for l in $(MAN_LINKS); do rm -f $(DESTDIR)$(MANDIR)/$${l%%:*}; done
	rm -f $(DESTDIR)$(UNITDIR)/tern.service $(DESTDIR)$(INITDIR)/tern \
		$(DESTDIR)$(LOGROTATEDIR)/tern
	@sh scripts/install-sendmail.sh --remove "$(SBINDIR)/mailctl" "" \
		"$(DESTDIR)$(SENDMAIL_PATH)" "$(DESTDIR)$(MAILQ_PATH)" \
		"$(DESTDIR)$(NEWALIASES_PATH)"
	@echo "removed tern's programs, man pages, unit, init script and logrotate file;"
	@echo "kept: $(SYSCONFDIR) (configuration, users, aliases, TLS pair),"
	@echo "the queue and the mailboxes (queue_directory and mail_directory of"
	@echo "main.conf) and the system users."

clean:
	rm -rf $(OUT)build $(OUT)bin $(OUT)bin-san

-include $(shell find $(OUT)build -name '*.d' 2>/dev/null)
