# wangban — the three commands of the README. Each installs what is missing first.
.PHONY: build run test bench clean

build:
	@scripts/install-deps.sh
	@cmake --preset release >/dev/null
	@cmake --build --preset release --target wangban

run: build
	@scripts/web-build.sh
	@mkdir -p var
	./build/wangban serve --port 8080 --data var --demo --web web/dist

test:
	@scripts/test.sh

bench: build
	@bench/http/run.sh
	@bench/identity/run.sh
	@bench/workflow/run.sh
	@bench/catalog/run.sh
	@bench/cases/run.sh

clean:
	rm -rf build build-debug build-asan
