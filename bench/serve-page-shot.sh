#!/usr/bin/env bash
# The README's screenshot of `serve`'s web page (docs/serve/page.png): the page generates and inpaints by itself in
# Debian's headless chromium (apt-get install chromium) against the built-in model.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
mvn -q -B -o test-compile
java -cp "target/test-classes:target/classes:$(cat target/runtime-classpath.txt)" ddpm4j.cli.ServePageShot "${1:-docs/serve/page.png}"
