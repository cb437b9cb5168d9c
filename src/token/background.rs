//! Running the slow Argon2 step off the caller's thread.
//!
//! Every vault operation is blocking and costs about half a second of Argon2.
//! A GUI must not freeze meanwhile, so it hands the call to [`background`] and
//! awaits the result as a future; the core itself stays synchronous and free
//! of any async runtime.

use std::future::Future;

/// Runs `f` on a new thread and returns a future of its result.
///
/// # Panics
/// The future panics if `f` panicked, like joining the thread would.
pub fn background<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> impl Future<Output = T> + Send {
    let (sender, receiver) = futures_channel::oneshot::channel();
    std::thread::spawn(move || {
        // The receiver may have been dropped (the screen was left); then the
        // result has nobody to go to.
        let _ = sender.send(f());
    });
    async move { receiver.await.expect("the background task panicked") }
}
