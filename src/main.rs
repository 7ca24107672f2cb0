//! The `supplyrisk` command: parse flags, call the library, map errors to exit codes.

fn main() {
    println!("supplyrisk {}", env!("CARGO_PKG_VERSION"));
}
