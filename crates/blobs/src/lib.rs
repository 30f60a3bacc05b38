//! The only crate that knows where bytes live (X5): the data folder by
//! default, any S3-compatible store by configuration (object_store). Keys
//! are made here from a closed set of kinds and random names, so no client
//! string ever reaches a path; a key read back (from the database, from a
//! URL) is parsed before it is used. Images are decoded with limits and
//! re-encoded (`image.rs`).

pub mod image;

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, PutPayload};
use rand::RngCore;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("no such blob")]
    NotFound,
    #[error("more than {0} bytes")]
    TooLarge(usize),
    #[error("blob store: {0}")]
    Store(String),
}

impl From<object_store::Error> for BlobError {
    fn from(e: object_store::Error) -> Self {
        match e {
            object_store::Error::NotFound { .. } => BlobError::NotFound,
            other => BlobError::Store(other.to_string()),
        }
    }
}

pub type Result<T> = std::result::Result<T, BlobError>;

/// What a blob is: the first part of its key, and of its URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A profile photo or an inbox avatar: a square PNG.
    Avatar,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Avatar => "avatars",
        }
    }
}

/// A blob's key: `<kind>/<32 hex>.<ext>`, made by [`Key::new`] or parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key(String);

const EXTENSIONS: &[&str] = &["png"];

impl Key {
    /// A fresh random key (128 bits: not guessable, never reused).
    pub fn new(kind: Kind, ext: &'static str) -> Key {
        let mut bytes = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Key(format!("{}/{}.{ext}", kind.as_str(), hex::encode(bytes)))
    }

    /// A key in its stored form; anything else is refused.
    pub fn parse(s: &str) -> Option<Key> {
        let (kind, file) = s.split_once('/')?;
        let (name, ext) = file.split_once('.')?;
        let ok = kind == Kind::Avatar.as_str()
            && name.len() == 32
            && name.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            && EXTENSIONS.contains(&ext);
        ok.then(|| Key(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The MIME type it is served with.
    pub fn content_type(&self) -> &'static str {
        "image/png"
    }
}

/// Where an S3-compatible store is.
#[derive(Debug, Clone)]
pub struct S3Config {
    /// `https://s3.eu-central-1.amazonaws.com`, `http://127.0.0.1:5000`, …
    pub endpoint: String,
    pub bucket: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub region: String,
}

/// The blob store.
#[derive(Clone)]
pub struct Blobs {
    store: Arc<dyn ObjectStore>,
    /// `local` or `s3`, for logs and the readiness page.
    backend: &'static str,
}

impl Blobs {
    /// Files under `dir` (created if missing).
    pub fn local(dir: &Path) -> Result<Blobs> {
        std::fs::create_dir_all(dir).map_err(|e| BlobError::Store(format!("{}: {e}", dir.display())))?;
        let store = LocalFileSystem::new_with_prefix(dir)?;
        Ok(Blobs { store: Arc::new(store), backend: "local" })
    }

    /// An S3-compatible bucket. Plain `http://` endpoints are allowed (a
    /// store on the same host or network).
    pub fn s3(c: &S3Config) -> Result<Blobs> {
        let store = AmazonS3Builder::new()
            .with_endpoint(&c.endpoint)
            .with_bucket_name(&c.bucket)
            .with_access_key_id(&c.access_key_id)
            .with_secret_access_key(&c.secret_access_key)
            .with_region(&c.region)
            .with_allow_http(c.endpoint.starts_with("http://"))
            .with_virtual_hosted_style_request(false)
            .build()?;
        Ok(Blobs { store: Arc::new(store), backend: "s3" })
    }

    pub fn backend(&self) -> &'static str {
        self.backend
    }

    /// Stores `bytes` under `key`, refusing more than `cap` bytes.
    pub async fn put(&self, key: &Key, bytes: Bytes, cap: usize) -> Result<()> {
        if bytes.len() > cap {
            return Err(BlobError::TooLarge(cap));
        }
        self.store.put(&StorePath::from(key.as_str()), PutPayload::from_bytes(bytes)).await?;
        Ok(())
    }

    pub async fn get(&self, key: &Key) -> Result<Bytes> {
        Ok(self.store.get(&StorePath::from(key.as_str())).await?.bytes().await?)
    }

    /// Removes a blob; one already gone is not an error.
    pub async fn delete(&self, key: &Key) -> Result<()> {
        match self.store.delete(&StorePath::from(key.as_str())).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_made_here_and_parsed_strictly() {
        let k = Key::new(Kind::Avatar, "png");
        assert_eq!(Key::parse(k.as_str()), Some(k.clone()));
        assert_ne!(Key::new(Kind::Avatar, "png"), k);
        for bad in [
            "../etc/passwd",
            "avatars/../../x.png",
            "avatars/0123456789abcdef0123456789abcdef.svg",
            "avatars/0123456789ABCDEF0123456789ABCDEF.png",
            "other/0123456789abcdef0123456789abcdef.png",
            "avatars/0123456789abcdef0123456789abcdef.png/x",
        ] {
            assert_eq!(Key::parse(bad), None, "{bad}");
        }
    }

    #[tokio::test]
    async fn local_blobs_round_trip_with_a_cap() {
        let dir = std::env::temp_dir().join(format!("parlor-blobs-{}", hex::encode(rand::random::<[u8; 8]>())));
        let blobs = Blobs::local(&dir).expect("local store");
        let key = Key::new(Kind::Avatar, "png");
        blobs.put(&key, Bytes::from_static(b"hello"), 5).await.expect("put");
        assert_eq!(blobs.get(&key).await.expect("get"), Bytes::from_static(b"hello"));
        assert!(matches!(blobs.put(&key, Bytes::from_static(b"toolong"), 5).await, Err(BlobError::TooLarge(5))));
        blobs.delete(&key).await.expect("delete");
        blobs.delete(&key).await.expect("deleting twice is fine");
        assert!(matches!(blobs.get(&key).await, Err(BlobError::NotFound)));
        let _ = std::fs::remove_dir_all(dir);
    }
}
