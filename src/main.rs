//! The `mobipass` binary.

fn main() {
    println!("MobiPass: the app arrives with the app-core and GUI issues.");
}
