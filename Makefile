# LatePoint API Keys. `make run` shows the product; `make test` runs every test.
# Both install what they need (Debian packages) and build first.
EXT        := $(CURDIR)/target/release/liblpapi.so
PHP        ?= php

.PHONY: run test build deps install bench stubs clean

run: deps build
	@echo "==> demo of the native functions (php -d extension=$(EXT))"
	$(PHP) -d extension=$(EXT) examples/demo.php

test:
	@scripts/install-deps.sh test
	@echo "==> building the extension (cargo build --release)"
	cargo build --release
	@scripts/test.sh

build:
	@echo "==> building the extension (cargo build --release)"
	cargo build --release

deps:
	@scripts/install-deps.sh build

bench: build
	@scripts/install-deps.sh bench
	$(PHP) -d extension=$(EXT) -d apc.enable_cli=1 bench/native_vs_php.php

# Copies the extension into PHP's extension dir and enables it for every SAPI, the Debian way.
install: build
	@scripts/install-extension.sh $(EXT)

clean:
	cargo clean
