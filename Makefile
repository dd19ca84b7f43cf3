# Tympan: `make demo` runs the main job on bundled fixtures, `make test` runs the tests.
# Both install the Debian packages they need first (scripts/bootstrap.sh).

SWIFT ?= swift
REFERENCE_VENV ?= .venv-reference
OUT ?= out

.PHONY: all bootstrap build demo test test-swift test-fixtures test-pages test-allocations test-fuzz-inputs test-mutated test-sanitizers fuzz fuzz-sensor arm-proof bench fixtures fixtures-real fit-splits loso lovo rules reference clean

all: build

bootstrap:
	@scripts/bootstrap.sh

build: bootstrap
	$(SWIFT) build -c release --product tympan

demo: build
	$(SWIFT) build -c release --product tympan-platform
	@scripts/demo.sh "$$($(SWIFT) build -c release --show-bin-path)/tympan" $(OUT)
	@echo
	@scripts/platform-demo.sh "$$($(SWIFT) build -c release --show-bin-path)/tympan" "$$($(SWIFT) build -c release --show-bin-path)/tympan-platform" $(OUT)

test: test-swift test-fuzz-inputs test-mutated test-fixtures test-pages test-allocations

# The platform's store tests run on SQLite and on PostgreSQL: a throwaway
# server on 127.0.0.1:55432 (scripts/postgres-test.sh; left running; TYMPAN_PG_DIR and
# TYMPAN_PG_PORT move it, as .ci/run does).
test-swift: bootstrap
	$(SWIFT) build --build-tests
	url=$$(scripts/postgres-test.sh start) && TYMPAN_TEST_POSTGRES=$$url $(SWIFT) test --skip-build

# The fuzz targets (Sources/TympanFuzz, Sources/TympanPlatformFuzz): every
# saved input (seeds and the crashers found so far, Tests/Fuzz/) replayed
# through the plain build.
SENSOR_FUZZ_TARGETS = features simd rules labels sensor-config audio-file raw-pcm site-state
PLATFORM_FUZZ_TARGETS = platform-message platform-config sensor-places
test-fuzz-inputs: bootstrap
	$(SWIFT) build --product tympan-fuzz
	$(SWIFT) build --product tympan-platform-fuzz
	@bin="$$($(SWIFT) build --show-bin-path)" && \
	for t in $(SENSOR_FUZZ_TARGETS); do "$$bin/tympan-fuzz" $$t $$(ls -d Tests/Fuzz/seeds/$$t Tests/Fuzz/regressions/$$t 2>/dev/null) || exit 1; done && \
	for t in $(PLATFORM_FUZZ_TARGETS); do "$$bin/tympan-platform-fuzz" $$t $$(ls -d Tests/Fuzz/seeds/$$t Tests/Fuzz/regressions/$$t 2>/dev/null) || exit 1; done

# Randomly mutated rules files, audio files, raw PCM (odd formats, rates and
# channel counts), sensor configurations and label files thrown at the
# `tympan` command (scripts/mutate.py, a fixed seed): any exit status but
# 0, 1, 64 (and 2 from listen), or a run past 20 s, fails. MUTATE_COUNT a kind.
MUTATE_COUNT ?= 100
test-mutated: bootstrap
	$(SWIFT) build --product tympan
	python3 scripts/mutate.py "$$($(SWIFT) build --show-bin-path)/tympan" --count $(MUTATE_COUNT) --seed 1 --out $(OUT)/mutate

# Coverage-guided fuzzing: libFuzzer with AddressSanitizer and
# UndefinedBehaviorSanitizer, FUZZ_SECONDS a target (scripts/fuzz.sh; corpus
# and crashes in out/fuzz/), built in .build-fuzz against the Swift
# toolchain's libFuzzer. `make fuzz-sensor` leaves out the platform's target
# (whose build compiles the server's packages with the sanitizers: 14 minutes).
FUZZ_SECONDS ?= 60
FUZZ_RUNTIME = $$(ls -d $$(dirname $$(readlink -f $$(command -v swift)))/../lib/clang/*/lib/linux | head -1)
FUZZ_FLAGS = --scratch-path .build-fuzz -Xswiftc -DFUZZING -Xswiftc -sanitize=address \
	-Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table \
	-Xcc -fsanitize=address,undefined -Xcc -fno-sanitize-recover=undefined \
	-Xcc -fsanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table \
	-Xlinker $(FUZZ_RUNTIME)/libclang_rt.fuzzer_no_main-$$(uname -m).a -Xlinker -lstdc++
fuzz-sensor: bootstrap
	$(SWIFT) build --product tympan-fuzz $(FUZZ_FLAGS)
	scripts/fuzz.sh "$$($(SWIFT) build $(FUZZ_FLAGS) --show-bin-path)/tympan-fuzz" $(FUZZ_SECONDS) $(SENSOR_FUZZ_TARGETS)
fuzz: fuzz-sensor
	$(SWIFT) build --product tympan-platform-fuzz $(FUZZ_FLAGS)
	scripts/fuzz.sh "$$($(SWIFT) build $(FUZZ_FLAGS) --show-bin-path)/tympan-platform-fuzz" $(FUZZ_SECONDS) $(PLATFORM_FUZZ_TARGETS)

# The whole Swift test suite under AddressSanitizer (UndefinedBehaviorSanitizer
# too for the C targets; Swift checks overflow and bounds itself), then the
# threaded tests under ThreadSanitizer: the daemon, the spool, FFTW planning,
# and the whole platform suite (ingest thread, API, PostgreSQL watchdog), and detectors
# sharing one compiled model on concurrent tasks (ClassifierReferenceTests/shared).
# TYMPAN_SANITIZE (read by Package.swift) instruments this package's own
# targets in .build and reuses the dependencies' plain objects: about 3 minutes
# a build instead of 24 for `--sanitize` on everything. A sanitizer's report
# fails the run. The last step puts the plain build back.
SANITIZER_OPTIONS = ASAN_OPTIONS=detect_leaks=0:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	TSAN_OPTIONS=halt_on_error=1
TSAN_TESTS = ConcurrencyTests|ListenCommandTests|SpoolTests|TympanPlatformTests|ClassifierReferenceTests/shared
test-sanitizers: bootstrap
	TYMPAN_SANITIZE=address $(SWIFT) build --build-tests --manifest-cache none
	url=$$(scripts/postgres-test.sh start) && TYMPAN_TEST_POSTGRES=$$url TYMPAN_SANITIZE=address $(SANITIZER_OPTIONS) \
	$(SWIFT) test --skip-build --manifest-cache none
	TYMPAN_SANITIZE=thread $(SWIFT) build --build-tests --manifest-cache none
	url=$$(scripts/postgres-test.sh start) && TYMPAN_TEST_POSTGRES=$$url TYMPAN_SANITIZE=thread $(SANITIZER_OPTIONS) \
	$(SWIFT) test --skip-build --manifest-cache none --filter "$(TSAN_TESTS)"
	$(SWIFT) build --build-tests

# The platform's web pages in a real headless Chromium (Selenium, .venv-pages):
# a real mosquitto and `tympan-platform serve`; screenshots in out/pages/.
test-pages: bootstrap
	$(SWIFT) build --product tympan-platform
	url=$$(scripts/postgres-test.sh start) && TYMPAN_TEST_POSTGRES=$$url \
	TYMPAN_PLATFORM="$$($(SWIFT) build --show-bin-path)/tympan-platform" "$$(scripts/python-env.sh pages)" -m pytest -q Tests/pages

# The scene generator's own tests (reproducible bytes, sane labels, audible events),
# and the rule tooling's calibration step (scripts/rules/test_loso.py: no fit, no scikit-learn).
test-fixtures: bootstrap
	$(SWIFT) build --product tympan
	TYMPAN="$$($(SWIFT) build --show-bin-path)/tympan" "$$(scripts/python-env.sh)" -m pytest -q fixtures/generate/test_fixtures.py fixtures/real/test_real.py scripts/rules/test_loso.py scripts/rules/test_common.py

# Writes all synthetic splits (only test is committed) and the gallery.
fixtures: bootstrap
	cd fixtures/generate && py="$$(../../scripts/python-env.sh)" && "$$py" generate.py && "$$py" gallery.py

# Downloads the Debian packages of the real-recording dev set and rebuilds it
# (audio in fixtures/real/audio/, not committed).
fixtures-real: bootstrap
	PYTHON="$$(scripts/python-env.sh)" fixtures/real/fetch.sh

# The synthetic splits a fit reads (train) and chooses settings on (validation),
# written when missing (only test is committed).
fit-splits: bootstrap
	@[ -d fixtures/scenes/train ] || (cd fixtures/generate && "$$(../../scripts/python-env.sh)" generate.py --split train)
	@[ -d fixtures/scenes/validation ] || (cd fixtures/generate && "$$(../../scripts/python-env.sh)" generate.py --split validation)

# Leave-one-source-out evaluation on the real recordings (scripts/rules/loso.py):
# the procedure that fits the bundled rules (make rules), run once per source
# without it: weighted rules of TERMS rounds a class fitted in each fold, their
# detector settings chosen on sources held out of the fit too, the fold scored
# (about 35 minutes). PENALTY=P the F1 given up per false alarm per hour
# (default 0.01); OUT_LOSO=DIR keeps the pool and the fits, so that another
# PENALTY only calibrates again; WITHOUT="NAME ..." fits without those
# descriptors (a smaller front end); NO_SITE=1 detects without site adaptation;
# CALIBRATION=real chooses the settings of a class with enough real validation
# events on those alone (it did not pay: scripts/rules/loso.py). RULES=FILE scores that rules file instead (one
# fitted without these recordings; the bundled rules were fitted on them).
TERMS ?= 25
loso: build
	@[ -d fixtures/real/audio ] || $(MAKE) fixtures-real
	@[ -n "$(RULES)" ] || $(MAKE) --no-print-directory fit-splits
	TYMPAN="$$($(SWIFT) build -c release --show-bin-path)/tympan" "$$(scripts/python-env.sh $(if $(RULES),,rules))" scripts/rules/loso.py --tympan "$$($(SWIFT) build -c release --show-bin-path)/tympan" $(if $(RULES),--rules $(RULES),--fit --choose --terms $(TERMS)) $(if $(PENALTY),--penalty $(PENALTY)) $(if $(WITHOUT),--without $(WITHOUT)) $(if $(NO_SITE),--no-site) $(if $(CALIBRATION),--calibration $(CALIBRATION)) $(if $(OUT_LOSO),--out $(OUT_LOSO))

# Leave one generator variant out (scripts/rules/lovo.py): for each class and each
# variant of the synthetic generator, a rule fitted on train+train2 and settings
# chosen on train3 without that variant's scenes, scored on validation+train4 on the
# variant (unseen) and on the class's other variants (seen); about 10 minutes.
# The synthetic splits it needs are written when missing (only test is committed).
lovo: build
	@for split in train train2 train3 train4 validation; do \
	    [ -d fixtures/scenes/$$split ] || (cd fixtures/generate && "$$(../../scripts/python-env.sh)" generate.py --split $$split) || exit 1; \
	done
	TYMPAN="$$($(SWIFT) build -c release --show-bin-path)/tympan" "$$(scripts/python-env.sh rules)" scripts/rules/lovo.py --tympan "$$($(SWIFT) build -c release --show-bin-path)/tympan"

# Fits the rules tympan ships (Sources/Tympan/Detection/bundled-rules.json and
# docs/bundled-rules.md) from committed inputs: the real recordings make
# fixtures-real fetches, the synthetic train and validation splits, and the
# pinned rule tooling (scripts/rules/requirements.txt). The procedure is
# make loso's on every source (loso.py --bundle); TERMS=N rounds a class,
# PENALTY=P; OUT_RULES=DIR keeps the training pool for the next run.
OUT_RULES ?= .build-rules
rules: build
	@[ -d fixtures/real/audio ] || $(MAKE) fixtures-real
	@$(MAKE) --no-print-directory fit-splits
	mkdir -p $(OUT_RULES)
	TYMPAN="$$($(SWIFT) build -c release --show-bin-path)/tympan" "$$(scripts/python-env.sh rules)" scripts/rules/loso.py --bundle $(OUT_RULES)/fitted.json --terms $(TERMS) $(if $(PENALTY),--penalty $(PENALTY)) --out $(OUT_RULES) --tympan "$$($(SWIFT) build -c release --show-bin-path)/tympan"
	"$$(scripts/python-env.sh rules)" scripts/rules/bundle.py $(OUT_RULES)/fitted.json --about scripts/rules/about.json
	$(SWIFT) build -c release --product tympan

# A steady streaming chunk allocates nothing: the benchmark's malloc count
# against the stored threshold (Benchmarks/Thresholds/); any allocation fails.
test-allocations: bootstrap
	cd Benchmarks && $(SWIFT) package benchmark thresholds check --filter "SteadyChunk.*"

# The aarch64 proof: cross-compiled kernels under qemu (Cortex-A53, A72) equal to
# the x86-64 build, and instructions per frame, for log-mel and for the whole
# per-frame detection of the bundled rules (Benchmarks/arm/run.sh). CI runs it.
arm-proof:
	Benchmarks/arm/run.sh

# Benchmarks (a separate package; see Benchmarks/README.md).
bench: bootstrap
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark

# Regenerates fixtures/reference/ with pinned librosa and kaldi-native-fbank
# (needs PyPI; the tests themselves never run Python).
reference:
	@command -v espeak-ng >/dev/null || (scripts/bootstrap.sh && apt-get install -y -qq espeak-ng >/dev/null)
	python3 -m venv $(REFERENCE_VENV)
	$(REFERENCE_VENV)/bin/pip install -q -r fixtures/reference/requirements.txt
	$(REFERENCE_VENV)/bin/python fixtures/reference/make_reference.py
	cd fixtures/reference/sed_eval && ../../../$(REFERENCE_VENV)/bin/python make_sed_eval.py

# Everything `make` creates (what .gitignore lists): build folders (with the
# Benchmarks package's), every venv, outputs, the regenerated training and
# validation scenes, the fetched real recordings; and the test PostgreSQL.
clean:
	-@scripts/postgres-test.sh stop
	rm -rf .build .build-* .build_* .swiftpm Package.resolved Benchmarks/.build Benchmarks/.swiftpm \
	    Benchmarks/Package.resolved .venv-* Benchmarks/peers/.venv $(OUT) $(OUT_RULES) .pytest_cache .hypothesis \
	    .schemathesis fixtures/scenes/train fixtures/scenes/train[2-8] fixtures/scenes/validation \
	    fixtures/scenes/validation[2-4] fixtures/scenes/train*.tsv fixtures/scenes/validation*.tsv \
	    fixtures/real/audio fixtures/real/cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
