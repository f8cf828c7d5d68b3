# Champion's front door.
#
#   make          install missing Debian packages, build build/champion
#   make run      ... then create the demo desk and serve it on 127.0.0.1:8080
#   make test     ... then run every test: the normal build (-Wall -Wextra
#                 -Werror), the AddressSanitizer + UBSan build, and 60 s of
#                 libFuzzer over mail parsing and threading
#   make check    the normal build's tests only (quicker, for development)
#   make clean    remove the build directories

BUILD      ?= build
ASAN_BUILD ?= build-asan
DEMO_DB    ?= demo.db
DEMO_TICKETS ?= 20000
LISTEN     ?= 127.0.0.1:8080
MESON      ?= meson

.PHONY: all deps build run test check test-normal test-asan test-fuzz clean

all: build

deps:
	@scripts/setup-deps

$(BUILD)/build.ninja: | deps
	$(MESON) setup $(BUILD) --buildtype=debugoptimized

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(ASAN_BUILD)/build.ninja: | deps
	$(MESON) setup $(ASAN_BUILD) --buildtype=debug \
		-Db_sanitize=address,undefined -Db_lundef=false

# The demo desk is made once (its admin joins every group, so that the
# workspace's queues hold tickets); each run gives the admin a new password.
run: build
	@if [ ! -f $(DEMO_DB) ]; then \
		$(BUILD)/champion --db $(DEMO_DB) demo --tickets $(DEMO_TICKETS) && \
		$(BUILD)/champion --db $(DEMO_DB) group list | tail -n +2 | \
		while read -r id members name; do \
			$(BUILD)/champion --db $(DEMO_DB) group member "$$name" admin@demo.example >/dev/null; \
		done; \
	fi
	@password=$$(head -c 12 /dev/urandom | base64 | tr -d '/+=') && \
	echo "$$password" | $(BUILD)/champion --db $(DEMO_DB) user set admin@demo.example \
		--password - >/dev/null && \
	token=$$($(BUILD)/champion --db $(DEMO_DB) token create --user admin@demo.example \
		--name "make run" 2>/dev/null) && \
	echo && \
	echo "Demo desk $(DEMO_DB), served at http://$(LISTEN)" && \
	echo "Open http://$(LISTEN)/ and sign in as admin@demo.example with the password:" && \
	echo "  $$password" && \
	echo "(customers use the portal at http://$(LISTEN)/portal)" && \
	echo "The API takes the token:" && \
	echo "  curl -H 'Authorization: Bearer $$token' http://$(LISTEN)/api/v1/tickets?status=open" && \
	echo "  $(BUILD)/champion --db $(DEMO_DB) ticket show 1" && \
	echo
	exec $(BUILD)/champion --db $(DEMO_DB) serve --listen $(LISTEN)

test: test-normal test-asan test-fuzz

check test-normal: build
	$(MESON) test -C $(BUILD) --print-errorlogs

test-asan: deps $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		$(MESON) test -C $(ASAN_BUILD) --print-errorlogs --no-suite slow

# libFuzzer (clang) over parse + thread: every input taken into a private desk.
FUZZ_SECONDS ?= 60
FUZZ_SEED ?= 1
test-fuzz: deps
	FUZZ_SEED=$(FUZZ_SEED) tests/fuzz/run.sh $(FUZZ_SECONDS) thread

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
