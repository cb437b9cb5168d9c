//! Every node judges challenge expiry by its own clock, so a node whose clock
//! is far from the database server's is refused (PostgreSQL); an embedded
//! SQLite database shares the machine's clock and has nothing to compare.

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::{Backend, TestDb};
use mobipass_verifier::{Config, MAX_CLOCK_SKEW, ManualClock, MasterKey, VerifierError};

/// A clock `offset_secs` seconds away from the real time.
fn clock_off_by(offset_secs: i64) -> Arc<ManualClock> {
    let offset = Duration::from_secs(offset_secs.unsigned_abs());
    let now = SystemTime::now();
    Arc::new(ManualClock::new(if offset_secs > 0 {
        now + offset
    } else {
        now - offset
    }))
}

both_stores!(
    a_clock_within_the_tolerance_passes,
    |db: TestDb| async move {
        let verifier = db.open(MasterKey::generate(), Config::default()).await;
        assert!(MAX_CLOCK_SKEW >= Duration::from_secs(20));
        for offset in [0, 10, -10] {
            let skewed = verifier.clone().with_clock(clock_off_by(offset));
            skewed.check_clock().await.unwrap();
        }
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: set MOBIPASS_TEST_PG_URL"]
async fn a_clock_minutes_off_the_postgres_server_is_refused_with_its_direction() {
    let db = TestDb::new(Backend::Postgres).await;
    let verifier = db.open(MasterKey::generate(), Config::default()).await;
    for (offset, direction) in [(120, "ahead of"), (-120, "behind")] {
        let skewed = verifier.clone().with_clock(clock_off_by(offset));
        let error = skewed.check_clock().await.unwrap_err();
        let VerifierError::ClockSkew { skew_ms } = error else {
            panic!("expected a clock skew, got {error:?}");
        };
        assert!(
            (skew_ms - offset * 1000).abs() < 5_000,
            "{offset} s off measured as {skew_ms} ms"
        );
        let message = error.to_string();
        assert!(message.contains(direction), "{message}");
        assert!(
            message.contains("120 s") && message.contains("NTP"),
            "{message}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_has_no_other_clock_to_disagree_with() {
    let db = TestDb::new(Backend::Sqlite).await;
    let verifier = db.open(MasterKey::generate(), Config::default()).await;
    let skewed = verifier.with_clock(clock_off_by(3600));
    skewed.check_clock().await.unwrap();
}
