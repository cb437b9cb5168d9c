#!/usr/bin/env bash
# Drives the real `mobipass` window under Xvfb with xdotool, keyboard only,
# as a person without a mouse would: activation (with a typo in part 3 that
# is marked and fixed), one signature, a check that the signature value
# copied from the window equals the terminal mode's for the same vault, PIN
# and code, a linked payment reached with Tab and Space (the focus ring on
# the checkbox, then the value next to what it signs), the delete screen
# (Enter keeps the key), the menu and help in Russian and Kazakh, the
# dark theme at 200% scaling, and a two-channel activation (envelope and
# activation code, with a typo in the code that is named and fixed) on a
# second vault, whose signature value must again equal the terminal mode's,
# with the activation-code step also shot in Russian and Kazakh, and, with no
# keystore, the question whether to keep an unbound key. The screen is 1280x720 (at 200%: 2560x1440,
# the same in logical pixels); every window must fit on it. Saves
# screenshots.
#
# Usage: scripts/gui-screenshots.sh [OUT_DIR]   (default: docs/screenshots)
# Needs: Xvfb, xdotool, imagemagick (import), xclip; see .ci/apt/gui.txt.
# The vault is a temporary file with the real default Argon2 cost.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/docs/screenshots}"
mkdir -p "$out"
work="$(mktemp -d)"
vault="$work/vault.json"
vault2="$work/vault-two-channel.json"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

# A demonstration envelope key (valid check digits; no real credential).
PARTS=(3141592651 3589793230 8462643383 3279502888)
TYPO_PART3=8462643838 # two neighbours swapped: the check digit catches it
PIN=4826
CODE=338609
# The same data digits as a two-channel envelope (check prefixes 5-8), and a
# demonstration activation code (Damm of "9" || 2718281 is 8).
PARTS2=(3141592656 3589793233 8462643382 3279502880)
ACTIVATION_CODE=27182818
TYPO_ACTIVATION_CODE=27182881 # the last two digits swapped

xvfb_pid=""
app_pid=""
own_bus_pid=""
cleanup() {
  [[ -n "$app_pid" ]] && kill "$app_pid" 2>/dev/null || true
  [[ -n "$xvfb_pid" ]] && kill "$xvfb_pid" 2>/dev/null || true
  [[ -n "$own_bus_pid" ]] && kill "$own_bus_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

say() { printf 'gui-screenshots: %s\n' "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

# The window binds the vault to the keystore: without a Secret Service in
# this session (CI sources this setup first), start a private one, stopped
# on exit with its bus.
if [[ -z "${MOBIPASS_TEST_SECRET_SERVICE:-}" ]]; then
  # shellcheck source=../.ci/setup.d/30-secret-service.sh
  source "$root/.ci/setup.d/30-secret-service.sh"
  own_bus_pid="$MOBIPASS_TEST_DBUS_PID"
fi

(cd "$root" && timeout 1200 cargo build --quiet -p mobipass)
# Copy the binary: a shared target directory may be rebuilt under our feet.
cp "$CARGO_TARGET_DIR/debug/mobipass" "$work/mobipass"
bin="$work/mobipass"

# Xvfb picks a free display itself (-displayfd): other X servers on this
# machine may use numbers whose lock files we cannot see. -noreset: by
# default the server resets when its last client leaves (between two app
# runs here), and an app starting during that reset cannot open the display.
start_xvfb() { # $1 = screen size, WxH
  if [[ -n "$xvfb_pid" ]]; then
    kill "$xvfb_pid" 2>/dev/null || true
    wait "$xvfb_pid" 2>/dev/null || true
  fi
  rm -f "$work/display"
  Xvfb -displayfd 3 -noreset -screen 0 "${1}x24" -nolisten tcp 3>"$work/display" >"$work/xvfb.log" 2>&1 &
  xvfb_pid=$!
  for _ in $(seq 100); do [[ -s "$work/display" ]] && break; sleep 0.1; done
  [[ -s "$work/display" ]] || { cat "$work/xvfb.log" >&2; fail "Xvfb did not start"; }
  export DISPLAY=":$(tr -d '[:space:]' <"$work/display")"
  xdpyinfo >/dev/null 2>&1 || fail "cannot reach Xvfb on $DISPLAY"
  screen_size="$1"
  say "Xvfb on $DISPLAY, screen $1"
}

# The window, once it has sized itself from the screen, must fit on it.
check_fits() {
  local WIDTH HEIGHT X Y SCREEN WINDOW
  eval "$(xdotool getwindowgeometry --shell "$window")"
  local sw="${screen_size%x*}" sh="${screen_size#*x}"
  ((X + WIDTH <= sw && Y + HEIGHT <= sh)) ||
    fail "the window (${WIDTH}x${HEIGHT} at $X,$Y) does not fit the ${screen_size} screen"
  say "window ${WIDTH}x${HEIGHT} at $X,$Y fits the ${screen_size} screen"
}

start_xvfb 1280x720

window=""
start_app() { # $1 = locale, $2 = scale factor (default 1), $3 = vault (default $vault)
  WINIT_X11_SCALE_FACTOR="${2:-1}" LANG="$1" LC_ALL="$1" LANGUAGE="" MOBIPASS_VAULT="${3:-$vault}" \
    "$bin" >"$work/app.log" 2>&1 &
  app_pid=$!
  window=""
  for _ in $(seq 100); do
    window="$(xdotool search --name '^MobiPass$' 2>/dev/null | head -1 || true)"
    [[ -n "$window" ]] && break
    kill -0 "$app_pid" 2>/dev/null || {
      cat "$work/app.log" "$work/xvfb.log" >&2
      fail "the app exited"
    }
    sleep 0.2
  done
  [[ -n "$window" ]] || fail "no window appeared"
  xdotool windowfocus --sync "$window" 2>/dev/null || true
  sleep 1.5
  check_fits
}
stop_app() {
  kill "$app_pid" 2>/dev/null || true
  wait "$app_pid" 2>/dev/null || true
  app_pid=""
}
shot() { sleep "${2:-0.6}"; import -window "$window" "$out/$1.png"; say "saved $1.png"; }
keys() { xdotool key --delay 80 "$@"; }
typed() { xdotool type --delay 60 "$1"; sleep 0.2; }

say "activation, in English"
start_app en_US.UTF-8
shot 01-welcome
keys Return
typed "$PIN"
keys Return
typed "$PIN"
shot 02-choose-pin
keys Return
sleep 0.5
typed "${PARTS[0]}"
typed "${PARTS[1]}"
typed "$TYPO_PART3"
shot 03-key-parts-typo
keys ctrl+a BackSpace
typed "${PARTS[2]}"
typed "${PARTS[3]}"
shot 04-key-parts
keys Return
shot 05-review
keys Return
# Argon2 at the default cost: wait for the saved message (up to 60 s).
for _ in $(seq 120); do [[ -s "$vault" ]] && break; sleep 0.5; done
[[ -s "$vault" ]] || fail "the vault was not written"
shot 06-saved 1.5
keys Return
shot 07-menu

say "one signature"
keys 1
sleep 0.5
typed "$PIN"
keys Tab
typed "$CODE"
shot 08-sign
keys Return
sleep 4
keys c
sleep 0.8
shot 09-response
from_window="$(xclip -o -selection clipboard 2>/dev/null || true)"
from_terminal="$(printf '%s\n' "$PIN" | "$bin" --vault "$vault" sign "$CODE" --pin-stdin --plain)"
[[ "$from_window" =~ ^[0-9]{8}$ ]] || fail "the window's copied value is not 8 digits: '$from_window'"
[[ "$from_window" == "$from_terminal" ]] ||
  fail "window gave $from_window, terminal mode gave $from_terminal"
say "the window and the terminal mode agree: $from_window"
keys Escape

say "a linked payment, keyboard only: Tab to the checkbox, Space ticks it"
sign_linked() {
  keys 1
  sleep 0.5
  typed "$PIN"
  keys Tab
  typed "553 505"
  keys Tab
  shot "$1"
  keys space
  typed "1 500,00"
  keys Tab
  typed "KZ86 125K ZT50 0410 0100"
  [[ -n "${2:-}" ]] && shot "$2"
  keys Return
  sleep 4
}
sign_linked 10-sign-keyboard-focus 11-sign-linked
shot 12-linked-response
from_window_linked="$(
  keys c
  sleep 0.8
  xclip -o -selection clipboard 2>/dev/null || true
)"
from_terminal_linked="$(printf '%s\n' "$PIN" | "$bin" --vault "$vault" sign 553505 --pin-stdin --plain \
  --amount 1500 --payee KZ86125KZT5004100100 2>/dev/null)"
[[ "$from_window_linked" == "$from_terminal_linked" ]] ||
  fail "linked: window gave '$from_window_linked', terminal mode gave '$from_terminal_linked'"
say "linked signature: the window and the terminal mode agree: $from_window_linked"
keys Escape

say "delete: Enter keeps the key"
keys 3
shot 13-delete
keys Return
sleep 0.5
[[ -s "$vault" ]] || fail "Enter on the delete screen deleted the key"
stop_app

say "menu and help in Russian"
start_app ru_RU.UTF-8
shot 14-menu-ru
keys 4
shot 15-help-ru
stop_app

say "sign and help in Kazakh"
start_app kk_KZ.UTF-8
keys 1
sleep 0.5
typed "$PIN"
keys Tab
typed "$CODE"
shot 16-sign-kk
keys Escape
keys 4
# The last section and Back, reached from the keyboard.
keys End Tab
shot 17-help-kk-end
stop_app

say "dark theme at 200% scaling (2560x1440), switched from the keyboard"
start_xvfb 2560x1440
start_app kk_KZ.UTF-8 2
keys ctrl+t ctrl+t
shot 18-menu-kk-dark-scale-2
sign_linked 19-sign-kk-dark-scale-2
shot 20-linked-response-kk-dark-scale-2
stop_app

say "two-channel activation, in English, on a second vault"
start_xvfb 1280x720
# From the welcome screen to the activation-code step: PIN, then the parts.
to_code_step() {
  keys Return
  typed "$PIN"
  keys Return
  typed "$PIN"
  keys Return
  sleep 0.5
  for part in "${PARTS2[@]}"; do typed "$part"; done
  keys Return
  sleep 0.5
}
start_app en_US.UTF-8 1 "$vault2"
to_code_step
typed "$TYPO_ACTIVATION_CODE"
shot 21-activation-code-typo
keys ctrl+a BackSpace
typed "$ACTIVATION_CODE"
shot 22-activation-code
keys Return
shot 23-review-two-channel
keys Return
for _ in $(seq 120); do [[ -s "$vault2" ]] && break; sleep 0.5; done
[[ -s "$vault2" ]] || fail "the two-channel vault was not written"
shot 24-saved-two-channel 1.5
keys Return
keys 1
sleep 0.5
typed "$PIN"
keys Tab
typed "$CODE"
keys Return
sleep 4
keys c
sleep 0.8
from_window_two="$(xclip -o -selection clipboard 2>/dev/null || true)"
from_terminal_two="$(printf '%s\n' "$PIN" | "$bin" --vault "$vault2" sign "$CODE" --pin-stdin --plain)"
[[ "$from_window_two" =~ ^[0-9]{8}$ ]] || fail "two-channel: the copied value is not 8 digits: '$from_window_two'"
[[ "$from_window_two" == "$from_terminal_two" ]] ||
  fail "two-channel: window gave $from_window_two, terminal mode gave $from_terminal_two"
[[ "$from_window_two" != "$from_window" ]] ||
  fail "the two-channel key signed as the envelope alone does"
"$bin" --vault "$vault2" status | grep -q "two_channel" || fail "status does not say two-channel"
say "two-channel: the window and the terminal mode agree: $from_window_two"
stop_app

for spec in ru_RU:25-activation-code-ru kk_KZ:26-activation-code-kk; do
  say "the activation-code step: ${spec#*:}"
  rm -f "$vault2"
  start_app "${spec%:*}.UTF-8" 1 "$vault2"
  to_code_step
  typed "$ACTIVATION_CODE"
  shot "${spec#*:}"
  stop_app
done

say "no keystore: saving asks whether to keep an unbound key"
vault3="$work/vault-unbound.json"
start_app_without_keystore() {
  DBUS_SESSION_BUS_ADDRESS="unix:path=$work/no-bus" start_app en_US.UTF-8 1 "$vault3"
}
start_app_without_keystore
keys Return
typed "$PIN"
keys Return
typed "$PIN"
keys Return
sleep 0.5
for part in "${PARTS[@]}"; do typed "$part"; done
keys Return
sleep 0.5
keys Return
shot 27-no-keystore-question 1
[[ ! -e "$vault3" ]] || fail "a vault was written before the unbound choice"
keys Return
for _ in $(seq 120); do [[ -s "$vault3" ]] && break; sleep 0.5; done
[[ -s "$vault3" ]] || fail "the unbound vault was not written"
shot 28-saved-unbound 1.5
keys Return
shot 29-menu-unbound
DBUS_SESSION_BUS_ADDRESS="unix:path=$work/no-bus" "$bin" --vault "$vault3" status | grep -q "bound: no" ||
  fail "status does not say unbound"
"$bin" --vault "$vault" status | grep -q "bound: yes" || fail "the first vault is not bound"
stop_app

say "done: screenshots in $out"
