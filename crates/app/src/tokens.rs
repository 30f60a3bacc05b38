//! Secrets handed to clients: random, opaque, stored only as hashes.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// 256 random bits as 64 hex characters (threats.md #1: at least 128 bits).
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A shorter random token for public identifiers such as a website token.
pub fn generate_short() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The form a token is stored and looked up in. A plain SHA-256 suffices: the
/// tokens are 256 random bits, so there is nothing to brute-force.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A readable random password for the first administrator.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_long_and_distinct() {
        let a = super::generate();
        assert_eq!(a.len(), 64);
        assert_ne!(a, super::generate());
        assert_eq!(super::hash("x"), super::hash("x"));
        assert_ne!(super::hash(&a), a);
    }
}
