//! `cargo xtask …`: project automation (the benchmark harness).

fn main() {
    eprintln!("usage: cargo xtask bench [--quick]");
    std::process::exit(2);
}
