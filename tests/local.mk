# Unit tests (Check), one program per common/ module.



if HAVE_CHECK
check_PROGRAMS += tests/unit/test_util
TESTS += tests/unit/test_util
endif
tests_unit_test_util_SOURCES = tests/unit/test_util.c
tests_unit_test_util_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_util_LDADD = $(LIBSSD) $(CHECK_LIBS)

# Fuzz targets: tests/fuzz/fuzz_NAME.c defines LLVMFuzzerTestOneInput.  By
# default each is linked with replay.c and replays tests/fuzz/corpus/NAME/
# in `make check`; with --enable-fuzzers (CC=clang) it is a libFuzzer binary.
if FUZZERS
FUZZ_MAIN =
FUZZ_LINK_FLAGS = -fsanitize=fuzzer
FUZZ_COMPILE_FLAGS = -fsanitize=fuzzer-no-link
else
FUZZ_MAIN = tests/fuzz/replay.c
FUZZ_LINK_FLAGS =
FUZZ_COMPILE_FLAGS =
endif
EXTRA_DIST += tests/fuzz/replay.c tests/fuzz/corpus

if HAVE_CHECK
check_PROGRAMS += tests/unit/test_ipc tests/unit/test_conf
TESTS += tests/unit/test_ipc tests/unit/test_conf
endif
tests_unit_test_ipc_SOURCES = tests/unit/test_ipc.c
tests_unit_test_ipc_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(LIBEVENT_CFLAGS)
tests_unit_test_ipc_LDADD = $(LIBSSD) $(LIBEVENT_LIBS) $(CHECK_LIBS)
tests_unit_test_conf_SOURCES = tests/unit/test_conf.c
tests_unit_test_conf_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_conf_LDADD = $(LIBSSD) $(CHECK_LIBS)
