//! Measures what an offline PIN search costs an attacker who holds a copy of
//! the vault and one observed (document code, response) pair: one Argon2id
//! run per PIN guess at the vault's parameters, 10,000 guesses.
//!
//! ```text
//! cargo run --release -p mobipass-scheme --example pin_search_cost [RUNS]
//! ```
//!
//! Prints the time of one run at the default parameters (m = 256 MiB, t = 2,
//! p = 1) and the single-core hours for all 10,000 PINs. docs/SECURITY.md
//! quotes its output.

use std::time::Instant;

use mobipass_scheme::{ActivationKey, KdfParams, Pin, Salt, mask, unmask};

fn main() {
    let runs: u32 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(5);
    let params = KdfParams::DEFAULT;
    let key = ActivationKey::generate();
    let salt = Salt::generate();
    let masked = mask(&key, &Pin::parse("3907").expect("a PIN"), &salt, &params)
        .expect("default parameters run");
    let mut best = f64::INFINITY;
    let mut total = 0.0;
    for n in 0..runs {
        let pin = Pin::parse(&format!("{:04}", n % 10_000)).expect("a PIN");
        let start = Instant::now();
        let guess = unmask(&masked, &pin, &salt, &params).expect("default parameters run");
        let seconds = start.elapsed().as_secs_f64();
        drop(guess);
        best = best.min(seconds);
        total += seconds;
    }
    let mean = total / f64::from(runs);
    println!(
        "Argon2id m={} KiB t={} p={}: {runs} runs, mean {mean:.3} s, best {best:.3} s",
        params.memory_kib, params.iterations, params.parallelism
    );
    println!(
        "10,000 PINs: {:.2} core-hours at the mean ({:.2} at the best), {} MiB per parallel guess",
        mean * 10_000.0 / 3600.0,
        best * 10_000.0 / 3600.0,
        params.memory_kib / 1024
    );
}
