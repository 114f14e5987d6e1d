#!/usr/bin/env bash
# Debian packages the reports need: CJK fonts (and the open stand-ins of the 公文 fonts: AR PL KaitiM GB for
# 楷体, Liberation Serif for Times New Roman), WeasyPrint's Pango/HarfBuzz libraries; LibreOffice Writer
# (headless) against which tests/test_office_measured.py measures the 公文 docx; and the headless Chromium with
# its WebDriver that tests/test_browser.py opens every report in (docs/rendering.md §12).
# Installs them when missing and we are root; otherwise prints the exact command and goes on.
set -u
pkgs=(fonts-noto-cjk fonts-arphic-gkai00mp fonts-liberation2 libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
      libreoffice-writer-nogui chromium chromium-driver)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "note: not a Debian system; please install the equivalents of: ${missing[*]}" >&2
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && $cmd -qq || echo "warning: apt-get failed; reports may lack CJK fonts or PDF output, and the browser test skips" >&2
else
  echo "note: missing Debian packages for the reports. As root run:" >&2
  echo "  sudo apt-get update && sudo $cmd" >&2
fi
exit 0
