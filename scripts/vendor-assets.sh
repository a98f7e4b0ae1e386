#!/usr/bin/env bash
# Vendor the front-end assets into static/vendor/ from the npm registry (npm pack only).
#
# The portal runs in closed government networks, so pages never load anything from a CDN:
# the few files the templates need are committed under static/vendor/<package>/ together with
# each package's licence, and served by whitenoise like our own static files.
#
# To upgrade: change a version below, run `scripts/vendor-assets.sh`, look at the diff, commit.
set -euo pipefail

# --- Pinned versions (the only place they are written) ------------------------------------
BOOTSTRAP_VERSION="5.3.9"       # bootstrap@5
CHARTJS_VERSION="4.6.1"         # chart.js@4
DESIGN_TOKENS_VERSION="1.1.9"   # @digital-go-jp/design-tokens (デジタル庁, MIT)
# -------------------------------------------------------------------------------------------

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENDOR="$ROOT/static/vendor"

command -v npm >/dev/null 2>&1 || { echo "npm がありません（apt-get install npm）" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# fetch SPEC DIR: npm pack SPEC and unpack it into $WORK/DIR (the tarball's package/ folder).
fetch() {
  local spec="$1" dir="$WORK/$2"
  mkdir -p "$dir"
  (cd "$dir" && npm pack --silent "$spec" >/dev/null)
  tar -xzf "$dir"/*.tgz -C "$dir"
  echo "取得: $spec" >&2
}

# install SRC DEST: copy one file; for .js/.css drop the sourceMappingURL comment (the .map
# is not vendored, and whitenoise's manifest storage fails on a reference to a missing file).
install_file() {
  local src="$1" dest="$2"
  [ -f "$src" ] || { echo "見つかりません: ${src#"$WORK"/}" >&2; exit 1; }
  mkdir -p "$(dirname "$dest")"
  case "$dest" in
    *.js|*.css)
      sed -E '/^[[:space:]]*(\/\/|\/\*)[#@][[:space:]]*sourceMappingURL=/d' "$src" > "$dest"
      if grep -q 'sourceMappingURL=' "$dest"; then
        echo "sourceMappingURL が残っています: $dest" >&2; exit 1
      fi
      ;;
    *) cp "$src" "$dest" ;;
  esac
}

fetch "bootstrap@$BOOTSTRAP_VERSION" bootstrap
fetch "chart.js@$CHARTJS_VERSION" chartjs
fetch "@digital-go-jp/design-tokens@$DESIGN_TOKENS_VERSION" design-tokens

# Replace the vendored folders whole, so that nothing stale survives an upgrade.
rm -rf "$VENDOR/bootstrap" "$VENDOR/chartjs" "$VENDOR/design-tokens"

P="$WORK/bootstrap/package"
install_file "$P/dist/css/bootstrap.min.css"      "$VENDOR/bootstrap/bootstrap.min.css"
install_file "$P/dist/js/bootstrap.bundle.min.js" "$VENDOR/bootstrap/bootstrap.bundle.min.js"
install_file "$P/LICENSE"                         "$VENDOR/bootstrap/LICENSE"

P="$WORK/chartjs/package"
install_file "$P/dist/chart.umd.min.js" "$VENDOR/chartjs/chart.umd.min.js"
install_file "$P/LICENSE.md"            "$VENDOR/chartjs/LICENSE.md"

P="$WORK/design-tokens/package"
install_file "$P/dist/tokens.css" "$VENDOR/design-tokens/tokens.css"
install_file "$P/LICENSE"         "$VENDOR/design-tokens/LICENSE"

echo "static/vendor/ を更新しました:" >&2
(cd "$ROOT" && find static/vendor -type f | sort | xargs ls -l | awk '{print "  " $5 "\t" $9}') >&2
