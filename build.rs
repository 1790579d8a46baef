// The migrations are embedded at compile time (`embed_migrations!`): a new
// migration folder must rebuild the crate.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    // Relative relocations packed (RELR): the loader reads 7 KiB at every
    // start instead of 0.6 MiB of 24-byte entries, and that memory stays
    // resident (docs/benchmarks.md). Needs a linker that knows it (LLD, Rust's
    // default on x86_64 Linux since 1.90; GNU ld 2.38) and glibc 2.36 (Debian
    // 12) where the binary runs.
    let linux_gnu = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux")
        && std::env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("gnu");
    let x86_64 = std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("x86_64");
    if linux_gnu && x86_64 {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
