//! Computes this build's identity, `SUPPLYRISK_BUILD_ID`: a 64-bit FNV-1a hash of the Rust
//! sources (`src/**/*.rs`, in sorted path order, each hashed with its path relative to the
//! package, line endings normalised to `\n`), `Cargo.lock` (the dependencies' exact versions)
//! and the compiler's version.
//!
//! Shard manifests record it and `merge` requires every shard to carry this build's: two builds
//! with the same package version but different code (a local fix, another commit) can give
//! different results for the same seed, and a merge of their shards would match neither. Two
//! builds of the same sources, lock file and compiler get the same identity on any machine and
//! checkout: other files in `src/` (an editor's swap file), symbolic links, CRLF line endings
//! and `Cargo.toml` (which `cargo package` rewrites; the versions that count are the lock
//! file's) do not enter it. Build with the lock file (`cargo build --locked`, `cargo install
//! --locked`) so that it names the dependencies actually linked. The hash is not
//! cryptographic: it tells builds apart, it does not authenticate them.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// FNV-1a, 64 bits (offset basis and prime of the FNV specification).
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// A length-prefixed field, so that ("ab", "c") and ("a", "bc") hash differently.
    fn field(&mut self, bytes: &[u8]) {
        self.write(&(bytes.len() as u64).to_le_bytes());
        self.write(bytes);
    }
}

/// Every `.rs` file under `dir`, recursively, in sorted order; symbolic links are not followed
/// (nor are they sources: the compiler reads the files they point to, which are elsewhere).
fn rust_files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            rust_files_under(&path, out);
        } else if meta.is_file() && path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A text file's bytes with `\r\n` as `\n`, so a Windows checkout hashes as a Unix one.
fn normalised(bytes: Vec<u8>) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut iter = bytes.iter().peekable();
    while let Some(&b) = iter.next() {
        if b == b'\r' && iter.peek() == Some(&&b'\n') {
            continue;
        }
        out.push(b);
    }
    out
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let mut files = Vec::new();
    rust_files_under(&root.join("src"), &mut files);
    // (A package built from the registry may come without its lock file.)
    if root.join("Cargo.lock").is_file() {
        files.push(root.join("Cargo.lock"));
    }

    let mut hash = Fnv::new();
    for path in &files {
        let relative = path.strip_prefix(&root).expect("under the package");
        // Forward slashes, so that the identity does not depend on the platform's separator.
        let name = relative.to_string_lossy().replace('\\', "/");
        hash.field(name.as_bytes());
        let bytes = fs::read(path).unwrap_or_else(|e| panic!("cannot read {name}: {e}"));
        hash.field(&normalised(bytes));
    }
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .map(|output| output.stdout)
        .unwrap_or_default();
    hash.field(&version);

    println!("cargo:rustc-env=SUPPLYRISK_BUILD_ID={:016x}", hash.0);
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.lock");
    println!("cargo:rerun-if-env-changed=RUSTC");
}
