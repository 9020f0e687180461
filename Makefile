# relay: a FastCGI responder that relays the OpenAI API.
#
#   make          build ./relay
#   make run      install what is missing, build, serve on 127.0.0.1 via lighttpd
#   make check    install what is missing, build, run every test
#
# Plain GNU make; compiler and linker flags come from pkg-config, whose
# complaints are left visible: before `make check` has installed what is
# missing they are expected, after it they say what is wrong.

CC      ?= cc
PKGS     = fcgi libcurl json-c libwebsockets yajl sqlite3 hiredis libcrypto
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wformat=2 \
           -Wstrict-prototypes -Wmissing-prototypes -D_FORTIFY_SOURCE=2 \
           -I. $(shell pkg-config --cflags $(PKGS))
LDLIBS   = $(shell pkg-config --libs $(PKGS)) -lpthread
ifeq ($(CI),true)
CFLAGS  += -Werror
endif

# AddressSanitizer, UBSan and LeakSanitizer.  `make check SAN=1` builds
# everything with them; `make check` always runs the unit suites built
# with them too.  A stamp per flavour makes switching rebuild everything.
SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=all
ifeq ($(SAN),1)
CFLAGS  += $(SAN_FLAGS)
FLAVOUR  = .flavour-san
# Everything runs several times slower under the sanitizers.
export CK_TIMEOUT_MULTIPLIER = 4
else
FLAVOUR  = .flavour-plain
endif

# Debian packages: what building needs, and what the tests start for real.
DEB_BUILD = gcc make pkg-config libfcgi-dev libcurl4-openssl-dev libjson-c-dev \
            libwebsockets-dev libyajl-dev libsqlite3-dev libhiredis-dev libssl-dev
DEB_TEST  = check lighttpd lighttpd-mod-openssl openssl apache2 chromium-driver \
            libapache2-mod-fcgid chromium nginx systemd valgrind redis-server
DEB_RUN   = lighttpd
DEB_BENCH = wrk nginx valgrind lighttpd apache2 libapache2-mod-fcgid \
            python3-fastapi python3-httpx python3-uvicorn python3-httptools \
            python3-uvloop
# libFuzzer's runtime is only recommended by clang, and installs skip those.
DEB_FUZZ  = clang libclang-rt-dev

POLICY_SRC   = $(wildcard policy/*.c)
HANDLERS_SRC = $(wildcard handlers/*.c)
FCGI_SRC     = $(wildcard fcgi/*.c)
OPENAPI_SRC  = $(wildcard openapi/*.c)
RELAY_SRC    = $(FCGI_SRC) $(HANDLERS_SRC) $(POLICY_SRC) $(OPENAPI_SRC)
# Generated from openapi/fragments/ and the Swagger UI assets (below),
# into .gen/ so build outputs stay out of the source directories.
OPENAPI_GEN  = .gen/fragments.o .gen/docs_assets.o
RELAY_OBJ    = $(RELAY_SRC:.c=.o) $(OPENAPI_GEN)
POLICY_OBJ   = $(POLICY_SRC:.c=.o)
# Everything but main(), so test programs can link the modules they test.
LIB_OBJ      = $(filter-out fcgi/main.o,$(RELAY_OBJ))

UNIT_SRC     = $(wildcard tests/unit/*.c)
FAKE_SRC     = $(wildcard tests/fake_upstream/*.c)
INTEG_SRC    = $(wildcard tests/integ/*.c)
UNIT_OBJ     = $(UNIT_SRC:.c=.o)
FAKE_OBJ     = $(FAKE_SRC:.c=.o)
INTEG_OBJ    = $(INTEG_SRC:.c=.o)
CHECK_LIBS   = $(shell pkg-config --libs check)
CHECK_CFLAGS = $(shell pkg-config --cflags check)
$(UNIT_OBJ) $(INTEG_OBJ): CFLAGS += $(CHECK_CFLAGS)

# Each object's header dependencies, as the compiler found them (-MMD),
# with an empty rule per header (-MP) so a deleted header breaks nothing.
DEPFLAGS     = -MMD -MP

.PHONY: all run check lint coverage coverage-check fuzz fuzz-merge fuzz-replay deps-build deps-test deps-run deps-fuzz clean \
        bench deps-bench soak valgrind

all: relay

relay: $(RELAY_OBJ)
	$(CC) $(CFLAGS) -o $@ $(RELAY_OBJ) $(LDLIBS)

$(FLAVOUR):
	@rm -f .flavour-*
	@touch $@

%.o: %.c $(FLAVOUR)
	$(CC) $(CFLAGS) $(DEPFLAGS) -c -o $@ $<

# The unit suites link a scripted upstream (tests/unit/scripted_upstream.c,
# the API of handlers/upstream.h) instead of handlers/upstream.o, so the
# handlers' logic is tested in-process, in milliseconds.
UNIT_LIB_OBJ = $(filter-out handlers/upstream.o,$(LIB_OBJ))

tests/unit/run-unit: $(UNIT_OBJ) $(UNIT_LIB_OBJ)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) -o $@ $^ $(LDLIBS) $(CHECK_LIBS)

tests/fake_upstream/fake-upstream: $(FAKE_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# The fake Realtime WebSocket endpoint the bridge tests relay to.
tests/fake_ws/fake-ws: tests/fake_ws/fake_ws.o
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# The OpenAPI fragments, and the Swagger UI assets behind /docs, are
# compiled in by openapi/embed.  Its output is rewritten only when it
# changes, so running it on every build costs no recompilation, and
# assets that npm installs (or that vanish) are picked up.
SWAGGER_UI = openapi/node_modules/swagger-ui-dist
DOCS_FILES = index.html=openapi/docs.html \
             swagger-ui.css=$(SWAGGER_UI)/swagger-ui.css \
             swagger-ui-bundle.js=$(SWAGGER_UI)/swagger-ui-bundle.js

.gen/embed: openapi/embed/embed.c
	@mkdir -p .gen
	$(CC) $(CFLAGS) -o $@ $<

.gen/fragments.c: .gen/embed FORCE
	@.gen/embed openapi_fragments $@ \
	    $(foreach f,$(sort $(wildcard openapi/fragments/*.json)),$(notdir $(f))=$(f))

.gen/docs_assets.c: .gen/embed FORCE | openapi/node_modules/.package-lock.json
	@if [ -f $(SWAGGER_UI)/swagger-ui.css ] && [ -f $(SWAGGER_UI)/swagger-ui-bundle.js ]; then \
	    .gen/embed docs_assets $@ $(DOCS_FILES); \
	else \
	    echo "relay: Swagger UI is not installed: /docs will answer 503"; \
	    .gen/embed docs_assets $@; \
	fi

# swagger-ui-dist, at build time only and optionally: without npm (or the
# registry) the relay still builds.  Install scripts are not needed.
openapi/node_modules/.package-lock.json: openapi/package.json openapi/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	    npm ci --prefix openapi --ignore-scripts --no-audit --no-fund || \
	    echo "relay: npm ci failed in openapi/: building without Swagger UI"; \
	else \
	    echo "relay: npm not found: building without Swagger UI"; \
	fi

# The OpenAPI validator the integration run uses; tests need it.
tests/openapi/node_modules/.package-lock.json: tests/openapi/package.json tests/openapi/package-lock.json
	npm ci --prefix tests/openapi --ignore-scripts --no-audit --no-fund

# OpenAI's Node SDK and the MCP TypeScript SDK (its client, and its OAuth
# client, which signs in to the relay), which the integration run points
# at the relay.
tests/sdk/node_modules/.package-lock.json: tests/sdk/package.json tests/sdk/package-lock.json
	npm ci --prefix tests/sdk --ignore-scripts --no-audit --no-fund

FORCE:

# Integration tests read the route table to drive every route.
tests/integ/run-integ: $(INTEG_OBJ) $(POLICY_OBJ)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) -o $@ $^ $(LDLIBS) $(CHECK_LIBS)

# The unit suites and the relay with the sanitizers, from objects of
# their own under .san/, so the normal objects stay as they are.
SAN_CFLAGS = $(filter-out -O2,$(CFLAGS)) -O1 $(SAN_FLAGS)
.san/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) $(DEPFLAGS) -c -o $@ $<

tests/unit/run-unit-san: $(addprefix .san/,$(UNIT_OBJ) $(UNIT_LIB_OBJ))
	$(CC) $(SAN_CFLAGS) $(CHECK_CFLAGS) -o $@ $^ $(LDLIBS) $(CHECK_LIBS)

# `make check` runs the integration suites against it as well as against
# ./relay (see tests/integ/main.c for which).  A report in a server's log
# (LeakSanitizer's at exit included) fails the run.
relay-san: $(addprefix .san/,$(RELAY_OBJ))
	$(CC) $(SAN_CFLAGS) -o $@ $^ $(LDLIBS)
# The integration run once per relay build ("flavour"): the plain relay,
# relay-san, and the relay under valgrind.  Which suites run behind which
# front servers in each is the table in tests/integ/main.c.  With SAN=1
# the relay itself is the sanitized build (and valgrind cannot run ASan
# binaries): one run of every suite against it instead.
ifeq ($(SAN),1)
CHECK_EXTRA =
else
CHECK_EXTRA = relay-san
endif

# The source rules (tests/lint/lint.pl says which), after a self-test
# that shows each of them failing on a fixture made to break it.
LINT = perl tests/lint/lint.pl --cc '$(CC)' --cflags '$(CFLAGS) $(CHECK_CFLAGS)'
lint:
	@$(LINT) --self-test
	@$(LINT) .

check: deps-build deps-test
	$(MAKE) lint
	$(MAKE) relay tests/unit/run-unit tests/fake_upstream/fake-upstream tests/integ/run-integ \
	    tests/fake_ws/fake-ws tests/unit/run-unit-san $(CHECK_EXTRA) \
	    tests/openapi/node_modules/.package-lock.json \
	    tests/sdk/node_modules/.package-lock.json
	tests/unit/run-unit
	ASAN_OPTIONS=detect_leaks=1 tests/unit/run-unit-san
ifeq ($(SAN),1)
	INTEG_FLAVOUR=san RELAY_BIN=relay INTEG_ALL_ROWS=1 tests/integ/run-integ
else
	INTEG_FLAVOUR=plain tests/integ/run-integ
	INTEG_FLAVOUR=san tests/integ/run-integ
	INTEG_FLAVOUR=valgrind tests/integ/run-integ
endif
	$(MAKE) -s fuzz-replay
	$(MAKE) -s coverage-check

# Fuzzing (libFuzzer, clang from Debian): one driver per request-path
# parser.  `make fuzz` fuzzes each for FUZZ_SECONDS with its dictionary
# (tests/fuzz/<target>.dict), adding what it finds to tests/fuzz/work/;
# `make check` replays the committed corpus.
FUZZ_TARGETS = route proxy base64 sse strip multipart json fetch config params mcp keys oauth
FUZZ_SECONDS ?= 180
FUZZ_SRC     = $(POLICY_SRC) fcgi/settings.c fcgi/params.c openapi/origin.c \
               tests/fuzz/fuzz_util.c
FUZZ_FLAGS   = -g -O1 -std=c11 -D_GNU_SOURCE -I. \
               -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

tests/fuzz/replay-%: tests/fuzz/fuzz_%.o tests/fuzz/replay.o tests/fuzz/fuzz_util.o $(LIB_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# One clang command builds each of these from the sources, so they
# depend on every header.
tests/fuzz/fuzz-%: tests/fuzz/fuzz_%.c $(FUZZ_SRC) $(wildcard */*.h tests/*/*.h)
	clang $(FUZZ_FLAGS) $(shell pkg-config --cflags json-c yajl fcgi libcrypto) -o $@ $< $(FUZZ_SRC) \
	    $(shell pkg-config --libs json-c yajl fcgi libcrypto)

fuzz-replay: $(FUZZ_TARGETS:%=tests/fuzz/replay-%)
	@for t in $(FUZZ_TARGETS); do \
	    tests/fuzz/replay-$$t tests/fuzz/corpus/$$t || exit 1; \
	done

fuzz: deps-build deps-fuzz
	$(MAKE) $(FUZZ_TARGETS:%=tests/fuzz/fuzz-%)
	@rc=0; for t in $(FUZZ_TARGETS); do \
	    mkdir -p tests/fuzz/work/$$t tests/fuzz/artifacts; \
	    dict=; [ -f tests/fuzz/$$t.dict ] && dict=-dict=tests/fuzz/$$t.dict; \
	    tests/fuzz/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	        -artifact_prefix=tests/fuzz/artifacts/$$t- $$dict \
	        tests/fuzz/work/$$t tests/fuzz/corpus/$$t > tests/fuzz/work/$$t.log 2>&1 || rc=1; \
	    grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|==|SUMMARY)' \
	        tests/fuzz/work/$$t.log | sed "s/^/$$t: /"; \
	done; exit $$rc

# Folds what `make fuzz` found into the committed corpus, minimised with
# libFuzzer's -merge=1.  Named files (seeds, reproducers of findings)
# are always kept; files named by their SHA-1 are libFuzzer's and stay
# only while they add coverage.
fuzz-merge: deps-build deps-fuzz
	$(MAKE) $(FUZZ_TARGETS:%=tests/fuzz/fuzz-%)
	@for t in $(FUZZ_TARGETS); do \
	    new=tests/fuzz/work/merge-$$t; rm -rf $$new; mkdir -p $$new tests/fuzz/work/$$t; \
	    for f in tests/fuzz/corpus/$$t/*; do \
	        n=$${f##*/}; \
	        if [ $${#n} -ne 40 ] || [ -n "$$(printf %s "$$n" | tr -d 0-9a-f)" ]; then \
	            cp "$$f" $$new/; fi; \
	    done; \
	    tests/fuzz/fuzz-$$t -merge=1 $$new tests/fuzz/corpus/$$t tests/fuzz/work/$$t \
	        > tests/fuzz/work/merge-$$t.log 2>&1 || exit 1; \
	    rm -rf tests/fuzz/corpus/$$t && mv $$new tests/fuzz/corpus/$$t; \
	    echo "$$t: $$(ls tests/fuzz/corpus/$$t | wc -l) files," \
	        "$$(du -sk tests/fuzz/corpus/$$t | cut -f1) KiB"; \
	done

# Every integration suite with the relay under valgrind (memcheck,
# definite leaks counted as errors; one log per relay process, any error
# fails the run), behind every front kind its row names (VALGRIND_KINDS
# narrows them).  make check runs only the rows tagged for valgrind,
# behind one front each.
VALGRIND_KINDS ?=
valgrind: deps-build deps-test
	$(MAKE) relay tests/fake_upstream/fake-upstream tests/integ/run-integ \
	    tests/fake_ws/fake-ws tests/openapi/node_modules/.package-lock.json \
	    tests/sdk/node_modules/.package-lock.json
	INTEG_FLAVOUR=valgrind INTEG_ALL_ROWS=1 INTEG_KINDS=$(VALGRIND_KINDS) \
	    tests/integ/run-integ

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
deps-build deps-test deps-run deps-bench deps-fuzz: deps-%:
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

# Benchmarks (tests/bench/): the relay behind the shipped front servers,
# side by side with nginx proxy_pass and the upstream called directly;
# prints a markdown table and writes it to tests/bench/RESULTS.md.
BENCH_OBJ = $(patsubst %.c,%.o,$(wildcard tests/bench/*.c))

tests/bench/run-bench: $(BENCH_OBJ) tests/integ/frontend.o
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) -lm

bench: deps-build deps-bench
	$(MAKE) relay tests/fake_upstream/fake-upstream tests/bench/run-bench
	tests/bench/run-bench

# Soak (tests/soak/): SOAK_SECONDS (default 600) of mixed load through
# lighttpd with the relay's memory sampled; not part of make check.
# Prints a markdown report and writes it to tests/soak/RESULTS.md.
SOAK_OBJ = $(patsubst %.c,%.o,$(wildcard tests/soak/*.c))

tests/soak/run-soak: $(SOAK_OBJ) tests/integ/frontend.o
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

soak: deps-build deps-run
	$(MAKE) relay tests/fake_upstream/fake-upstream tests/soak/run-soak
	tests/soak/run-soak

clean:
	rm -f relay $(RELAY_OBJ) tests/unit/run-unit tests/fake_upstream/fake-upstream tests/integ/run-integ
	rm -f $(UNIT_OBJ) $(FAKE_OBJ) $(INTEG_OBJ) $(BENCH_OBJ) $(SOAK_OBJ) tests/fake_ws/fake_ws.o tests/fuzz/*.o
	rm -f $(DEPS)
	rm -rf .san
	rm -f tests/bench/run-bench tests/fake_ws/fake-ws tests/unit/run-unit-san relay-san tests/soak/run-soak
	rm -f .flavour-*
	rm -f $(FUZZ_TARGETS:%=tests/fuzz/replay-%) $(FUZZ_TARGETS:%=tests/fuzz/fuzz-%)
	rm -rf .gen

DEPS = $(foreach d,. .san,$(wildcard $(d)/*/*.d $(d)/tests/*/*.d $(d)/.gen/*.d))
-include $(DEPS)
