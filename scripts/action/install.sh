#!/usr/bin/env bash
# The GitHub Action's install step: puts a `skillstack` binary on PATH.
# With SKILLSTACK_VERSION, downloads that release's binary; otherwise builds the action's own
# source with cargo into INSTALL_ROOT (cached by the action), skipping the build when a binary of
# the same version is already there.
set -euo pipefail
: "${ACTION_PATH:?}" "${INSTALL_ROOT:?}" "${GITHUB_PATH:?}"
bin="$INSTALL_ROOT/bin"
mkdir -p "$bin"
source_version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$ACTION_PATH/Cargo.toml" | head -n 1)

if [ -n "${SKILLSTACK_VERSION:-}" ]; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) target=x86_64-unknown-linux-gnu ;;
    Linux-aarch64) target=aarch64-unknown-linux-gnu ;;
    Darwin-arm64) target=aarch64-apple-darwin ;;
    Darwin-x86_64) target=x86_64-apple-darwin ;;
    *) echo "::error::no prebuilt skillstack for $(uname -sm); leave the 'version' input empty to build from source"; exit 1 ;;
  esac
  asset="skillstack-$target.tar.gz"
  gh release download "v$SKILLSTACK_VERSION" --repo "${ACTION_REPOSITORY:?}" --pattern "$asset" --dir "$INSTALL_ROOT" --clobber
  tar -xzf "$INSTALL_ROOT/$asset" -C "$bin"
elif [ -x "$bin/skillstack" ] && [ "$("$bin/skillstack" --version)" = "skillstack $source_version" ]; then
  echo "skillstack $source_version is already built (cache hit)"
else
  if ! command -v cargo >/dev/null 2>&1; then
    echo "::error::cargo is needed to build skillstack; install Rust first (dtolnay/rust-toolchain) or set the 'version' input"
    exit 1
  fi
  cargo install --locked --root "$INSTALL_ROOT" --path "$ACTION_PATH"
fi
"$bin/skillstack" --version
echo "$bin" >> "$GITHUB_PATH"
