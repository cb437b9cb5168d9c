//! Ctrl-C at a hidden PIN prompt must leave the person's terminal usable:
//! echo and line editing back on, and the shell's usual exit code for Ctrl-C.
#![cfg(unix)]

mod token_support;

use std::process::Command;

use token_support::*;

#[test]
fn ctrl_c_at_the_pin_prompt_restores_the_terminal_and_exits_130() {
    let f = Fixture::activated();
    let output = Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/cli_support/ctrl_c_at_pin_prompt.py"
        ))
        .arg(env!("CARGO_BIN_EXE_mobipass"))
        .arg(f.vault())
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/mobipass-tests-have-no-bus",
        )
        .output()
        .expect("python3 drives the pseudo-terminal (CI has it)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["prompted"], true, "{report}");
    assert_eq!(report["echo_during"], false, "the PIN was hidden: {report}");
    assert_eq!(report["code"], 130, "{report}");
    assert_eq!(report["echo_after"], true, "echo left off: {report}");
    assert_eq!(report["canonical_after"], true, "{report}");
}
