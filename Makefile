# relay: a FastCGI responder that relays the OpenAI API.
#
#   make          build ./relay
#   make run      install what is missing, build, serve on 127.0.0.1 via lighttpd
#   make check    install what is missing, build, run every test
#
# Plain GNU make; compiler and linker flags come from pkg-config.

CC      ?= cc
PKGS     = fcgi libcurl json-c
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wformat=2 \
           -Wstrict-prototypes -Wmissing-prototypes -D_FORTIFY_SOURCE=2 \
           -I. $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
ifeq ($(CI),true)
CFLAGS  += -Werror
endif

# Debian packages: what building needs, and what the tests start for real.
DEB_BUILD = gcc make pkg-config libfcgi-dev libcurl4-openssl-dev libjson-c-dev
DEB_TEST  = check lighttpd apache2 libapache2-mod-fcgid
DEB_RUN   = lighttpd

POLICY_SRC   = $(wildcard policy/*.c)
HANDLERS_SRC = $(wildcard handlers/*.c)
FCGI_SRC     = $(wildcard fcgi/*.c)
OPENAPI_SRC  = $(wildcard openapi/*.c)
RELAY_SRC    = $(FCGI_SRC) $(HANDLERS_SRC) $(POLICY_SRC) $(OPENAPI_SRC)
RELAY_OBJ    = $(RELAY_SRC:.c=.o)
POLICY_OBJ   = $(POLICY_SRC:.c=.o)
# Everything but main(), so test programs can link the modules they test.
LIB_OBJ      = $(filter-out fcgi/main.o,$(RELAY_OBJ))
HEADERS      = $(wildcard */*.h tests/*/*.h)

UNIT_SRC     = $(wildcard tests/unit/*.c)
FAKE_SRC     = $(wildcard tests/fake_upstream/*.c)
INTEG_SRC    = $(wildcard tests/integ/*.c)
CHECK_LIBS   = $(shell pkg-config --libs check 2>/dev/null)
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)

.PHONY: all run check coverage coverage-check deps-build deps-test deps-run clean

all: relay

relay: $(RELAY_OBJ)
	$(CC) $(CFLAGS) -o $@ $(RELAY_OBJ) $(LDLIBS)

%.o: %.c $(HEADERS)
	$(CC) $(CFLAGS) -c -o $@ $<

tests/unit/run-unit: $(UNIT_SRC) $(LIB_OBJ) $(HEADERS)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) -o $@ $(UNIT_SRC) $(LIB_OBJ) $(LDLIBS) $(CHECK_LIBS)

tests/fake_upstream/fake-upstream: $(FAKE_SRC) $(HEADERS)
	$(CC) $(CFLAGS) -o $@ $(FAKE_SRC) $(LDLIBS)

# Integration tests read the route table to drive every route.
tests/integ/run-integ: $(INTEG_SRC) $(POLICY_OBJ) $(HEADERS)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) -o $@ $(INTEG_SRC) $(POLICY_OBJ) $(LDLIBS) $(CHECK_LIBS)

check: deps-build deps-test
	$(MAKE) relay tests/unit/run-unit tests/fake_upstream/fake-upstream tests/integ/run-integ
	tests/unit/run-unit
	tests/integ/run-integ
	$(MAKE) -s coverage-check

# OpenAI's published API description, beside the repository in CI.
OPENAI_SPEC ?= ../shared/openai/openapi.json

# The full report: every route, and every OpenAI operation when the
# description is there.  Exits 2 if anything is UNKNOWN.
coverage: relay
	./relay coverage $(if $(wildcard $(OPENAI_SPEC)),--openai-spec $(OPENAI_SPEC))

# The same, quietly: counts and verdicts, the UNKNOWN section on failure.
coverage-check: relay
	@for spec in "" $(wildcard $(OPENAI_SPEC)); do \
	    out=$$(./relay coverage $${spec:+--openai-spec $$spec}); rc=$$?; \
	    printf '%s\n' "$$out" | grep -E '^(OpenAI spec|  [a-z_]+=|OK:|ERROR:)'; \
	    if [ $$rc -ne 0 ]; then \
	        printf '%s\n' "$$out" | sed -n '/^== UNKNOWN/,/^$$/p'; exit $$rc; \
	    fi; \
	done

run: deps-build deps-run
	$(MAKE) relay tests/fake_upstream/fake-upstream
	deploy/run-local.sh

# Install only what is missing. Package scripts must not start system
# services (they would listen on 0.0.0.0:80), so a policy-rc.d that denies
# starts is put in place for the install if the machine has none.
deps-build deps-test deps-run: deps-%:
	@pkgs="$(DEB_$(shell echo $* | tr a-z A-Z))"; \
	missing=$$(for p in $$pkgs; do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
	    echo "Installing missing Debian packages:" $$missing; \
	    sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	    added=; if [ ! -e /usr/sbin/policy-rc.d ]; then \
	        printf '#!/bin/sh\nexit 101\n' | $$sudo tee /usr/sbin/policy-rc.d >/dev/null; \
	        $$sudo chmod 755 /usr/sbin/policy-rc.d; added=1; fi; \
	    $$sudo apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing </dev/null; \
	    rc=$$?; [ -z "$$added" ] || $$sudo rm -f /usr/sbin/policy-rc.d; exit $$rc; \
	fi

clean:
	rm -f relay $(RELAY_OBJ) tests/unit/run-unit tests/fake_upstream/fake-upstream tests/integ/run-integ
