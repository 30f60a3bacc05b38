//! Embeds every file under `static/` into the binary, so `cargo build` alone
//! produces a complete server (no asset folder to ship, no Node.js).
//!
//! Text files are compressed here, once, with gzip (level 9) and brotli
//! (quality 11), and kept only where that saves bytes; each file gets its
//! SHA-256 (base64: the CSP hash of an inlined file, and the ETag), and all
//! files together a version that fingerprints their URLs (`/static/<version>/…`).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use sha2::{Digest, Sha256};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn gzip(raw: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(raw).expect("gzip into memory");
    e.finish().expect("gzip into memory")
}

fn brotli(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
    brotli::BrotliCompress(&mut &raw[..], &mut out, &params).expect("brotli into memory");
    out
}

/// Writes `bytes` next to the generated code and returns the `include_bytes!` of it.
fn emit(out_dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = out_dir.join(name);
    std::fs::write(&path, bytes).expect("write a compressed asset");
    format!("Some(include_bytes!({:?}))", path.display().to_string())
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let root = manifest.join("static");
    println!("cargo:rerun-if-changed=static");
    let mut files = Vec::new();
    walk(&root, &mut files);
    let packed = out_dir.join("static");
    std::fs::create_dir_all(&packed).expect("create OUT_DIR/static");
    let mut version = Sha256::new();
    let mut code = String::from("pub static FILES: &[File] = &[\n");
    for (i, file) in files.iter().enumerate() {
        println!("cargo:rerun-if-changed={}", file.display());
        let rel = file.strip_prefix(&root).expect("under static/").to_string_lossy().replace('\\', "/");
        let raw = std::fs::read(file).expect("read a static file");
        let digest = Sha256::digest(&raw);
        version.update(rel.as_bytes());
        version.update(digest);
        let text = matches!(rel.rsplit('.').next(), Some("js" | "mjs" | "css" | "svg" | "json" | "html" | "txt"));
        let (mut gz, mut br) = ("None".to_owned(), "None".to_owned());
        if text {
            let z = gzip(&raw);
            if z.len() < raw.len() {
                gz = emit(&packed, &format!("{i}.gz"), &z);
            }
            let b = brotli(&raw);
            if b.len() < raw.len() {
                br = emit(&packed, &format!("{i}.br"), &b);
            }
        }
        let sha256 = base64::engine::general_purpose::STANDARD.encode(digest);
        let _ = writeln!(
            code,
            "    File {{ path: {rel:?}, raw: include_bytes!({:?}), gzip: {gz}, br: {br}, sha256: {sha256:?} }},",
            file.display().to_string()
        );
    }
    code.push_str("];\n");
    let version = hex(&version.finalize()[..6]);
    let _ = writeln!(
        code,
        "/// Changes whenever any file under `static/` changes.\npub const VERSION: &str = {version:?};"
    );
    std::fs::write(out_dir.join("static_files.rs"), code).expect("write static_files.rs");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
