#!/bin/sh
# run.sh - build a fuzz target with libFuzzer (clang) and run it for a while.
#
#   tests/fuzz/run.sh [SECONDS] [TARGET]      (defaults: 60, mail)
#
# Targets: mail (parse, guard, fold, HTML) and thread (parse and thread into
# a desk: everything mail_accept does, on a private desk in /tmp).
#
# Builds tests/fuzz/fuzz_TARGET.c with clang -fsanitize=fuzzer,address,undefined
# straight from the sources it needs (not through meson, so the normal and
# ASan builds stay gcc), into build-fuzz/, and runs it for SECONDS with the
# fixtures as the seed corpus. New inputs the fuzzer finds go to
# build-fuzz/corpus-TARGET (never into the source tree); a crash leaves
# build-fuzz/crash-* and makes the script fail: turn it into a fixture.
# Needs clang (Debian: clang, libclang-rt-dev) besides the usual packages.
set -eu

secs=${1:-60}
target=${2:-mail}
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/build-fuzz"
CLANG=${CLANG:-clang}

case $target in
mail)
	srcs="src/mail/inbound.c src/mail/html.c src/mail/guard.c src/rules/text.c
	      src/util/arena.c src/util/buf.c src/util/str.c src/util/xalloc.c"
	pkgs="gmime-3.0 gumbo"
	seeds="$root/tests/fixtures/mail"
	;;
thread)
	# Parse and thread: everything below the channels, and the migrations.
	mkdir -p "$out"
	python3 "$root/scripts/embed.py" --kind migrations "$out/migrations_sqlite.c" \
		"$root"/src/store/migrations/sqlite/*.sql
	python3 "$root/scripts/embed.py" --kind migrations --symbol migrations_pg \
		"$out/migrations_postgresql.c" "$root"/src/store/migrations/postgresql/*.sql
	srcs="$(cd "$root" && ls src/util/*.c src/rules/*.c src/store/*.c src/desk/*.c src/mail/*.c)
	      $out/migrations_sqlite.c $out/migrations_postgresql.c"
	pkgs="gmime-3.0 gumbo sqlite3 jansson libsodium icu-i18n libcurl libcmark-gfm inih libpq"
	libs="-lstemmer -lcmark-gfm-extensions -lm -lpthread"
	seeds="$root/tests/fixtures/mail"
	;;
*)
	echo "run.sh: no fuzz target '$target'" >&2
	exit 64
	;;
esac

command -v "$CLANG" >/dev/null || { echo "run.sh: needs clang" >&2; exit 69; }
mkdir -p "$out/corpus-$target"
cd "$root"
# shellcheck disable=SC2046,SC2086
"$CLANG" -std=c17 -g -O1 -D_GNU_SOURCE -DCHAMPION_LIBFUZZER -Isrc \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	$(pkg-config --cflags $pkgs | sed 's/-I/-isystem /g') \
	-o "$out/fuzz_$target" "tests/fuzz/fuzz_$target.c" $srcs $(pkg-config --libs $pkgs) ${libs:-}
cd "$out"
# GLib keeps a few one-time allocations (type system, charset tables) until exit.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
# FUZZ_SEED pins the run (make test pins it, so CI repeats what was checked here).
exec "./fuzz_$target" -max_total_time="$secs" -max_len=262144 -timeout=10 \
	${FUZZ_SEED:+-seed="$FUZZ_SEED"} \
	-rss_limit_mb=2048 "corpus-$target" "$seeds"
