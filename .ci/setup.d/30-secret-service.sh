# Sourced by .ci/run: a private session bus with GNOME Keyring's Secret
# Service on it, for the app's device-binding tests (issue 17). The keyring
# lives in a temporary folder and is unlocked with a test password, so no
# real user's keyring is touched. Safe to source twice: a running one is kept.
if [ -z "${MOBIPASS_TEST_SECRET_SERVICE:-}" ]; then
    mobipass_ss_dir=$(mktemp -d /tmp/mobipass-secret-service.XXXXXX)
    mkdir -p "$mobipass_ss_dir/data" "$mobipass_ss_dir/runtime"
    chmod 700 "$mobipass_ss_dir/runtime"
    # Prints the address, then the pid (for a script that wants to stop it:
    # the keyring daemon ends with its bus).
    mobipass_ss_bus=$(dbus-daemon --session --fork --nopidfile \
        --address="unix:path=$mobipass_ss_dir/bus" --print-address=1 --print-pid=1)
    DBUS_SESSION_BUS_ADDRESS=$(printf '%s\n' "$mobipass_ss_bus" | sed -n 1p)
    MOBIPASS_TEST_DBUS_PID=$(printf '%s\n' "$mobipass_ss_bus" | sed -n 2p)
    export DBUS_SESSION_BUS_ADDRESS MOBIPASS_TEST_DBUS_PID
    export MOBIPASS_TEST_KEYRING_PASSWORD=mobipass-ci-keyring
    # gnome-keyring keeps its keyrings under XDG_DATA_HOME and its control
    # socket under XDG_RUNTIME_DIR: both point into the temporary folder.
    printf '%s' "$MOBIPASS_TEST_KEYRING_PASSWORD" |
        XDG_DATA_HOME="$mobipass_ss_dir/data" XDG_RUNTIME_DIR="$mobipass_ss_dir/runtime" \
            gnome-keyring-daemon --daemonize --unlock --components=secrets >/dev/null
    export MOBIPASS_TEST_KEYRING_DATA="$mobipass_ss_dir/data"
    export MOBIPASS_TEST_KEYRING_RUNTIME="$mobipass_ss_dir/runtime"
    export MOBIPASS_TEST_SECRET_SERVICE=1
    unset mobipass_ss_dir mobipass_ss_bus
fi
