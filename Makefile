# LatePoint API Keys. `make run` shows the product; `make test` runs every test.
# Both install what they need (Debian packages) and build first.
EXT        := $(CURDIR)/target/release/liblpapi.so
PHP        ?= php

.PHONY: run demo stop test lint build deps install bench dist clean

# The product: MariaDB + WordPress + php-fpm (with the extension) + nginx on 127.0.0.1:8080,
# the plugin active, LatePoint's tables with demo data (this local site only), a demo key and
# ready curls. `make stop` stops it all.
# Real LatePoint where scripts/get-latepoint.sh put it (on the WordPress release it supports), else
# Debian's WordPress with LatePoint's tables only (reads work; writes say they need LatePoint).
LATEPOINT_DIR ?= $(or $(LPAPI_LATEPOINT_DIR),$(or $(LPAPI_CACHE_DIR),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/latepoint-api-keys)/latepoint)
RUN_WP        ?= $(or $(LPAPI_WP),$(if $(wildcard $(LATEPOINT_DIR)/latepoint.php),6.5,debian))

run: deps build
	@LPAPI_WP=$(RUN_WP) scripts/stack.sh start
	@scripts/stack.sh php scripts/stack/demo-data.php
	@eval "$$(scripts/stack.sh env)" && scripts/stack.sh php scripts/stack/demo-key.php

# A tour of the native functions from PHP, without WordPress.
demo: deps build
	$(PHP) -d extension=$(EXT) examples/demo.php

stop:
	@scripts/stack.sh stop

test:
	@scripts/install-deps.sh test
	@echo "==> building the extension (cargo build --release)"
	cargo build --release
	@scripts/test.sh

# The lint gates: php -l, PHP_CodeSniffer (phpcs.xml.dist for the plugin, with the project's
# sniffs in tools/phpcs/; tools/phpcs/dev-code.xml for the rest), the phpcs:ignore rule,
# shellcheck, cargo fmt --check and clippy -D warnings. Installs its tools (Debian packages).
lint:
	@scripts/lint.sh

build:
	@echo "==> building the extension (cargo build --release)"
	cargo build --release

deps:
	@scripts/install-deps.sh build

bench: build
	@scripts/install-deps.sh bench
	$(PHP) -d extension=$(EXT) -d apc.enable_cli=1 bench/native_vs_php.php
	$(PHP) -d extension=$(EXT) -d apc.enable_cli=1 bench/rate_decisions.php
	$(PHP) -d extension=$(EXT) bench/rate_stores.php

# Copies the extension into PHP's extension dir and enables it for every SAPI, the Debian way.
install: build
	@scripts/install-extension.sh $(EXT)

# The release artifacts in dist/, reproducibly: the plugin zip, the extension's Debian package, the
# sources and SHA256SUMS (scripts/dist.sh says what is in each).
dist: deps build
	@scripts/install-deps.sh dist
	@scripts/dist.sh dist

clean:
	cargo clean
	rm -rf dist
