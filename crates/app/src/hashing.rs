//! Password hashing on two threads of its own. Each thread owns argon2's
//! working memory (19 MiB at the default parameters) and reuses it for every
//! hash: a burst of sign-ins no longer leaves hundreds of megabytes in the
//! allocator's arenas, as one fresh 19 MiB block per hash on the blocking
//! pool did (issue 11, measured in BENCHMARKS.md). Two threads also bound how
//! many hashes run at once, so a login flood queues instead of exhausting
//! memory or cores.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::oneshot;

const THREADS: usize = 2;

enum Job {
    Hash { password: String, done: oneshot::Sender<Result<String, String>> },
    Verify { password: String, hash: String, done: oneshot::Sender<Result<bool, String>> },
}

/// The hashing threads' queue. Dropping the last handle ends the threads.
#[derive(Clone)]
pub(crate) struct Hasher(mpsc::Sender<Job>);

impl Hasher {
    pub(crate) fn start() -> Hasher {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..THREADS {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new().name(format!("parlor-argon2-{i}")).spawn(move || {
                // Taken at the first hash, then kept: an idle server holds none.
                let mut memory = Vec::new();
                loop {
                    let job = match rx.lock().unwrap_or_else(|p| p.into_inner()).recv() {
                        Ok(job) => job,
                        Err(_) => return,
                    };
                    match job {
                        Job::Hash { password, done } => {
                            let _ = done.send(hash(&password, &mut memory));
                        }
                        Job::Verify { password, hash, done } => {
                            let _ = done.send(verify(&password, &hash, &mut memory));
                        }
                    }
                }
            });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password hashing thread");
            }
        }
        Hasher(tx)
    }

    /// A PHC string (argon2id, default parameters, a fresh salt) for `password`.
    pub(crate) async fn hash(&self, password: String) -> Result<String, String> {
        let (done, answer) = oneshot::channel();
        self.0.send(Job::Hash { password, done }).map_err(|_| "the hashing threads are gone".to_owned())?;
        answer.await.map_err(|_| "a hashing thread ended".to_owned())?
    }

    /// Whether `password` matches the PHC string `hash`.
    pub(crate) async fn verify(&self, password: String, hash: String) -> Result<bool, String> {
        let (done, answer) = oneshot::channel();
        self.0.send(Job::Verify { password, hash, done }).map_err(|_| "the hashing threads are gone".to_owned())?;
        answer.await.map_err(|_| "a hashing thread ended".to_owned())?
    }
}

/// argon2 into `out` with `params`, in the thread's memory, grown to the
/// default parameters' size at most (a stored hash with larger parameters gets
/// memory of its own for that one hash).
fn compute(
    params: Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
    memory: &mut Vec<Block>,
) -> Result<(), String> {
    let blocks = params.block_count();
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    if memory.len() < blocks && blocks <= Params::default().block_count() {
        memory.resize(blocks, Block::default());
    }
    let result = match memory.get_mut(..blocks) {
        Some(mine) => argon2.hash_password_into_with_memory(password, salt, out, mine),
        None => argon2.hash_password_into(password, salt, out),
    };
    result.map_err(|e| e.to_string())
}

fn hash(password: &str, memory: &mut Vec<Block>) -> Result<String, String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_raw = salt.decode_b64(&mut salt_bytes).map_err(|e| e.to_string())?;
    let params = Params::default();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    compute(params.clone(), password.as_bytes(), salt_raw, &mut out, memory)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: (&params).try_into().map_err(|e: argon2::password_hash::Error| e.to_string())?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| e.to_string())?),
    };
    Ok(phc.to_string())
}

fn verify(password: &str, phc: &str, memory: &mut Vec<Block>) -> Result<bool, String> {
    let parsed = PasswordHash::new(phc).map_err(|e| e.to_string())?;
    if parsed.algorithm != Algorithm::Argon2id.ident() {
        return Err(format!("unexpected password hash algorithm {}", parsed.algorithm));
    }
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else { return Ok(false) };
    let params = Params::try_from(&parsed).map_err(|e| e.to_string())?;
    let mut salt_bytes = [0u8; 64];
    let salt_raw = salt.decode_b64(&mut salt_bytes).map_err(|e| e.to_string())?;
    let mut out = vec![0u8; expected.len()];
    compute(params, password.as_bytes(), salt_raw, &mut out, memory)?;
    // Output's comparison is constant-time.
    Ok(Output::new(&out).map_err(|e| e.to_string())? == expected)
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::PasswordVerifier;

    use super::*;

    #[test]
    fn hashes_are_standard_phc_strings_both_ways() {
        let mut memory = Vec::new();
        let phc = hash("correct horse battery", &mut memory).expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        // The argon2 crate's own verifier accepts ours, and ours accepts its.
        let parsed = PasswordHash::new(&phc).expect("parse");
        assert!(Argon2::default().verify_password(b"correct horse battery", &parsed).is_ok());
        assert_eq!(verify("correct horse battery", &phc, &mut memory), Ok(true));
        assert_eq!(verify("wrong", &phc, &mut memory), Ok(false));
        let theirs = {
            use argon2::password_hash::PasswordHasher;
            let salt = SaltString::generate(&mut rand::rngs::OsRng);
            Argon2::default().hash_password(b"pw of theirs", &salt).expect("hash").to_string()
        };
        assert_eq!(verify("pw of theirs", &theirs, &mut memory), Ok(true));
        assert!(verify("x", "not a hash", &mut memory).is_err());
    }
}
