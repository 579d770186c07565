#!/usr/bin/env bash
# npm run setup: installs what taxbrief needs on a fresh Debian machine, and nothing twice.
#   Debian packages: chromium and chromium-headless-shell (unless CHROMIUM_PATH names a browser), fonts-noto-cjk,
#   fonts-arphic-ukai, poppler-utils, time (GNU time: peak RSS in npm run bench), python3-fonttools (the print faces);
#   then the npm dependencies (npm ci), the build, and the print faces (scripts/print-fonts.py, once per version).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(fonts-noto-cjk fonts-arphic-ukai poppler-utils time python3-fonttools)
if [[ -n "${CHROMIUM_PATH:-}" ]]; then
  [[ -x "$CHROMIUM_PATH" ]] || { echo "setup: CHROMIUM_PATH=$CHROMIUM_PATH is not an executable; unset it or point it at a Chromium binary." >&2; exit 4; }
else
  # the headless shell prints (a third of the full browser's start-up); the full browser is the fallback
  packages+=(chromium chromium-headless-shell)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "setup: installing ${missing[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  elif command -v sudo >/dev/null && command -v apt-get >/dev/null && sudo -n true 2>/dev/null; then
    echo "setup: installing ${missing[*]} (sudo apt-get)"
    sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: cannot install Debian packages here (not root, no apt-get). Install them by hand:" >&2
    echo "  sudo apt-get install --no-install-recommends ${missing[*]}" >&2
    echo "  (or set CHROMIUM_PATH to an installed Chromium/Chrome binary)" >&2
    exit 4
  fi
else
  echo "setup: Debian packages present (${packages[*]})"
fi

# npm ci only when the lockfile changed since the last successful install.
stamp=node_modules/.taxbrief-setup
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ -f $stamp && $(cat "$stamp") == "$lock_hash" ]]; then
  echo "setup: npm dependencies up to date"
else
  echo "setup: installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > "$stamp"
fi

npm run --silent build
fc-list :lang=zh family | grep -q "Noto Serif CJK SC" || { echo "setup: the font Noto Serif CJK SC is missing although fonts-noto-cjk is installed; run fc-cache -f." >&2; exit 4; }

# The print faces (Taxbrief Song/Hei/Kai: TrueType cuts of the Noto/UKai faces, which Chromium embeds as subsets
# instead of tracing every glyph): built for this user once per version of the script (about 2 minutes of CPU).
fonts_dir="${XDG_DATA_HOME:-$HOME/.local/share}/fonts/taxbrief"
fonts_hash=$(sha256sum scripts/print-fonts.py | cut -d' ' -f1)
if [[ -f $fonts_dir/.version && $(cat "$fonts_dir/.version") == "$fonts_hash" ]] && fc-list -q "Taxbrief Song"; then
  echo "setup: print faces up to date ($fonts_dir)"
else
  echo "setup: building the print faces into $fonts_dir (about 2 minutes)"
  rm -f "$fonts_dir/.version"
  /usr/bin/python3 scripts/print-fonts.py "$fonts_dir"
  fc-cache "$fonts_dir"
  echo "$fonts_hash" > "$fonts_dir/.version"
fi
echo "setup: done. Next: npm start (demo data → PDF), npm test"
