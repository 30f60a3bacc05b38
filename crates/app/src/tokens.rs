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
    fn tokens_are_random_hex_of_their_length() {
        let is_hex = |t: &str| t.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase());
        let a = super::generate();
        assert_eq!(a.len(), 64);
        assert!(is_hex(&a), "{a}");
        assert_ne!(a, super::generate());
        let short = super::generate_short();
        assert_eq!(short.len(), 32);
        assert!(is_hex(&short), "{short}");
        assert_ne!(short, super::generate_short());
    }

    #[test]
    fn a_token_is_stored_as_its_sha256() {
        // The SHA-256 of "x", computed elsewhere: a lookup by hash finds what
        // any other SHA-256 implementation stored.
        assert_eq!(super::hash("x"), "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881");
    }

    #[test]
    fn passwords_use_only_the_readable_alphabet() {
        let p = super::generate_password();
        assert_eq!(p.chars().count(), 20);
        assert!(p.chars().all(|c| c.is_ascii_alphanumeric() && !"0O1lIio".contains(c)), "{p}");
        assert_ne!(p, super::generate_password());
    }
}
